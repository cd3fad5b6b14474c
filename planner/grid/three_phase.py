"""A project's grid as the unbalanced four-wire grid it is: one-phase consumers and units on
their phase, the year through the three-phase batch flow (:mod:`planner.grid.powerflow3ph`).

What the balanced translation (:func:`planner.grid.translate.to_pandapower`) lacks is added to
a copy of its net:

- cables: their type's zero-sequence data (``r0_ohm_per_km``, ``x0_ohm_per_km``,
  ``c0_nf_per_km``; the ladder's NAYY types carry it); a type without it gets the positive
  sequence times the ladder's ratios (:func:`planner.grid.equipment.zero_sequence_ratios`: the
  median ratios of the four-core cables of the IEEE European LV Test Feeder, IEEE PES
  Distribution System Analysis Subcommittee 2015, as pandapower ships it in
  ``pandapower.networks.ieee_european_lv_asymmetric``; ``c0 = c``, a cable's charging current
  at 230 V is a few mA per km);
- transformers: the vector group of pandapower's library type (``Dyn5`` for a project's own
  type, the usual distribution transformer), zero-sequence short-circuit voltage equal to the
  positive sequence's, magnetising as the IEEE feeder's transformer (``mag0_percent`` 100,
  ``si0_hv_partial`` 0.9);
- the upstream connection: :data:`SOURCE_SC_MVA` short-circuit power at R/X 0.1 (its
  negative-sequence impedance is a shunt that lowers the unbalance a little; a weak grid's
  value, so the unbalance is not understated), zero sequence as the IEEE feeder's source.

Each step's injections: a consumer's demand without its heat pumps and charging points on the
consumer's phase, each heat pump and charging point on its own, each unit's delivered output on
its phase, each battery's charge (negative) on its phase; ``3ph``: a third on each phase.
Power factor 1, as in the balanced flow.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.grid.annual3ph import UNBALANCE_LIMIT
from planner.grid.equipment import zero_sequence_ratios

#: Zero- to positive-sequence ratios of a four-core cable (the ladder's: see the module docstring;
#: tests/grid/test_three_phase.py reads them from the feeder pandapower ships).
R0_PER_R1, X0_PER_X1, C0_PER_C1, _ = zero_sequence_ratios()
#: Short-circuit power of the upstream grid at the transformer's high-voltage side [MVA].
SOURCE_SC_MVA = 100.0
#: The vector group of a transformer type pandapower's library does not hold.
DEFAULT_VECTOR_GROUP = "Dyn5"
_PHASE_INDEX = {"L1": (0,), "L2": (1,), "L3": (2,), "3ph": (0, 1, 2)}
KINDS = ("consumer", "pv_unit", "wind_turbine", "chp_unit", "battery", "heat_pump", "charging_point")


def single_phase_count(project) -> dict[str, int]:
    """How many objects of each kind connect to one phase only."""
    out = {}
    for kind in KINDS:
        n = sum(1 for e in project.items(kind).values() if e.phase != "3ph")
        if n:
            out[kind] = n
    return out


def add_three_phase_data(net, project) -> list[str]:
    """Add what the three-phase flow needs to ``net`` (the balanced translation of ``project``),
    in place; returns what was assumed, one line each."""
    notes = []
    types = project.items("cable_type")
    derived = set()
    if len(net.line):
        r0, x0, c0 = [], [], []
        for row in net.line.itertuples():
            t = types.get(row.std_type)
            given = t is not None and t.r0_ohm_per_km is not None and t.x0_ohm_per_km is not None
            r0.append(t.r0_ohm_per_km if given else row.r_ohm_per_km * R0_PER_R1)
            x0.append(t.x0_ohm_per_km if given else row.x_ohm_per_km * X0_PER_X1)
            c0.append(t.c0_nf_per_km if given and t.c0_nf_per_km is not None else row.c_nf_per_km * C0_PER_C1)
            if not given:
                derived.add(row.std_type)
        net.line["r0_ohm_per_km"], net.line["x0_ohm_per_km"], net.line["c0_nf_per_km"] = r0, x0, c0
    if derived:
        notes.append(f"zero-sequence data of {len(derived)} cable type(s) ({', '.join(sorted(derived)[:3])}"
                     f"{', ...' if len(derived) > 3 else ''}) derived: r0 = {R0_PER_R1:g} r, x0 = {X0_PER_X1:g} x "
                     f"(the IEEE European LV Test Feeder's four-core cables)")
    if len(net.trafo):
        library = net.std_types["trafo"]
        groups = [library.get(t, {}).get("vector_group") or DEFAULT_VECTOR_GROUP for t in net.trafo.std_type]
        if any(t not in library or not library[t].get("vector_group") for t in net.trafo.std_type):
            notes.append(f"transformers of the project's own types taken as {DEFAULT_VECTOR_GROUP}")
        # pandapower's three-phase model names the group without its clock number (the phase shift
        # is the type's shift_degree)
        net.trafo["vector_group"] = [g.rstrip("0123456789") for g in groups]
        net.trafo["vk0_percent"] = net.trafo.vk_percent
        net.trafo["vkr0_percent"] = net.trafo.vkr_percent
        net.trafo["mag0_percent"] = 100.0
        net.trafo["mag0_rx"] = 0.0
        net.trafo["si0_hv_partial"] = 0.9
    net.ext_grid["s_sc_max_mva"] = SOURCE_SC_MVA
    net.ext_grid["s_sc_min_mva"] = SOURCE_SC_MVA
    for column, value in (("rx_max", 0.1), ("rx_min", 0.1), ("r0x0_max", 0.1), ("x0x_max", 1.0),
                          ("r0x0_min", 0.1), ("x0x_min", 1.0)):
        net.ext_grid[column] = value
    notes.append(f"upstream short-circuit power {SOURCE_SC_MVA:g} MVA (R/X 0.1)")
    return notes


@dataclass
class ThreePhaseYear:
    """The year's three-phase figures (``figures``, for summary.json) and each element's worst
    value (rows as the balanced grid check's: kind, id, figure, value, time)."""

    figures: dict
    elements: pd.DataFrame | None


def _series(project, gen, delivered_kw, battery_kw):
    """(kind, id, kW injected per step, phase) for everything connected to a bus."""
    hp = gen.heat_pumps.electricity_kw if gen.heat_pumps is not None else pd.DataFrame()
    cp = gen.charging.charging_kw if gen.charging is not None else pd.DataFrame()
    own = {}
    for kind, frame in (("heat_pump", hp), ("charging_point", cp)):
        for device in project.items(kind).values():
            if device.id in frame.columns:
                kw = frame[device.id].to_numpy(dtype=float)
                own[device.consumer_id] = own.get(device.consumer_id, 0.0) + kw
                yield kind, device.id, device.consumer_id, -kw, device.phase
    for consumer in project.items("consumer").values():
        if consumer.id in gen.consumers_kw.columns:
            kw = gen.consumers_kw[consumer.id].to_numpy(dtype=float) - own.get(consumer.id, 0.0)
            yield "consumer", consumer.id, consumer.id, -kw, consumer.phase
    units = gen.units_kw if delivered_kw is None else delivered_kw
    for kind in ("pv_unit", "wind_turbine", "chp_unit"):
        for unit in project.items(kind).values():
            if unit.id in units.columns:
                yield kind, unit.id, unit.id, units[unit.id].to_numpy(dtype=float), unit.phase
    for battery in project.items("battery").values():
        if battery.id in battery_kw.columns:
            yield "battery", battery.id, battery.id, -battery_kw[battery.id].to_numpy(dtype=float), battery.phase


_ELEMENT_OF = {"consumer": ("consumer", "load"), "pv_unit": ("pv_unit", "sgen"), "wind_turbine": ("wind_turbine", "sgen"),
               "chp_unit": ("chp_unit", "sgen"), "battery": ("battery", "storage"),
               "heat_pump": ("consumer", "load"), "charging_point": ("consumer", "load")}


def spread_matrix(places, ids, net, model):
    """How each column's kW (``places``: (kind, the project id it is placed as, phase) per column,
    injection positive) adds to the model's per-phase bus injections [p.u.]:
    ``s_abc = (values @ spread).reshape(steps, 3, n_bus)``. Columns not connected to a bus add nothing."""
    import scipy.sparse as sp

    rows, cols, vals = [], [], []
    for column, (kind, placed_as, phase) in enumerate(places):
        id_kind, element = _ELEMENT_OF[kind]
        index = ids[id_kind].get(placed_as)
        if index is None:  # not connected to a bus
            continue
        bus = int(model.bus_lookup[net.bus.index.get_loc(int(net[element].at[index, "bus"]))])
        if bus < 0:
            continue
        phases = _PHASE_INDEX[phase]
        for p in phases:
            rows.append(p * model.n_bus + bus)
            cols.append(column)
            vals.append(1.0 / len(phases) / 1000.0 / model.base_mva)
    return sp.csr_matrix((vals, (cols, rows)), shape=(len(places), 3 * model.n_bus))


def injection_matrix(project, gen, ids, net, model, delivered_kw, battery_kw):
    """Per step, every element's kW injected (columns) and :func:`spread_matrix` of them."""
    places, columns = [], []
    for kind, _, placed_as, kw, phase in _series(project, gen, delivered_kw, battery_kw):
        places.append((kind, placed_as, phase))
        columns.append(kw)
    values = np.column_stack(columns) if columns else np.zeros((len(gen.units_kw.index), 0))
    return values, spread_matrix(places, ids, net, model)


class StepSolver:
    """One step at a time through the three-phase flow (the map's hour view): the project's net
    with its three-phase data, factorised once; :meth:`solve` takes each consumer's, unit's and
    battery's kW at the step (a consumer's heat pumps and charging points are in its demand and
    count on its phase: the run's files keep their sum per consumer only)."""

    def __init__(self, project, net, ids):
        from planner.grid.powerflow3ph import build_model_3ph

        self.net = copy.deepcopy(net)
        add_three_phase_data(self.net, project)
        self.model = build_model_3ph(self.net)
        self.places = [("consumer", c.id, c.phase) for c in project.items("consumer").values()]
        self.places += [(kind, u.id, u.phase) for kind in ("pv_unit", "wind_turbine", "chp_unit", "battery")
                        for u in project.items(kind).values()]
        self.spread = spread_matrix(self.places, ids, self.net, self.model).T.tocsr()
        self.devices_elsewhere = sum(1 for kind in ("heat_pump", "charging_point")
                                     for d in project.items(kind).values()
                                     if d.phase != project.items("consumer").get(d.consumer_id, d).phase)

    def solve(self, consumers_kw: dict, units_kw: dict, batteries_kw: dict) -> dict | None:
        """Per bus (project ids) the lowest and highest phase voltage [p.u.] and the unbalance [%],
        per cable the highest phase loading and the neutral current [A]; None where it does not converge."""
        from planner.grid.powerflow3ph import bus_extremes, line_extremes, solve_batch

        values = np.array([-consumers_kw.get(oid, 0.0) if kind == "consumer" else
                           -batteries_kw.get(oid, 0.0) if kind == "battery" else units_kw.get(oid, 0.0)
                           for kind, oid, _ in self.places], dtype=float)
        model = self.model
        s = (self.spread @ values).reshape(1, 3, model.n_bus).astype(complex)
        solution, iterations = solve_batch(model, s)
        if iterations[0] == 0:
            return None
        vm, vuf = bus_extremes(solution.v_012)
        take = model.bus_lookup
        valid = take >= 0
        names = [str(n) for n in np.asarray(self.net.bus.name)[valid]]
        i_phase, i_n = line_extremes(model, solution.v_012)
        lines = model.lines
        inside = np.isfinite(lines.kv_from)
        cables = [str(n) for n in np.asarray(self.net.line.name)[inside]]
        with np.errstate(invalid="ignore", divide="ignore"):
            loading = i_phase[0] / lines.i_max_ka * 100.0
        return {"vm_min": dict(zip(names, vm[0].min(axis=0)[take[valid]])),
                "vm_max": dict(zip(names, vm[0].max(axis=0)[take[valid]])),
                "unbalance_percent": dict(zip(names, vuf[0][take[valid]] * 100.0)),
                "phase_loading": dict(zip(cables, loading[inside])),
                "neutral_a": dict(zip(cables, i_n[0][inside] * 1000.0))}


def run_year(project, gen, prepared_net, ids, delivered_kw, battery_kw, *, details: bool = True,
             chunk: int = 512) -> ThreePhaseYear:
    """The project's year through the three-phase flow: per-phase voltage band, voltage unbalance,
    each cable's highest phase loading and neutral current."""
    from planner.grid.powerflow3ph import build_model_3ph, bus_extremes, line_extremes, solve_batch

    started = time.perf_counter()
    net = copy.deepcopy(prepared_net)
    notes = add_three_phase_data(net, project)
    model = build_model_3ph(net)
    values, spread = injection_matrix(project, gen, ids, net, model, delivered_kw, battery_kw)
    index = gen.units_kw.index
    n_bus, lines = model.n_bus, model.lines
    n_line = len(lines.i_max_ka)
    vm_min = np.full((3, n_bus), np.inf)
    vm_max = np.full((3, n_bus), -np.inf)
    vuf_max, vuf_at = np.full(n_bus, -np.inf), np.zeros(n_bus, dtype=np.int64)
    load_max, load_at = np.full(n_line, -np.inf), np.zeros(n_line, dtype=np.int64)
    in_max, in_at = np.full(n_line, -np.inf), np.zeros(n_line, dtype=np.int64)
    # each bus's lowest phase voltage (kept negated, to share better()) and highest, with their step
    low_neg, low_at = np.full(n_bus, -np.inf), np.zeros(n_bus, dtype=np.int64)
    high, high_at = np.full(n_bus, -np.inf), np.zeros(n_bus, dtype=np.int64)
    over, failed, previous = 0, [], None
    spread_t = spread.T.tocsr()

    def better(best, at, candidate, first, ok_rows):
        rows = np.nanargmax(np.where(np.isfinite(candidate), candidate, -np.inf), axis=0)
        top = candidate[rows, np.arange(candidate.shape[1])]
        take = np.isfinite(top) & (top > best)
        best[take] = top[take]
        at[take] = ok_rows[rows[take]] + first

    for first in range(0, len(index), chunk):
        block = values[first:first + chunk]
        s = np.asarray((spread_t @ block.T).T).reshape(block.shape[0], 3, n_bus).astype(complex)
        solution, iterations = solve_batch(model, s, start=previous)
        ok = iterations > 0
        failed.extend(index[first:first + chunk][~ok])
        if not ok.any():
            continue
        ok_rows = np.flatnonzero(ok)
        v012 = solution.v_012 if ok.all() else solution.v_012[ok]
        vm, vuf = bus_extremes(v012)
        vm_min = np.minimum(vm_min, vm.min(axis=0))
        vm_max = np.maximum(vm_max, vm.max(axis=0))
        over += int((vuf > UNBALANCE_LIMIT).any(axis=1).sum())
        better(vuf_max, vuf_at, vuf, first, ok_rows)
        better(low_neg, low_at, -vm.min(axis=1), first, ok_rows)
        better(high, high_at, vm.max(axis=1), first, ok_rows)
        if n_line:
            i_phase, i_n = line_extremes(model, v012)
            with np.errstate(invalid="ignore", divide="ignore"):
                loading = i_phase / lines.i_max_ka[None, :] * 100.0
            better(load_max, load_at, loading, first, ok_rows)
            better(in_max, in_at, i_n * 1000.0, first, ok_rows)
        if ok[-1]:
            previous = solution
    seconds = time.perf_counter() - started
    out_of_case = ~np.isfinite(lines.kv_from)
    load_max[out_of_case] = -np.inf
    in_max[out_of_case] = -np.inf

    take = model.bus_lookup
    valid = take >= 0
    names = np.asarray(net.bus.name, dtype=object)
    figures: dict = {"steps": len(index), "seconds": round(seconds, 2),
                     "single_phase": single_phase_count(project), "assumptions": notes,
                     "unbalance_limit_percent": UNBALANCE_LIMIT * 100.0,
                     "steps_over_unbalance_limit": over, "non_converged_steps": len(failed),
                     "non_converged_times": [str(t) for t in failed[:100]],
                     "unbalance_values": f"{int(round((index[1] - index[0]).total_seconds() / 60)) if len(index) > 1 else 60}"
                                         "-minute means (EN 50160 limits 10-minute means; a longer mean "
                                         "smooths the worst 10 minutes)"}
    if np.isfinite(vm_min[:, take[valid]]).any():
        figures["min_vm_pu"] = {f"L{p + 1}": float(vm_min[p, take[valid]].min()) for p in range(3)}
        figures["max_vm_pu"] = {f"L{p + 1}": float(vm_max[p, take[valid]].max()) for p in range(3)}
        worst = vuf_max[take[valid]]
        k = int(np.argmax(worst))
        figures["max_unbalance_percent"] = float(worst[k] * 100.0)
        figures["max_unbalance_bus"] = str(names[valid][k])
        figures["max_unbalance_time"] = str(index[vuf_at[take[valid]][k]])
    if n_line and np.isfinite(load_max).any():
        k = int(np.nanargmax(np.where(np.isfinite(load_max), load_max, -np.inf)))
        figures["max_phase_loading_percent"] = float(load_max[k])
        figures["max_phase_loading_cable"] = str(net.line.name.iloc[k])
        k = int(np.nanargmax(np.where(np.isfinite(in_max), in_max, -np.inf)))
        figures["max_neutral_current_a"] = float(in_max[k])
        figures["max_neutral_current_cable"] = str(net.line.name.iloc[k])
        figures["max_neutral_current_time"] = str(index[in_at[k]])
        with np.errstate(invalid="ignore", divide="ignore"):
            neutral_loading = in_max / (lines.i_max_ka * 1000.0) * 100.0
        k = int(np.argmax(np.where(np.isfinite(neutral_loading), neutral_loading, -np.inf)))
        figures["max_neutral_loading_percent"] = float(neutral_loading[k])
        figures["max_neutral_loading_cable"] = str(net.line.name.iloc[k])
    elements = None
    if details:
        parts = []
        keep = np.flatnonzero(valid)
        internal = take[keep]
        ok_bus = np.isfinite(vuf_max[internal])
        parts.append(pd.DataFrame({"kind": "bus", "id": [str(n) for n in names[keep][ok_bus]],
                                   "figure": "max unbalance %", "value": vuf_max[internal][ok_bus] * 100.0,
                                   "time": index[vuf_at[internal][ok_bus]]}))
        ok_bus = np.isfinite(low_neg[internal])
        parts.append(pd.DataFrame({"kind": "bus", "id": [str(n) for n in names[keep][ok_bus]],
                                   "figure": "min phase voltage p.u.", "value": -low_neg[internal][ok_bus],
                                   "time": index[low_at[internal][ok_bus]]}))
        parts.append(pd.DataFrame({"kind": "bus", "id": [str(n) for n in names[keep][ok_bus]],
                                   "figure": "max phase voltage p.u.", "value": high[internal][ok_bus],
                                   "time": index[high_at[internal][ok_bus]]}))
        ok_line = np.flatnonzero(np.isfinite(load_max))
        line_names = [str(n) for n in np.asarray(net.line.name)[ok_line]]
        parts.append(pd.DataFrame({"kind": "cable", "id": line_names, "figure": "max phase loading %",
                                   "value": load_max[ok_line], "time": index[load_at[ok_line]]}))
        parts.append(pd.DataFrame({"kind": "cable", "id": line_names, "figure": "max neutral current A",
                                   "value": in_max[ok_line], "time": index[in_at[ok_line]]}))
        # the neutral of a four-core cable is as thick as its phases: its rating is theirs
        parts.append(pd.DataFrame({"kind": "cable", "id": line_names, "figure": "max neutral loading %",
                                   "value": in_max[ok_line] / (lines.i_max_ka[ok_line] * 1000.0) * 100.0,
                                   "time": index[in_at[ok_line]]}))
        elements = pd.concat(parts, ignore_index=True)
    return ThreePhaseYear(figures, elements)


#: The largest single-phase generator or storage VDE-AR-N 4105 allows (unbalance between the
#: phases at most 4.6 kVA) [kW]; a charging point up to this power per plug may charge on one phase.
SINGLE_PHASE_MAX_KW = 4.6
#: What :func:`assign_phases` may put on one phase unless told otherwise.
ASSIGNABLE = ("pv_unit", "battery", "charging_point")
ASSIGN_MODES = ("spread", "worst", "three-phase")


def _rated_kw(entity) -> float | None:
    """The AC power an object draws or feeds at most on its connection [kW] (None: not known)."""
    kind = entity.KIND
    if kind == "pv_unit":
        return entity.peak_kw / entity.dc_ac_ratio
    if kind == "battery":
        return entity.power_kw
    if kind == "charging_point":
        return entity.power_kw * entity.vehicles
    if kind == "wind_turbine":
        return entity.rated_kw
    if kind == "chp_unit":
        return entity.p_el_kw
    return None


def assign_phases(project, mode: str, *, kinds=ASSIGNABLE, max_kw: float = SINGLE_PHASE_MAX_KW, seed: int = 0,
                  households: bool = False) -> list[tuple[str, str, str]]:
    """Phases for the objects that may connect to one phase: ``(kind, id, phase)`` for each whose
    phase changes.

    Which: objects of ``kinds`` rated at most ``max_kw`` (AC; a charging point all its plugs
    together; a heat pump's electric power is not known before the run, so heat pumps are
    assigned only when listed in ``kinds``, whatever their size), and with ``households`` the
    consumers of household members (a household's load on one phase, as in the IEEE European LV
    Test Feeder). ``mode``:

    - ``spread``: L1, L2, L3 in turn, in a fixed pseudo-random order (a hash of ``seed`` and the
      id), so each phase gets a third and a feeder gets what chance gives it;
    - ``worst``: all of them on L1, the case a planner checks when the phases are not known;
    - ``three-phase``: all of them back on three phases.
    """
    import hashlib

    if mode not in ASSIGN_MODES:
        raise ValueError(f"mode is one of {', '.join(ASSIGN_MODES)}, got {mode!r}")
    if "consumer" in kinds:
        raise ValueError("consumers go on one phase as households (households=True, --households): a business's "
                         "load is taken as three-phase")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"cannot assign phases to {unknown[0]!r}: kinds are {', '.join(KINDS)}")
    if not max_kw > 0:
        raise ValueError(f"the largest one-phase connection must be positive, got {max_kw!r} kW")
    chosen = []
    for kind in kinds:
        for entity in project.items(kind).values():
            rated = _rated_kw(entity)
            if rated is not None and rated > max_kw + 1e-9:
                continue
            chosen.append(entity)
    if households:
        members = project.items("member")
        chosen.extend(c for c in project.items("consumer").values()
                      if c.member_id in members and members[c.member_id].kind == "household")
    if mode == "spread":
        chosen.sort(key=lambda e: hashlib.sha256(f"{seed}/{e.KIND}/{e.id}".encode()).hexdigest())
        target = {(e.KIND, e.id): ("L1", "L2", "L3")[k % 3] for k, e in enumerate(chosen)}
    else:
        phase = "L1" if mode == "worst" else "3ph"
        target = {(e.KIND, e.id): phase for e in chosen}
    return [(e.KIND, e.id, target[(e.KIND, e.id)]) for e in chosen if e.phase != target[(e.KIND, e.id)]]


