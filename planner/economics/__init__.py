"""Money and indexes: fairness of benefits, emissions (and, to come, LCOE, NPV, IRR, on-bill finance)."""
