"""PV output against pvlib's own ModelChain (PVWatts) and published yields."""

import numpy as np
import pandas as pd
import pvlib
import pytest
from shapely.geometry import Point

from planner.generation.pv import distinct_orientations, pv_ac_kw, suggested_peak_kw
from planner.model import PVUnit
from planner.weather import read_station, to_resolution


@pytest.fixture(scope="module", params=["dwd-try2010-12", "tmy3-723170"])
def site(request):
    return read_station(request.param)


def unit(id="u", **kw):
    values = dict(peak_kw=1.0, tilt_deg=30.0, azimuth_deg=180.0, losses_percent=14.0, dc_ac_ratio=1.1)
    values.update(kw)
    return PVUnit(id=id, geometry=Point(0, 0), **values)


def modelchain_ac(weather, meta, tilt, azimuth, dc_ac_ratio, temperature_model):
    """pvlib's ModelChain, PVWatts configuration, solar position at the interval midpoints."""
    location = pvlib.location.Location(meta.latitude, meta.longitude, tz="UTC", altitude=meta.elevation_m)
    system = pvlib.pvsystem.PVSystem(
        surface_tilt=tilt, surface_azimuth=azimuth, albedo=0.2,
        module_parameters={"pdc0": 1.0, "gamma_pdc": -0.0037},
        inverter_parameters={"pdc0": 1.0 / dc_ac_ratio / 0.96},
        temperature_model_parameters=pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][temperature_model])
    chain = pvlib.modelchain.ModelChain(
        system, location, transposition_model="perez", aoi_model="physical", spectral_model="no_loss",
        temperature_model="sapm", dc_model="pvwatts", ac_model="pvwatts", losses_model="no_loss")
    shifted = weather.copy()
    shifted.index = shifted.index + pd.Timedelta(minutes=30)
    chain.run_model(shifted)
    return chain.results.ac.fillna(0.0).clip(lower=0.0).to_numpy()


@pytest.mark.parametrize("tilt, azimuth, ratio, model", [
    (30, 180, 1.1, "open_rack_glass_polymer"),
    (45, 100, 1.3, "close_mount_glass_glass"),
    (10, 260, 1.0, "insulated_back_glass_polymer"),
])
def test_matches_pvlib_modelchain(site, tilt, azimuth, ratio, model):
    weather, meta = site
    ours = pv_ac_kw([unit(tilt_deg=tilt, azimuth_deg=azimuth, dc_ac_ratio=ratio, losses_percent=0.0,
                          temperature_model=model)], weather, meta.latitude, meta.longitude,
                    meta.elevation_m)["u"].to_numpy()
    reference = modelchain_ac(weather, meta, tilt, azimuth, ratio, model)
    np.testing.assert_allclose(ours, reference, atol=1e-9)


def test_annual_yield_in_published_ranges():
    # South-facing 30 degrees, 14 % system losses: southern Germany about 950-1,150 kWh/kWp,
    # North Carolina about 1,350-1,550 kWh/kWp.
    for station_id, lo, hi in (("dwd-try2010-12", 950, 1150), ("tmy3-723170", 1350, 1550)):
        weather, meta = read_station(station_id)
        kwh = pv_ac_kw([unit()], weather, meta.latitude, meta.longitude, meta.elevation_m)["u"].sum()
        assert lo < kwh < hi, (station_id, kwh)


def test_many_units_equal_each_alone(site):
    weather, meta = site
    rng = np.random.default_rng(7)
    orientations = [(t, a) for t in (15, 30, 45) for a in (90, 135, 180, 225)]
    units = [unit(f"u{i}", peak_kw=float(rng.uniform(3, 30)), tilt_deg=float(orientations[i % 12][0]),
                  azimuth_deg=float(orientations[i % 12][1]), dc_ac_ratio=float(rng.choice([1.0, 1.2])))
             for i in range(60)]
    assert distinct_orientations(units) == 12
    together = pv_ac_kw(units, weather, meta.latitude, meta.longitude, meta.elevation_m)
    assert list(together.columns) == [u.id for u in units]
    for u in units[:12]:
        alone = pv_ac_kw([u], weather, meta.latitude, meta.longitude, meta.elevation_m)[u.id]
        np.testing.assert_allclose(together[u.id].to_numpy(), alone.to_numpy(), rtol=1e-12)


def test_inverter_clips_and_output_scales(site):
    weather, meta = site
    args = (weather, meta.latitude, meta.longitude, meta.elevation_m)
    small = pv_ac_kw([unit(peak_kw=10.0, dc_ac_ratio=1.5)], *args)["u"]
    assert small.max() <= 10.0 / 1.5 + 1e-9
    assert small.sum() < pv_ac_kw([unit(peak_kw=10.0, dc_ac_ratio=1.0)], *args)["u"].sum()
    double = pv_ac_kw([unit(peak_kw=20.0, dc_ac_ratio=1.5)], *args)["u"]
    np.testing.assert_allclose(double.to_numpy(), 2 * small.to_numpy(), rtol=1e-12)
    lossless = pv_ac_kw([unit(losses_percent=0.0, dc_ac_ratio=0.5)], *args)["u"]
    assert (lossless >= 0).all()
    night = weather.ghi.to_numpy() == 0
    assert (lossless.to_numpy()[night] == 0).all()


