"""Optimal sizing: the cheapest community that meets its goals under the grid's limits.

A linear programme (linopy, solved by HiGHS) over the project's simulated year chooses how many
kWp of PV each candidate roof gets and how large a shared battery each transformer area gets,
with their hourly dispatch, under each transformer's rating, the export limit and each bus's
hosting capacity; it minimises the community's annualised cost (capex by lifetime and discount
rate, fixed O&M, energy bought minus energy sold), optionally with a minimum self-sufficiency, a
CO2 cap or a budget. :mod:`~planner.optimise.inputs` gathers the year from the project,
:mod:`~planner.optimise.model` builds and solves the programme (a pure function of arrays),
:mod:`~planner.optimise.proposal` turns the optimum into units and checks it by simulation.
"""
