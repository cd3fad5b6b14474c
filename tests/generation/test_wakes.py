"""Wakes from positions and wind direction: the Jensen model against NREL's FLORIS, and in a project."""

import numpy as np
import pytest
from shapely.geometry import Point

from planner.generation.wakes import farms, jensen_speeds, overlap_fraction, thrust_coefficient

WS = np.array([0, 3, 4, 6, 8, 10, 12, 14, 25, 26.0])
POWER_KW = np.array([0, 20, 60, 250, 550, 800, 800, 800, 800, 0.0])
CT = np.array([0, 0.85, 0.82, 0.78, 0.7, 0.5, 0.35, 0.25, 0.05, 0.0])


def _floris(xy, speed, direction, k, points=1):
    from floris import FlorisModel

    turbine = {"turbine_type": "test", "hub_height": 73.0, "rotor_diameter": 53.0, "TSR": 8.0,
               "power_thrust_table": {"power": POWER_KW.tolist(), "thrust_coefficient": CT.tolist(),
                                      "wind_speed": WS.tolist(), "ref_air_density": 1.225, "ref_tilt": 0.0,
                                      "cosine_loss_exponent_yaw": 1.88, "cosine_loss_exponent_tilt": 1.88}}
    quiet = {"enable": False, "level": "WARNING"}
    config = {
        "name": "test", "description": "Jensen reference", "floris_version": "v4",
        "logging": {"console": quiet, "file": quiet},
        "solver": {"type": "turbine_grid", "turbine_grid_points": points},
        "farm": {"layout_x": list(map(float, xy[:, 0])), "layout_y": list(map(float, xy[:, 1])),
                 "turbine_type": [turbine]},
        "flow_field": {"air_density": 1.225, "reference_wind_height": 73.0, "turbulence_intensities": [0.06],
                       "wind_directions": [float(direction)], "wind_shear": 0.0, "wind_speeds": [float(speed)],
                       "wind_veer": 0.0},
        "wake": {"model_strings": {"combination_model": "sosfs", "deflection_model": "none",
                                   "turbulence_model": "none", "velocity_model": "jensen"},
                 "enable_secondary_steering": False, "enable_yaw_added_recovery": False,
                 "enable_transverse_velocities": False, "enable_active_wake_mixing": False,
                 "wake_deflection_parameters": {"none": {}}, "wake_velocity_parameters": {"jensen": {"we": k}},
                 "wake_turbulence_parameters": {"none": {}}}}
    model = FlorisModel(config)
    model.run()
    return np.asarray(model.turbine_average_velocities)[0]


LAYOUTS = {
    "row": np.array([[0.0, 0.0], [265.0, 0.0], [530.0, 0.0]]),
    "staggered": np.array([[0.0, 0.0], [265.0, 0.0], [530.0, 30.0], [300.0, 400.0]]),
    "cluster": np.array([[0.0, 0.0], [200.0, 150.0], [-150.0, 250.0], [350.0, -100.0]]),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("speed, direction", [(8.0, 270.0), (6.0, 250.0), (11.0, 300.0), (9.0, 45.0)])
def test_jensen_agrees_with_floris(layout, speed, direction):
    pytest.importorskip("floris", reason="FLORIS is the reference (pip install -e '.[test]')")
    xy = LAYOUTS[layout]
    n = len(xy)
    ours = jensen_speeds(xy, np.full(n, 73.0), np.full(n, 53.0), np.full((1, n), speed), np.array([direction]),
                         lambda u: np.interp(u, WS, CT), 0.075, rotor_average=False)[0]
    np.testing.assert_allclose(ours, _floris(xy, speed, direction, 0.075), rtol=1e-4)


def test_a_lone_turbine_and_wind_from_the_side_lose_nothing():
    xy = LAYOUTS["row"]
    speeds = jensen_speeds(xy, np.full(3, 73.0), np.full(3, 53.0), np.full((2, 3), 8.0), np.array([0.0, 180.0]),
                           lambda u: np.interp(u, WS, CT))
    assert speeds == pytest.approx(np.full((2, 3), 8.0))  # a row east-west, wind from north or south
    assert jensen_speeds(xy[:1], np.array([73.0]), np.array([53.0]), np.full((1, 1), 8.0), np.array([270.0]),
                         lambda u: np.interp(u, WS, CT)) == pytest.approx(8.0)


def test_overlap_fraction_against_a_grid_count():
    rng = np.random.default_rng(1)
    r = 26.5
    points = rng.uniform(-r, r, (200_000, 2))
    points = points[np.hypot(points[:, 0], points[:, 1]) <= r]
    for distance, wake in [(30.0, 46.4), (10.0, 20.0), (60.0, 40.0), (0.0, 80.0), (70.0, 20.0)]:
        counted = np.mean(np.hypot(points[:, 0] - distance, points[:, 1]) <= wake)
        assert overlap_fraction(np.array(distance), np.array(wake), r) == pytest.approx(counted, abs=0.01)


def test_thrust_from_the_power_curve_follows_actuator_disc_theory():
    a = 0.2
    cp = 4 * a * (1 - a) ** 2
    area = np.pi * 26.5 ** 2
    power = cp * 0.5 * 1.225 * area * 8.0 ** 3
    assert thrust_coefficient(np.array([power]), np.array([8.0]), area)[0] == pytest.approx(4 * a * (1 - a), rel=1e-4)


def test_farms_group_turbines_within_twenty_diameters():
    xy = np.array([[0.0, 0.0], [500.0, 0.0], [5000.0, 0.0]])
    assert sorted(map(sorted, farms(xy, np.full(3, 53.0)))) == [[0, 1], [2]]


def test_in_a_project_the_downwind_turbine_loses_more(small_project):
    from planner.generation.results import simulate_generation
    from planner.model import WindTurbine
    from planner.model.commands import RemoveEntity
    from tests.conftest import X0, Y0

    for kind in ("ownership_share", "pv_unit", "chp_unit"):
        for uid in list(small_project.items(kind)):
            RemoveEntity(kind, uid).do(small_project)
    alone = simulate_generation(small_project).unit_table().loc["w1", "annual_kwh"]
    # Mannheim's winds come mostly from the south-west: put a second turbine 5 diameters north-east
    small_project.add(WindTurbine(id="w2", parcel_id="p2", turbine_type="E-53/800", hub_height_m=73.0,
                                  rated_kw=800.0, geometry=Point(X0 + 250 + 187, Y0 + 150 + 187)))
    small_project.add(WindTurbine(id="far", turbine_type="E-53/800", hub_height_m=73.0, rated_kw=800.0,
                                  geometry=Point(X0 + 5000, Y0 + 150)))
    result = simulate_generation(small_project)
    table = result.unit_table()
    assert table.loc["far", "annual_kwh"] == pytest.approx(alone, rel=1e-9)  # a lone turbine loses nothing
    lost_w1 = 1 - table.loc["w1", "annual_kwh"] / alone
    lost_w2 = 1 - table.loc["w2", "annual_kwh"] / alone
    assert 0 < lost_w1 < lost_w2 < 0.25
    (farm,) = result.wind_farms
    assert sorted(farm["units"]) == ["w1", "w2"] and "wind direction of every step" in farm["model"]
    assert farm["loss_share"] == pytest.approx((lost_w1 + lost_w2) / 2, rel=1e-6)
