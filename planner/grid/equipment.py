"""Standard equipment for laying out and sizing a low-voltage grid, and the planning rules.

The ladder (``resources/grid/ladder.json``, installed as ``planner.resources``) holds the NAYY
cable types 4x50 ... 4x240 (with their zero-sequence data for the three-phase flow) and the
20/0.4 kV transformers 100 ... 1000 kVA with their electrical data and prices, each with its
named source. A project overrides any of them, or adds types,
through its own cable and transformer types: a type with a price is on the ladder.

Rules (DOMAIN section 4, all in :class:`Rules`): voltage band 0.90-1.10 p.u., voltage rise from
generation at most 3 % (VDE-AR-N 4105), drop in the load case at most 5 %, loading at most 100 %;
coincident peak after Kerber, P = P_inst (g_inf + (1 - g_inf) n^(-3/4)).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from importlib.resources import files

from planner.model.catalogue import CableType, TransformerType

LADDER_FILE = "grid/ladder.json"
#: Electricity profiles counted as households in the coincidence rule; the rest as commercial.
HOUSEHOLD_PROFILES = ("H0", "H25", "P25", "S25")


@dataclass(frozen=True)
class Rules:
    """The limits a sized grid keeps, and the planning cases' assumptions (all editable)."""

    vm_min_pu: float = 0.90  # EN 50160
    vm_max_pu: float = 1.10
    max_rise_percent: float = 3.0  # VDE-AR-N 4105, generation in the LV grid
    max_drop_percent: float = 5.0  # load case, in the LV grid (ding0)
    max_loading_percent: float = 100.0
    # Kerber: g_inf for households and for the rest (commercial 0.5; public 0.6 is not told apart)
    g_inf_household: float = 0.07
    g_inf_commercial: float = 0.5
    # installed power of one household [kW] per household-equivalent of annual demand: with
    # g_inf 0.07 a large group peaks at 2.1 kW a household (the Schutterwald grid's design value)
    household_kw: float = 30.0
    household_kwh: float = 3000.0
    # commercial installed power: annual demand over these full-load hours (an assumption)
    commercial_hours: float = 2000.0
    # feed-in case (DOMAIN 4, SimBench's lPV/lW): loads at this share of their coincident peak,
    # PV at this share of its peak, wind and CHP at rated power
    feed_in_load_share: float = 0.1
    feed_in_pv_share: float = 0.85
    # layout. First guess: an area is split while its farthest connection lies more than this
    # from its transformer along the streets (then merged back where the power flow allows)
    max_feeder_m: float = 600.0
    # the stated maximum reach: no merged area reaches farther [m]. An assumption of ours, not a
    # standard: a far-end fault must still blow the feeder's fuse, and the loop impedance that
    # decides it is not computed here, so very long LV feeders are not proposed
    max_reach_m: float = 1200.0
    # an area's load moment: sum of coincident peak [kW] times street distance to the station [m].
    # One NAYY 4x240 feeder (0.125 ohm/km) drops 5 % at 0.4 kV for 64,000 kW m; four feeders with
    # a margin for the station's own drop give this limit (an assumption of the layout's)
    max_load_moment_kwm: float = 150_000.0
    area: str = "urban"  # trench price: "urban" or "rural"


@dataclass(frozen=True)
class Ladder:
    """Cable types by current rating and transformer types by rated power, with their prices."""

    cables: tuple[CableType, ...]
    transformers: tuple[TransformerType, ...]
    trench_eur_per_km: dict = field(default_factory=dict)
    station_eur: float = 0.0
    max_parallel: int = 4
    sources: dict = field(default_factory=dict)

    def cable(self, type_id: str) -> CableType:
        return next(c for c in self.cables if c.id == type_id)

    def transformer(self, type_id: str) -> TransformerType:
        return next(t for t in self.transformers if t.id == type_id)

    def cable_kw(self, type_id: str, parallel: int = 1, vn_kv: float = 0.4) -> float:
        """Thermal limit of ``parallel`` cables of a type [kW at cos phi 1]."""
        return math.sqrt(3.0) * vn_kv * self.cable(type_id).max_i_ka * 1000.0 * parallel


def _ladder_data() -> dict:
    return json.loads(files("planner.resources").joinpath(LADDER_FILE).read_text(encoding="utf-8"))


def zero_sequence_ratios() -> tuple[float, float, float, str]:
    """The ladder's zero- to positive-sequence ratios of a four-core cable (r0/r, x0/x, c0/c) and
    their source: what a cable type without zero-sequence data of its own is given."""
    z = _ladder_data()["cables"]["zero_sequence"]
    return float(z["r0_per_r1"]), float(z["x0_per_x1"]), float(z["c0_per_c1"]), str(z["source"])


