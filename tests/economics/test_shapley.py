import numpy as np
import pytest

from planner.economics.shapley import community_value, shapley, shapley_exact, shapley_sampled


def glove_game(mask):
    # members 0, 1 hold left gloves, 2 a right glove: a pair is worth 1
    return float(min(mask[0] + mask[1], mask[2]))


def test_hand_computed_glove_game():
    result = shapley_exact(3, glove_game)
    assert result.values == pytest.approx([1 / 6, 1 / 6, 2 / 3])


def test_identities_on_a_small_community():
    rng = np.random.default_rng(2)
    T, n = 200, 6
    gen = rng.uniform(0, 3, (T, n)) * np.array([1, 1, 0, 0, 1, 0])
    load = rng.uniform(0, 2, (T, n))
    load[:, 3] = load[:, 2]  # members 2 and 3 are equal
    gen[:, 5] = 0
    load[:, 5] = 0  # member 5 adds nothing
    value, _ = community_value(gen, load, 0.40, 0.08)
    phi = shapley(n, value).values
    assert phi.sum() == pytest.approx(value(np.ones(n, bool)) - value(np.zeros(n, bool)))  # efficiency
    assert phi[2] == pytest.approx(phi[3])  # symmetry
    assert phi[5] == pytest.approx(0.0, abs=1e-12)  # null member


def test_sampling_converges_to_exact():
    rng = np.random.default_rng(5)
    T, n = 100, 8
    gen = rng.uniform(0, 3, (T, n)) * (rng.uniform(size=n) > 0.5)
    load = rng.uniform(0, 2, (T, n))
    value, marginal = community_value(gen, load, 0.40, 0.08)
    exact = shapley_exact(n, value).values
    sampled = shapley_sampled(n, value, samples=2000, seed=1, marginal=marginal)
    assert np.all(np.abs(sampled.values - exact) < 4 * sampled.standard_error + 1e-9)
    assert sampled.values.sum() == pytest.approx(exact.sum())  # every ordering is efficient
    slow = shapley_sampled(n, value, samples=50, seed=1)
    fast = shapley_sampled(n, value, samples=50, seed=1, marginal=marginal)
    assert slow.values == pytest.approx(fast.values)
