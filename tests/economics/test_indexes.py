import numpy as np
import pytest

from planner.economics.indexes import co2_avoided_kg, gini, jain


@pytest.mark.parametrize("x, expected", [
    ([1, 1, 1, 1], 0.0),
    ([0, 0, 0], 0.0),
    ([0, 0, 0, 10], 0.75),        # one of four takes all: (n - 1) / n
    ([1, 2, 3, 4], 0.25),         # sum |xi - xj| = 20, 2 n^2 mean = 80
    ([-1, 1, 4], 20 / 24),        # negatives with a positive mean: sum |xi - xj| = 20, 2 * 9 * 4/3 = 24
])
def test_gini_known_vectors(x, expected):
    assert gini(x) == pytest.approx(expected)


def test_gini_against_the_double_sum():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 100, 57)
    direct = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert gini(x) == pytest.approx(direct)


def test_gini_undefined_without_a_positive_mean():
    assert gini([-1, -2, 0]) is None and gini([]) is None


@pytest.mark.parametrize("x, expected", [([5, 5, 5], 1.0), ([0, 0, 9], 1 / 3), ([0, 0], 1.0), ([1, 3], 16 / 20)])
def test_jain(x, expected):
    assert jain(x) == pytest.approx(expected)


def test_co2_avoided():
    # 1,000 kWh of import avoided at 0.38, a CHP burning 3,000 kWh of gas for 1,800 kWh of heat
    assert co2_avoided_kg(1000, 3000, 1800) == pytest.approx(380 + 1800 * 0.202 / 0.9 - 3000 * 0.202)