def default_ladder() -> Ladder:
    """The shipped ladder (see the module docstring for its sources)."""
    data = _ladder_data()
    c, t = data["cables"], data["transformers"]
    r0, x0, c0, zero_source = zero_sequence_ratios()
    cable_source = f"{c['source_electrical']} Price: {c['source_price']} Zero sequence: {zero_source}"
    cables = tuple(CableType(id=row["id"], r_ohm_per_km=row["r_ohm_per_km"], x_ohm_per_km=row["x_ohm_per_km"],
                             c_nf_per_km=row["c_nf_per_km"], max_i_ka=row["max_i_ka"], q_mm2=row["q_mm2"],
                             r0_ohm_per_km=round(row["r_ohm_per_km"] * r0, 6),
                             x0_ohm_per_km=round(row["x_ohm_per_km"] * x0, 6),
                             c0_nf_per_km=round(row["c_nf_per_km"] * c0, 6),
                             price_eur_per_km=row["price_eur_per_km"], source=cable_source)
                   for row in c["types"])
    trafo_source = f"{t['source_electrical']} Price: {t['source_price']}"
    transformers = tuple(
        TransformerType(id=row["id"], sn_mva=row["sn_kva"] / 1000.0, vn_hv_kv=t["vn_hv_kv"], vn_lv_kv=t["vn_lv_kv"],
                        vk_percent=row["vk_percent"], vkr_percent=row["pk_w"] / (row["sn_kva"] * 10.0),
                        pfe_kw=row["p0_w"] / 1000.0, i0_percent=row["i0_percent"], shift_degree=150.0,
                        tap_side="hv", tap_neutral=0, tap_min=-2, tap_max=2, tap_step_percent=2.5,
                        price_eur=row["price_eur"], source=trafo_source)
        for row in t["types"])
    return Ladder(cables=cables, transformers=transformers, trench_eur_per_km=dict(c["trench_eur_per_km"]),
                  station_eur=float(t["station_eur"]), max_parallel=int(c["max_parallel"]),
                  sources={"cables": cable_source, "transformers": trafo_source})


def project_ladder(project) -> Ladder:
    """The shipped ladder with the project's own types: a project type of the same name replaces
    the shipped one (a price left empty keeps the shipped price); a project type with a price and
    a new name joins the ladder."""
    base = default_ladder()
    cables = {c.id: c for c in base.cables}
    for own in project.items("cable_type").values():
        if own.id in cables:
            cables[own.id] = own if own.price_eur_per_km is not None else replace(
                own, price_eur_per_km=cables[own.id].price_eur_per_km)
        elif own.price_eur_per_km is not None:
            cables[own.id] = own
    trafos = {t.id: t for t in base.transformers}
    for own in project.items("transformer_type").values():
        if own.id in trafos:
            trafos[own.id] = own if own.price_eur is not None else replace(own, price_eur=trafos[own.id].price_eur)
        elif own.price_eur is not None and own.vn_lv_kv < 1.0:
            trafos[own.id] = own
    return replace(base, cables=tuple(sorted(cables.values(), key=lambda c: (c.max_i_ka, c.price_eur_per_km))),
                   transformers=tuple(sorted(trafos.values(), key=lambda t: (t.sn_mva, t.price_eur))))


def install_types(project, ladder: Ladder) -> None:
    """Put the ladder's types the project does not hold yet into it (so its grid can be run,
    saved and exported with them)."""
    for t in (*ladder.cables, *ladder.transformers):
        if t.id not in project.items(t.KIND):
            project.add(t)


def household_equivalents(annual_kwh: float, rules: Rules) -> float:
    """Households a consumer counts as in the coincidence rule (at least one)."""
    return max(1.0, annual_kwh / rules.household_kwh)


def installed_kw(consumer, rules: Rules) -> tuple[float, float, bool]:
    """(installed power [kW], count for the coincidence rule, is a household) of a consumer."""
    if consumer.profile in HOUSEHOLD_PROFILES:
        n = household_equivalents(consumer.annual_kwh, rules)
        return n * rules.household_kw, n, True
    return consumer.annual_kwh / rules.commercial_hours, 1.0, False


def coincidence(n: float, g_inf: float) -> float:
    """Kerber's coincidence factor of ``n`` consumers: g_inf + (1 - g_inf) n^(-3/4)."""
    if n <= 0:
        return 0.0
    return g_inf + (1.0 - g_inf) * max(n, 1.0) ** -0.75


def coincident_peak_kw(consumers, rules: Rules) -> float:
    """Kerber's coincident peak of a group of consumers [kW], households and the rest apart."""
    p_h = n_h = p_c = n_c = 0.0
    for consumer in consumers:
        p, n, household = installed_kw(consumer, rules)
        if household:
            p_h, n_h = p_h + p, n_h + n
        else:
            p_c, n_c = p_c + p, n_c + n
    return p_h * coincidence(n_h, rules.g_inf_household) + p_c * coincidence(n_c, rules.g_inf_commercial)