def handover_net(project):
    """The project's grid as a pandapower net for other tools (``planner export NET.json``): the
    balanced translation with its three-phase data, and each one-phase consumer or unit as an
    asymmetric load or generator on its phase (pandapower's ``runpp`` takes their sum, so its
    balanced results do not change; ``runpp_3ph`` sees the phases). Loads and generators are
    ``wye`` (the technology of a generator in the column ``technology``): ``runpp_3ph`` leaves out
    any other type. A one-phase battery stays a (balanced) storage: pandapower has no one-phase one."""
    from planner.grid import _pp as pp

    from planner.grid.translate import to_pandapower

    net, ids = to_pandapower(project)
    add_three_phase_data(net, project)
    net.load["type"] = "wye"
    if len(net.sgen):
        net.sgen["technology"] = net.sgen["type"]
        net.sgen["type"] = "wye"
    moved = {"load": [], "sgen": []}
    for kind, element in (("consumer", "load"), ("pv_unit", "sgen"), ("wind_turbine", "sgen"), ("chp_unit", "sgen")):
        for entity in project.items(kind).values():
            index = ids[kind].get(entity.id)
            if index is None or entity.phase == "3ph":
                continue
            row = net[element].loc[index]
            name = "abc"[_PHASE_INDEX[entity.phase][0]]
            if element == "load":
                pp.create_asymmetric_load(net, int(row.bus), name=row["name"], type="wye",
                                          **{f"p_{name}_mw": float(row.p_mw), f"q_{name}_mvar": float(row.q_mvar)})
            else:
                pp.create_asymmetric_sgen(net, int(row.bus), name=row["name"], type="wye", sn_mva=float(row.sn_mva),
                                          **{f"p_{name}_mw": float(row.p_mw), f"q_{name}_mvar": float(row.q_mvar)})
            moved[element].append(index)
    for element, rows in moved.items():
        if rows:
            net[element] = net[element].drop(index=rows)
    return net
