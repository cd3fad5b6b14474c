"""Wakes of turbines that share a site, from their drawn positions and the wind's direction.

The classic Jensen (Park) model (Jensen 1983; Katic, Hojstrup and Jensen 1986), as DOMAIN.md
section 9 states it: behind a rotor of diameter D the wake widens linearly with the wake
decay constant k, and the wind speed at a distance x downstream falls by

    delta = (1 - sqrt(1 - C_T)) * (D / (D + 2 k x))**2

over the wake's cross-section (a top hat). A downstream rotor only partly inside the wake
takes the deficit in proportion to the share of its swept area inside (the overlap of two
circles). The deficits of several upstream turbines add as a root sum of squares, each taken
against the free stream ("sosfs" in FLORIS). C_T of each rotor follows from its power curve
at its own waked speed through actuator-disc theory: C_P = P / (rho/2 A u^3) = 4a(1-a)^2 and
C_T = 4a(1-a) (a the axial induction, a <= 1/3). The result is checked against NREL's
FLORIS Jensen model in the tests.

k: about 0.075 onshore, 0.04 to 0.05 offshore.
"""

from __future__ import annotations

import numpy as np

#: Wake decay constant onshore (DOMAIN.md section 9).
WAKE_DECAY_ONSHORE = 0.075
#: Turbines closer than this many rotor diameters form one farm whose wakes are computed together.
FARM_DISTANCE_DIAMETERS = 20.0
_BETZ = 16.0 / 27.0


def thrust_coefficient(power_w: np.ndarray, speed: np.ndarray, rotor_area_m2: float,
                       density: np.ndarray | float = 1.225) -> np.ndarray:
    """C_T from the power a rotor makes at a wind speed (actuator-disc theory).

    Parameters
    ----------
    power_w : array
        Power at ``speed`` [W].
    speed : array
        Wind speed at the rotor [m/s].
    rotor_area_m2 : float
    density : array or float
        Air density [kg/m^3].

    Returns
    -------
    array
        C_T = 4a(1 - a) with a the root of 4a(1 - a)^2 = C_P on [0, 1/3]; 0 where the rotor
        makes no power.
    """
    speed = np.asarray(speed, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cp = np.where(speed > 0, np.asarray(power_w, dtype=float) / (0.5 * density * rotor_area_m2 * speed ** 3), 0.0)
    cp = np.clip(np.nan_to_num(cp), 0.0, _BETZ * 0.999)
    a_grid = np.linspace(0.0, 1.0 / 3.0, 2001)
    a = np.interp(cp, 4 * a_grid * (1 - a_grid) ** 2, a_grid)
    return 4 * a * (1 - a)


def overlap_fraction(distance: np.ndarray, wake_radius: np.ndarray, rotor_radius: float) -> np.ndarray:
    """Share of a rotor's swept area inside a wake: the overlap of two circles over pi R^2."""
    d = np.asarray(distance, dtype=float)
    rw = np.asarray(wake_radius, dtype=float)
    r = float(rotor_radius)
    out = np.zeros(np.broadcast(d, rw).shape)
    d, rw = np.broadcast_to(d, out.shape), np.broadcast_to(rw, out.shape)
    inside = d + r <= rw  # the rotor lies wholly in the wake
    out[inside] = 1.0
    wake_in_rotor = d + rw <= r
    out[wake_in_rotor] = (rw[wake_in_rotor] / r) ** 2
    partial = ~inside & ~wake_in_rotor & (d < r + rw)
    if partial.any():
        dp, rwp = d[partial], rw[partial]
        a1 = rwp ** 2 * np.arccos(np.clip((dp ** 2 + rwp ** 2 - r ** 2) / (2 * dp * rwp), -1, 1))
        a2 = r ** 2 * np.arccos(np.clip((dp ** 2 + r ** 2 - rwp ** 2) / (2 * dp * r), -1, 1))
        a3 = 0.5 * np.sqrt(np.clip((-dp + rwp + r) * (dp + rwp - r) * (dp - rwp + r) * (dp + rwp + r), 0, None))
        out[partial] = (a1 + a2 - a3) / (np.pi * r ** 2)
    return out


def jensen_speeds(xy: np.ndarray, hub_heights: np.ndarray, diameters: np.ndarray, free_speed: np.ndarray,
                  direction_deg: np.ndarray, thrust, k: float = WAKE_DECAY_ONSHORE,
                  rotor_average: bool = True) -> np.ndarray:
    """Each turbine's wind speed in the others' wakes [m/s].

    Parameters
    ----------
    xy : array (n, 2)
        Positions [m] in a projected CRS (east, north).
    hub_heights, diameters : array (n,)
        [m].
    free_speed : array (T, n)
        Free-stream wind speed at each hub [m/s].
    direction_deg : array (T,)
        Where the wind comes from, clockwise from north [deg].
    thrust : callable
        ``thrust(speed (T, n)) -> C_T (T, n)``: each rotor's thrust coefficient at its speed.
    k : float
        Wake decay constant.
    rotor_average : bool
        Weigh a deficit by the share of the rotor inside the wake (True), or apply it in full
        when the hub is inside (False, as a single-point evaluation does).

    Returns
    -------
    array (T, n)
    """
    xy = np.asarray(xy, dtype=float)
    n = len(xy)
    free = np.asarray(free_speed, dtype=float)
    if n < 2:
        return free.copy()
    theta = np.deg2rad(np.asarray(direction_deg, dtype=float))
    travel = np.stack([-np.sin(theta), -np.cos(theta)], axis=1)  # (T, 2): where the air goes
    delta = xy[None, :, :] - xy[:, None, :]  # (i, j, 2): from turbine i to turbine j
    downwind = np.einsum("ijc,tc->tij", delta, travel)  # (T, i, j)
    cross_h = delta[None, :, :, 0] * travel[:, None, None, 1] - delta[None, :, :, 1] * travel[:, None, None, 0]
    dz = (hub_heights[None, :] - hub_heights[:, None])[None, :, :]
    radial = np.sqrt(cross_h ** 2 + dz ** 2)
    D = np.asarray(diameters, dtype=float)
    wake_radius = D[None, :, None] / 2.0 + k * np.clip(downwind, 0.0, None)
    if rotor_average:
        share = np.stack([overlap_fraction(radial[:, :, j], wake_radius[:, :, j], D[j] / 2.0)
                          for j in range(n)], axis=2)
    else:
        share = (radial < wake_radius).astype(float)
    share = np.where(downwind > 1e-9, share, 0.0)
    share[:, np.arange(n), np.arange(n)] = 0.0
    decay = (D[None, :, None] / (D[None, :, None] + 2.0 * k * np.clip(downwind, 0.0, None))) ** 2
    speed = free.copy()
    for _ in range(n):  # a turbine depends only on those upwind: n passes settle every chain
        ct = np.clip(np.asarray(thrust(speed), dtype=float), 0.0, 0.999)
        deficit = (1.0 - np.sqrt(1.0 - ct))[:, :, None] * decay * share  # (T, i, j)
        speed = free * (1.0 - np.sqrt((deficit ** 2).sum(axis=1)))
    return np.clip(speed, 0.0, None)


def farms(xy: np.ndarray, diameters: np.ndarray, limit_diameters: float = FARM_DISTANCE_DIAMETERS) -> list[list[int]]:
    """Groups of turbines closer than ``limit_diameters`` rotor diameters to another of the group."""
    n = len(xy)
    parent = list(range(n))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if np.hypot(*(xy[i] - xy[j])) < limit_diameters * max(diameters[i], diameters[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())
