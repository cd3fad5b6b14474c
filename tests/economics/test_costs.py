"""A battery's price: its kWh with the power they include, and power beyond it per kW."""

import pytest

from planner.economics.costs import BATTERY_INCLUDED_KW_PER_KWH, battery_extra_kw, load_catalogue, unit_costs
from planner.model.units import Battery


def _battery(kwh, kw):
    return Battery(id="b", name="b", capacity_kwh=kwh, power_kw=kw)


def test_power_beyond_half_a_kw_per_kwh_is_priced_per_kw():
    catalogue = load_catalogue()
    per_kwh = catalogue.loc["battery", "capex_eur_per_unit"]
    per_kw = catalogue.loc["battery_power", "capex_eur_per_unit"]
    assert BATTERY_INCLUDED_KW_PER_KWH == 0.5
    assert battery_extra_kw(_battery(10.0, 5.0)) == 0.0  # the placement rule's home battery
    assert battery_extra_kw(_battery(10.0, 3.0)) == 0.0  # less power saves nothing
    assert battery_extra_kw(_battery(10.0, 12.0)) == pytest.approx(7.0)
    rows = [{"unit_id": u, "kind": "battery", "technology": "battery", "size": 10.0, "energy_kwh": 0.0,
             "extra_kw": battery_extra_kw(_battery(10.0, kw))} for u, kw in (("home", 5.0), ("fast", 12.0))]
    costs = unit_costs(rows, catalogue).set_index("unit_id")
    assert costs.loc["home", "capex_eur"] == pytest.approx(10.0 * per_kwh)
    assert costs.loc["fast", "capex_eur"] == pytest.approx(10.0 * per_kwh + 7.0 * per_kw)
    assert costs.loc["home", "source"] == catalogue.loc["battery", "source"]
    assert catalogue.loc["battery_power", "source"] in costs.loc["fast", "source"]  # the report lists both
    assert costs.loc["fast", "source"].lower().count("power beyond") == 1  # said once, not twice
    # upkeep and lifetime are the battery's, on the whole price
    assert costs.loc["fast", "opex_eur_per_year"] == pytest.approx(
        costs.loc["fast", "capex_eur"] * catalogue.loc["battery", "opex_share_per_year"])
    # a catalogue of one's own without the row: the kWh price is the whole price
    own = catalogue.drop(index="battery_power")
    assert unit_costs(rows, own).set_index("unit_id").loc["fast", "capex_eur"] == pytest.approx(10.0 * per_kwh)


def test_the_battery_capex_factor_scales_its_power_too():
    from planner.simulation.overrides import apply
    from tests.conftest import make_small_project

    variant = apply(make_small_project(), {"capex_factor_battery": 2.0})
    scaled = variant.catalogue(load_catalogue())
    base = load_catalogue()
    for technology in ("battery", "battery_power"):
        assert scaled.loc[technology, "capex_eur_per_unit"] == pytest.approx(
            2.0 * base.loc[technology, "capex_eur_per_unit"])