def test_fifteen_minutes_agree_with_hourly():
    weather, meta = read_station("dwd-try2010-12")
    args = (meta.latitude, meta.longitude, meta.elevation_m)
    hourly = pv_ac_kw([unit()], weather, *args)["u"].sum()
    quarter = pv_ac_kw([unit()], to_resolution(weather, 15), *args)["u"].sum() / 4
    assert quarter == pytest.approx(hourly, rel=0.02)


def test_suggested_peak():
    assert suggested_peak_kw(100.0) == pytest.approx(12.0)
    assert suggested_peak_kw(100.0, usable_share=0.5, w_per_m2=220) == pytest.approx(11.0)
    with pytest.raises(ValueError):
        suggested_peak_kw(-1.0)


def test_ghi_only_weather_is_split_with_erbs():
    weather, meta = read_station("dwd-try2010-12")
    args = (meta.latitude, meta.longitude, meta.elevation_m)
    full = pv_ac_kw([unit()], weather, *args)["u"].sum()
    ghi_only = pv_ac_kw([unit()], weather.drop(columns=["dni", "dhi"]), *args)["u"].sum()
    assert ghi_only == pytest.approx(full, rel=0.08)  # a decomposition model, not the measured split


def test_cec_module_matches_pvlib_single_diode():
    """A unit of CEC modules: DC equal to pvlib's ModelChain (cec) per module, scaled by module count."""
    weather, meta = read_station("dwd-try2010-12")
    module_name = "Canadian_Solar_Inc__CS5P_220M"
    modules = pvlib.pvsystem.retrieve_sam("CECMod")
    inverter_name = "ABB__MICRO_0_25_I_OUTD_US_208__208V_"
    location = pvlib.location.Location(meta.latitude, meta.longitude, tz="UTC", altitude=meta.elevation_m)
    system = pvlib.pvsystem.PVSystem(
        surface_tilt=30, surface_azimuth=180, albedo=0.2, module_parameters=modules[module_name],
        inverter_parameters={"pdc0": 1000.0},
        temperature_model_parameters=pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"])
    chain = pvlib.modelchain.ModelChain(system, location, transposition_model="perez", aoi_model="physical",
                                        spectral_model="no_loss", temperature_model="sapm", dc_model="cec",
                                        ac_model="pvwatts", losses_model="no_loss")
    shifted = weather.copy()
    shifted.index = shifted.index + pd.Timedelta(minutes=30)
    chain.run_model(shifted)
    reference_w = chain.results.dc["p_mp"].fillna(0).clip(lower=0).to_numpy()
    from planner.generation.pv import dc_per_module_w, inverter_ac, solar_geometry

    sun = solar_geometry(weather, meta.latitude, meta.longitude, meta.elevation_m)
    ours_w = dc_per_module_w(weather, sun, 30.0, 180.0, "open_rack_glass_polymer", modules[module_name])
    np.testing.assert_allclose(ours_w, reference_w, rtol=1e-6, atol=1e-6)
    stc = float(modules[module_name]["STC"])
    unit_cec = unit(peak_kw=10 * stc / 1000, losses_percent=0.0, dc_ac_ratio=0.5, module=module_name)
    ac = pv_ac_kw([unit_cec], weather, meta.latitude, meta.longitude, meta.elevation_m)["u"].to_numpy()
    # ten modules, no named inverter: PVWatts' inverter on ten times the module's DC
    dc_from_ac_bound = reference_w * 10 / 1000
    np.testing.assert_allclose(ac, inverter_ac(dc_from_ac_bound, np.asarray(10 * stc / 1000 / 0.5)),
                               rtol=1e-6, atol=1e-9)
    # with a CEC micro-inverter per 250 W the output stays below the DC and above zero by day
    unit_inv = unit(peak_kw=10 * stc / 1000, losses_percent=0.0, dc_ac_ratio=0.9, module=module_name,
                    inverter=inverter_name)
    ac_inv = pv_ac_kw([unit_inv], weather, meta.latitude, meta.longitude, meta.elevation_m)["u"]
    assert 0.85 < ac_inv.sum() / dc_from_ac_bound.sum() < 0.99
    assert 1000 * 0.8 < ac_inv.sum() / (10 * stc / 1000) < 1200


def test_unknown_cec_names():
    from planner.generation.pv import PVError

    weather, meta = read_station("dwd-try2010-12")
    with pytest.raises(PVError, match="module 'Nope' is not in pvlib's CEC module library"):
        pv_ac_kw([unit(module="Nope")], weather, meta.latitude, meta.longitude)
    with pytest.raises(PVError, match="needs a CEC module"):
        pv_ac_kw([unit(inverter="ABB__MICRO_0_25_I_OUTD_US_208__208V_")], weather, meta.latitude, meta.longitude)
