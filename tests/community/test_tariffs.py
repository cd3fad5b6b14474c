"""Each member on its own tariff: components, VAT, time of use on the wall clock, fixed charges,
and what shared energy pays; hand calculations."""

import numpy as np
import pandas as pd
import pytest

from planner.community.balance import Balance
from planner.community.comparison import all_schemes
from planner.community.settlement import grid_only
from planner.community.tariffs import import_price, member_prices
from planner.model import SharedEnergy, Tariff
from planner.model.sharing import PRESETS

# German household average 2025 (BDEW, 3,500 kWh/a): 39.7 ct/kWh with VAT
BDEW = dict(import_price_eur_per_kwh=0.1604, grid_fee_eur_per_kwh=0.1095, levies_eur_per_kwh=0.0265,
            taxes_eur_per_kwh=0.0372, vat_percent=19.0)
PEAK = ";".join([",".join(["1" if 17 <= h < 20 else "0" for h in range(24)])] * 12)
FLAT = ";".join([",".join(["0"] * 24)] * 12)


def test_the_components_and_vat_make_the_bdew_price():
    t = Tariff(id="de", export_price_eur_per_kwh=0.08, **BDEW)
    assert t.gross_import_price() == pytest.approx(0.397, abs=5e-4)
    index = pd.date_range("2025-01-01", periods=3, freq="h", tz="UTC")
    assert import_price(t, index, "Europe/Berlin") == pytest.approx([0.33360 * 1.19] * 3)


def test_time_of_use_follows_the_local_wall_clock_and_weekends():
    t = Tariff(id="tou", import_price_eur_per_kwh=0.0, tou_weekday=PEAK, tou_weekend=FLAT, tou_prices="0.20;0.50",
               export_price_eur_per_kwh=0.05)
    assert t.validate() == []
    # Wednesday 2025-07-02: 15:00 UTC is 17:00 in Berlin (summer time): peak; 14:00 UTC is 16:00: off-peak
    index = pd.DatetimeIndex(["2025-07-02 14:00", "2025-07-02 15:00", "2025-01-08 16:00", "2025-07-05 15:00"],
                             tz="UTC")
    # January: 16:00 UTC is 17:00 in Berlin (winter time): peak; Saturday 5 July: weekend table, flat
    assert import_price(t, index, "Europe/Berlin") == pytest.approx([0.20, 0.50, 0.50, 0.20])


@pytest.mark.parametrize("field, value, fragment", [("tou_weekday", "0,1;2", "12 rows"),
                                                    ("tou_prices", "0.2;x", "numbers separated")])
def test_a_malformed_schedule_is_refused(field, value, fragment):
    values = dict(id="t", import_price_eur_per_kwh=0.1, tou_weekday=PEAK, tou_prices="0.2;0.5")
    values[field] = value
    issues = Tariff(**values).validate()
    assert issues and fragment in issues[0].message


def _two_tariff_project(small_project):
    from planner.model.commands import AddEntity, UpdateEntity

    AddEntity(Tariff(id="cheap", name="Night owl", import_price_eur_per_kwh=0.20, export_price_eur_per_kwh=0.06,
                     fixed_eur_per_year=120.0, vat_percent=0.0)).do(small_project)
    UpdateEntity("member", "m2", tariff_id="cheap").do(small_project)
    return small_project


def test_each_member_is_billed_on_its_own_tariff(small_project):
    project = _two_tariff_project(small_project)
    members = ["m1", "m2"]
    index = pd.date_range("2025-03-01", periods=2, freq="h", tz="UTC")
    plan = member_prices(project, members, index)
    assert plan.tariff_of == {"m1": "t", "m2": "cheap"}
    b = Balance(index, members, np.zeros((2, 2)), np.array([[1.0, 2.0], [3.0, 4.0]]))
    bills = grid_only(b, plan.prices).member_bills()
    # m1 on 't' (0.40 flat): 4 kWh -> 1.60; m2 on 'cheap': 6 kWh * 0.20 + one month's fixed 10.00
    assert bills.to_dict() == pytest.approx({"m1": 1.60, "m2": 11.20})


def test_what_shared_energy_pays_changes_the_bills_and_the_books_still_close(small_project):
    from planner.model.commands import UpdateEntity

    UpdateEntity("tariff", "t", **BDEW).do(small_project)
    index = pd.date_range("2025-06-01 10:00", periods=2, freq="h", tz="UTC")
    members = ["m1", "m2"]
    # m1 makes 4 kWh and uses 1; m2 uses 3: 3 kWh are shared each hour
    b = Balance(index, members, np.array([[4.0, 0.0], [4.0, 0.0]]), np.array([[1.0, 3.0], [1.0, 3.0]]))
    totals = {}
    for preset in ("community_grid", "public_grid_full"):
        small_project.shared_energy = SharedEnergy.from_preset(preset)
        plan = member_prices(small_project, members, index)
        schemes = all_schemes(b, plan.prices)
        for name, scheme in schemes.items():
            assert scheme.books_gap() < 1e-9, (preset, name)
        totals[preset] = schemes["sdr"].member_bills()["m2"]
        # by hand: m2 receives 6 kWh of shared energy; SDR = 1 so the internal price is the export price
        charge = SharedEnergy.from_preset(preset).charge_per_kwh(0.1095, 0.0265, 0.0372, 19.0)
        assert totals[preset] == pytest.approx(6 * (0.08 + charge) if preset else 0)
    # no public grid fee when the community owns its grid: 6 kWh x 0.1095 x 1.19 less
    assert totals["public_grid_full"] - totals["community_grid"] == pytest.approx(6 * 0.1095 * 1.19)


def test_presets_name_their_source():
    for name, preset in PRESETS.items():
        assert preset.preset == name and preset.source and preset.validate() == []
