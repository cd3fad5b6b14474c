"""Wind output against hand calculations of the power curve and published behaviour."""

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from planner.generation.wind import (
    WindError, parse_power_curve, read_power_curve_csv, turbine_types, wind_ac_kw, wind_farm_kw,
)
from planner.model import WindTurbine
from planner.weather import read_station

SMALL_CURVE = "0:0;2.5:0;3:0.3;5:1.8;7:4.6;9:8;11:10;20:10;25:10"


def turbine(id="t", **kw):
    values = dict(turbine_type="E-53/800", hub_height_m=73.0, rated_kw=800.0)
    values.update(kw)
    return WindTurbine(id=id, geometry=Point(0, 0), **values)


def ramp_weather(speeds):
    """Standard atmosphere (15 degC at 2 m, 1013.25 hPa) and given wind speeds at 10 m."""
    index = pd.date_range("2019-01-01", periods=len(speeds), freq="h", tz="UTC")
    return pd.DataFrame({"ghi": 0.0, "temp_air": 15.0, "wind_speed": speeds, "pressure": 101_325.0},
                        index=index)


def test_follows_the_power_curve_at_measurement_height():
    speeds = np.arange(0.0, 40.0, 0.25)
    small = turbine("s", turbine_type="custom", hub_height_m=10.0, rated_kw=10.0, power_curve=SMALL_CURVE)
    out = wind_ac_kw([small], ramp_weather(speeds))["s"].to_numpy()
    curve = parse_power_curve(SMALL_CURVE)
    expected = np.interp(speeds, curve.wind_speed, curve.value / 1000.0, right=0.0)
    # density at 10 m in the standard atmosphere is within 0.1 % of 1.225 kg/m^3: hardly corrected
    inside = (speeds < 24.5) | (speeds > 25.5)
    np.testing.assert_allclose(out[inside], expected[inside], atol=0.05)
    assert (out[speeds < 2.5] == 0).all()          # below cut-in
    assert (out[speeds > 25.5] == 0).all()         # above cut-out
    assert out.max() <= 10.0 + 1e-9                # capped at rated power


def test_hub_height_wind_from_the_log_profile():
    # 5 m/s at 10 m, z0 = 0.1 m: v(73 m) = 5 * ln(73/0.1) / ln(10/0.1) = 7.16 m/s
    small = turbine("s", turbine_type="custom", hub_height_m=73.0, rated_kw=10.0,
                    power_curve="0:0;1:1;2:2;3:3;4:4;5:5;6:6;7:7;8:8;9:9;10:10")
    out = wind_ac_kw([small], ramp_weather([5.0] * 24), roughness_m=0.1)["s"]
    assert out.iloc[0] == pytest.approx(5 * np.log(730) / np.log(100), rel=0.01)
    rough = wind_ac_kw([small], ramp_weather([5.0] * 24), roughness_m=1.0)["s"]
    assert rough.iloc[0] > out.iloc[0]  # the same 10 m wind means more wind aloft over rough land


def test_library_turbine_on_real_weather():
    coast, _ = read_station("dwd-try2010-01")   # Bremerhaven
    inland, _ = read_station("dwd-try2010-12")  # Mannheim
    e53 = turbine()
    coast_kwh = wind_ac_kw([e53], coast)["t"]
    inland_kwh = wind_ac_kw([e53], inland)["t"]
    assert coast_kwh.max() <= 810.0 + 1e-9  # the E-53's curve tops out at 810 kW
    assert 0.20 < coast_kwh.sum() / (800 * 8760) < 0.45
    assert inland_kwh.sum() < 0.5 * coast_kwh.sum()  # the Upper Rhine valley is calm
    assert (coast_kwh >= 0).all()


def test_wind_farm_wakes():
    weather, _ = read_station("dwd-try2010-01")
    single = wind_ac_kw([turbine()], weather)["t"].sum()
    farm = wind_farm_kw([turbine("a"), turbine("b"), turbine("c")], weather, efficiency=0.88)
    assert farm.sum() == pytest.approx(0.88 * 3 * single, rel=0.01)
    with pytest.raises(WindError, match="efficiency"):
        wind_farm_kw([turbine()], weather, efficiency=1.5)


def test_library_is_offline_and_has_the_small_machines():
    types = turbine_types()
    assert "E-53/800" in types and "E48/800" in types and len(types) > 60


@pytest.mark.parametrize("text, message", [
    ("0:0;5:1", "at least three points"),
    ("0:0;5:1;4:2", "must increase"),
    ("0:0;5:-1;6:2", "must not be negative"),
    ("0:0;five:1;6:2", "is not 'wind speed:power'"),
])
def test_bad_power_curves(text, message):
    with pytest.raises(WindError, match=message):
        parse_power_curve(text)


def test_unknown_type_and_missing_curve():
    weather = ramp_weather([5.0] * 24)
    with pytest.raises(WindError, match="'Windmill/3' is not in windpowerlib's library"):
        wind_ac_kw([turbine(turbine_type="Windmill/3")], weather)
    with pytest.raises(WindError, match="needs a power curve"):
        wind_ac_kw([turbine(turbine_type="custom")], weather)


def test_power_curve_csv(tmp_path):
    path = tmp_path / "curve.csv"
    path.write_text("wind_speed_m_s,power_kw\n0,0\n3,0.3\n5,1.8\n11,10\n25,10\n")
    assert read_power_curve_csv(path) == "0:0;3:0.3;5:1.8;11:10;25:10"
    path.write_text("v,p\n0,0\n3,x\n5,2\n")
    with pytest.raises(WindError, match="not a number"):
        read_power_curve_csv(path)
