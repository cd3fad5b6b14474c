"""An annual three-phase power flow of unbalanced low-voltage grids, many steps at a time.

The model is pandapower's own three-phase model (``runpp_3ph``): the sequence networks (zero,
positive, negative) that pandapower builds from a net whose lines carry zero-sequence data
(``r0_ohm_per_km``, ``x0_ohm_per_km``, ``c0_nf_per_km``), whose transformers carry their vector
group and zero-sequence short-circuit voltage, and whose external grids their short-circuit
power and ratios; loads and generators are wye-connected, per phase (``asymmetric_load``,
``asymmetric_sgen``) or balanced (``load``, ``sgen``: a third on each phase). (pandapower's
``runpp_3ph`` leaves out loads and generators whose ``type`` is neither ``wye`` nor ``delta``,
such as the ``PV`` of a project's translated net: e2nIEE/pandapower issue 1072; here they count,
as wye.) The external grid's
short-circuit impedance is a shunt in the zero- and negative-sequence networks, which makes
them regular, as pandapower does.

The solution: pandapower alternates a Newton-Raphson of the positive sequence with the zero and
negative sequences solved from the loads' currents. Here every sequence is solved from the
currents at once (the fixed point of the same equations): each phase's current
``conj(S / V)``, turned into sequence currents, gives ``V0 = Y0^-1 I0``, ``V2 = Y2^-1 I2`` and the
positive sequence's PQ buses ``V1 = Y1pp^-1 (I1 - Y1ps V1ref)``; the three sparse matrices are
factorised once, and each iteration solves every step of a chunk in one triangular pass with the
steps as columns. The iteration stops when no phase voltage moves by more than ``tolerance_pu``
between two iterations (1e-9 by default: the results then lie within 1e-7 p.u. of runpp_3ph's).

Results per step: each phase's voltage at every bus, the voltage unbalance factor
``|V2| / |V1|`` (EN 50160 limits its 10-minute values to 2 %). Delta-connected loads, voltage-controlled generators and open-delta
transformers are refused with a message (pandapower's solver supports earthed transformers only:
Dyn, Yyn, YNyn, Yzn).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner import PlannerError

#: a = exp(j 120 deg); sequence (0, 1, 2) to phase (a, b, c) and back, as pandapower's Tabc, T012.
_A = complex(math.cos(2 * math.pi / 3), math.sin(2 * math.pi / 3))
T_ABC = np.array([[1, 1, 1], [1, _A * _A, _A], [1, _A, _A * _A]], dtype=complex)
T_012 = np.linalg.inv(T_ABC)


def to_phases(x012: np.ndarray) -> np.ndarray:
    """Sequence quantities (steps, 3, n) to phase ones: ``T_ABC @ x`` per step, written out
    (an einsum over complex arrays is several times slower)."""
    x0, x1, x2 = x012[:, 0], x012[:, 1], x012[:, 2]
    out = np.empty_like(x012)
    out[:, 0] = x0 + x1 + x2
    a1, a2 = x1 * _A, x2 * _A
    out[:, 1] = x0 + a1 * _A + a2
    out[:, 2] = x0 + a1 + a2 * _A
    return out


class PowerFlow3phError(PlannerError):
    """A net the three-phase batch power flow cannot take, or steps that do not converge."""


@dataclass
class Model3ph:
    """The sequence networks of a net, factorised, and where each load sits."""

    base_mva: float
    n_bus: int
    ref: np.ndarray
    pq: np.ndarray
    v1_ref: np.ndarray          # the slack buses' positive-sequence voltage (set points)
    lu0: object                 # Y0 with the external grids' shunts, whole
    lu2: object
    lu1: object                 # Y1's PQ block
    y1_ps: object               # Y1[pq, ref]
    bus_lookup: np.ndarray      # pandapower bus index -> internal bus (-1: not in the case)
    bus_index: object
    s_static: np.ndarray        # (3, n_bus) the net's own per-phase injections [p.u.], negative for load
    net: object = None
    factors: tuple = ()         # each sequence's LU in the kernels' form, and its permutations
    lines: LineData | None = None


@dataclass
class LineData:
    """What the lines' currents need: each sequence's branch admittances at both ends (rows: the
    net's lines in order; a line out of service or not in the case has empty rows), the kV of
    each end, and each line's rating [kA] (max_i_ka x df x parallel, as pandapower's loading)."""

    y_from: tuple               # (Yf0, Yf1, Yf2) sparse, lines x internal buses
    y_to: tuple
    kv_from: np.ndarray
    kv_to: np.ndarray
    i_max_ka: np.ndarray
    index: object               # the net's line index
    # the same for the compiled kernel: internal end buses, each end's two admittances per
    # sequence (3, lines, 2), and p.u. to kA at each end (0 for lines out of the case)
    fbus: np.ndarray = None
    tbus: np.ndarray = None
    y_from_ends: np.ndarray = None
    y_to_ends: np.ndarray = None
    scale_from: np.ndarray = None
    scale_to: np.ndarray = None


def _internal_cases(net):
    """pandapower's sequence cases of ``net``, set up as ``runpp_3ph`` sets them up."""
    from pandapower.auxiliary import _add_pf_options, _add_ppc_options
    from pandapower.build_bus import _add_ext_grid_sc_impedance
    from pandapower.pd2ppc import _pd2ppc_recycle

    net._options = {}
    _add_ppc_options(net, calculate_voltage_angles=True, trafo_model="t", check_connectivity=True, mode="pf_3ph",
                     switch_rx_ratio=2, init_vm_pu="flat", init_va_degree="flat", enforce_p_lims=False,
                     enforce_q_lims=False, recycle=None, voltage_depend_loads=False,
                     neglect_open_switch_branches=False)
    _add_pf_options(net, tolerance_mva=1e-8, trafo_loading="current", numba=False, ac=True, algorithm="nr",
                    max_iteration=30, only_v_results=False, use_umfpack=True, permc_spec=None, lightsim2grid=False,
                    v_debug=False)
    _, ppci1 = _pd2ppc_recycle(net, 1, recycle=None)
    _, ppci2 = _pd2ppc_recycle(net, 2, recycle=None)
    _add_ext_grid_sc_impedance(net, ppci2)
    _, ppci0 = _pd2ppc_recycle(net, 0, recycle=None)
    return ppci0, ppci1, ppci2


def _check(net) -> None:
    for element in ("gen", "xward", "dcline"):
        table = net.get(element)
        if table is not None and len(table) and table.in_service.astype(bool).any():
            raise PowerFlow3phError(f"the three-phase batch power flow solves fixed P and Q per phase: {element} "
                                    f"(voltage-controlled) is not supported")
    for element in ("asymmetric_load", "asymmetric_sgen", "load", "sgen"):
        table = net.get(element)
        if table is not None and len(table) and "type" in table and \
                (table.type.astype(str).str.lower() == "delta").any():
            raise PowerFlow3phError(f"delta-connected {element} are not supported by the three-phase batch power flow "
                                    f"(connect them phase to neutral)")
    if len(net.trafo) and "vector_group" in net.trafo:
        group = net.trafo.vector_group.astype(str).str.rstrip("0123456789")  # the clock number aside
        bad = net.trafo[net.trafo.in_service.astype(bool) & ~group.isin(["Dyn", "Yyn", "YNyn", "Yzn"])]
        if len(bad):
            raise PowerFlow3phError(f"transformer {bad.index[0]} has vector group {bad.vector_group.iloc[0]}: pandapower's "
                                    f"three-phase model supports earthed ones only (Dyn, Yyn, YNyn, Yzn)")


def build_model_3ph(net) -> Model3ph:
    """The sequence networks of a pandapower net prepared for ``runpp_3ph``, factorised."""
    import copy

    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
    from pandapower.pypower.bustypes import bustypes
    from pandapower.pypower.idx_bus import VA, VM
    from pandapower.pypower.makeYbus import makeYbus

    _check(net)
    net = copy.deepcopy(net)
    try:
        ppci0, ppci1, ppci2 = _internal_cases(net)
    except (KeyError, ValueError) as exc:
        raise PowerFlow3phError(f"the net lacks three-phase data ({' '.join(str(exc).split())[:160]}): lines need "
                                f"r0/x0/c0 per km, transformers a vector group and vk0/vkr0, external grids their "
                                f"short-circuit power and ratios") from None
    base = float(ppci1["baseMVA"])
    y0, yf0, yt0 = makeYbus(base, ppci0["bus"], ppci0["branch"])
    y1, yf1, yt1 = makeYbus(base, ppci1["bus"], ppci1["branch"])
    y2, yf2, yt2 = makeYbus(base, ppci2["bus"], ppci2["branch"])
    ref, pv, pq = bustypes(ppci1["bus"], ppci1["gen"])
    if len(pv):
        raise PowerFlow3phError("the net has voltage-controlled buses: not supported by the three-phase batch flow")
    ref = np.asarray(ref, dtype=np.int64)
    pq = np.asarray(pq, dtype=np.int64)
    v1_ref = ppci1["bus"][ref, VM] * np.exp(1j * np.deg2rad(ppci1["bus"][ref, VA]))
    y1 = sp.csr_matrix(y1)
    lu1 = spla.splu(y1[pq][:, pq].tocsc(), permc_spec="COLAMD")
    lu0 = spla.splu(sp.csc_matrix(y0), permc_spec="COLAMD")
    lu2 = spla.splu(sp.csc_matrix(y2), permc_spec="COLAMD")
    lookup = net["_pd2ppc_lookups"]["bus"]
    n_bus = y1.shape[0]
    bus_lookup = np.array([lookup[b] if b < len(lookup) and 0 <= lookup[b] < n_bus else -1 for b in net.bus.index],
                          dtype=np.int64)
    model = Model3ph(base_mva=base, n_bus=n_bus, ref=ref, pq=pq, v1_ref=np.asarray(v1_ref, dtype=complex),
                     lu0=lu0, lu2=lu2, lu1=lu1, y1_ps=y1[pq][:, ref].tocsr(), bus_lookup=bus_lookup,
                     bus_index=net.bus.index, s_static=np.zeros((3, n_bus), dtype=complex), net=net)
    model.s_static = injections(model, net)
    model.lines = _line_data(net, ppci1, (yf0, yf1, yf2), (yt0, yt1, yt2), n_bus)
    model.factors = tuple(_kernel_form(lu) for lu in (lu0, lu1, lu2))
    return model


def _line_data(net, ppci1, y_from, y_to, n_bus) -> LineData:
    import scipy.sparse as sp
    from pandapower.pypower.idx_bus import BASE_KV

    n_line = len(net.line)
    rows = np.full(n_line, -1, dtype=np.int64)
    span = net["_pd2ppc_lookups"]["branch"].get("line") if n_line else None
    if span is not None:
        in_case = np.asarray(ppci1["internal"]["branch_is"], dtype=bool)
        position = np.cumsum(in_case) - 1  # ppc branch -> ppci branch
        ppc_rows = np.arange(span[0], span[1])
        rows = np.where(in_case[ppc_rows], position[ppc_rows], -1)
    keep = rows >= 0
    pick = sp.csr_matrix((np.ones(int(keep.sum())), (np.flatnonzero(keep), rows[keep])),
                         shape=(n_line, ppci1["branch"].shape[0]))
    fbus = np.zeros(n_line, dtype=np.int64)
    tbus = np.zeros(n_line, dtype=np.int64)
    fbus[keep] = ppci1["branch"][rows[keep], 0].real.astype(np.int64)
    tbus[keep] = ppci1["branch"][rows[keep], 1].real.astype(np.int64)
    kv = ppci1["bus"][:, BASE_KV].real
    line = net.line
    rating = (line.max_i_ka * line.df * line.parallel).to_numpy(dtype=float) if n_line else np.zeros(0)
    y_from = tuple((pick @ y).tocsr() for y in y_from)
    y_to = tuple((pick @ y).tocsr() for y in y_to)
    lines = np.arange(n_line)

    def ends(ys):
        out = np.zeros((3, n_line, 2), dtype=complex)
        for k, y in enumerate(ys):
            if n_line:
                out[k, :, 0] = np.asarray(y[lines, fbus]).ravel()
                out[k, :, 1] = np.asarray(y[lines, tbus]).ravel()
        return out

    kv_from, kv_to = np.where(keep, kv[fbus], np.nan), np.where(keep, kv[tbus], np.nan)
    base = float(ppci1["baseMVA"])
    return LineData(y_from=y_from, y_to=y_to, kv_from=kv_from, kv_to=kv_to, i_max_ka=rating, index=line.index,
                    fbus=fbus, tbus=tbus, y_from_ends=ends(y_from), y_to_ends=ends(y_to),
                    scale_from=np.where(keep, base * np.sqrt(3.0) / np.where(keep, kv_from, 1.0), 0.0),
                    scale_to=np.where(keep, base * np.sqrt(3.0) / np.where(keep, kv_to, 1.0), 0.0))


def line_currents(model: Model3ph, solution: Solution3ph) -> tuple[np.ndarray, np.ndarray]:
    """Each line's phase currents and neutral current [kA] per step: the larger of its two ends,
    as pandapower's ``res_line_3ph`` gives ``i_a_ka`` ... and ``i_n_ka``. Returns ``(i_abc, i_n)``
    of shapes (steps, 3, lines) and (steps, lines); NaN for lines out of the case."""
    data = model.lines
    # pandapower's sequence currents: I012 = conj(S012 / (V012 / sqrt 3)) with S012 = V conj(Y V) base
    # and V in kV, i.e. Y V in p.u. times base_mva sqrt(3) / kV.
    out_abc, out_n = None, None
    steps = solution.v_012.shape[0]
    for y, kv in ((data.y_from, data.kv_from), (data.y_to, data.kv_to)):
        i012 = np.empty((steps, 3, len(kv)), dtype=complex)
        for k in range(3):
            i012[:, k] = (y[k] @ solution.v_012[:, k, :].T).T
        i012 *= model.base_mva * np.sqrt(3.0) / kv[None, None, :]
        i_abc = to_phases(i012)
        mag, neutral = np.abs(i_abc), np.abs(3.0 * i012[:, 0])  # I_a + I_b + I_c = 3 I_0
        out_abc = mag if out_abc is None else np.fmax(out_abc, mag)
        out_n = neutral if out_n is None else np.fmax(out_n, neutral)
    return out_abc, out_n


def line_extremes(model: Model3ph, v_012: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`line_currents` reduced by the compiled kernel: per step and line the largest phase
    current and the neutral current [kA], (steps, lines) each (0 for lines out of the case)."""
    from planner.grid._kernels3ph import line_figures

    data = model.lines
    steps, n_line = v_012.shape[0], len(data.i_max_ka)
    i_phase, i_n = np.empty((steps, n_line)), np.empty((steps, n_line))
    line_figures(np.ascontiguousarray(v_012), data.fbus, data.tbus, data.y_from_ends, data.y_to_ends,
                 data.scale_from, data.scale_to, i_phase, i_n)
    return i_phase, i_n


def bus_extremes(v_012: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each phase's voltage magnitude (steps, 3, buses) and the unbalance |V2| / |V1| (steps,
    buses) of sequence voltages, by the compiled kernel."""
    from planner.grid._kernels3ph import bus_figures

    steps, _, n = v_012.shape
    vm, vuf = np.empty((steps, 3, n)), np.empty((steps, n))
    bus_figures(np.ascontiguousarray(v_012), vm, vuf)
    return vm, vuf


def _kernel_form(lu):
    """A SuperLU factorisation as the kernels take it: (L and U, strict CSR with inverted diagonals),
    (perm_r, perm_c)."""
    from planner.grid.grid_model import _strict

    l_csr, u_csr = lu.L.tocsr(), lu.U.tocsr()
    l_csr.sort_indices()
    u_csr.sort_indices()
    return (_strict(l_csr, lower=True) + _strict(u_csr, lower=False),
            (np.asarray(lu.perm_r, dtype=np.int64), np.asarray(lu.perm_c, dtype=np.int64)))


def injections(model: Model3ph, net) -> np.ndarray:
    """The net's own per-phase injections [p.u. of base MVA] at each internal bus, (3, n_bus):
    loads negative, generators positive; balanced loads and generators a third on each phase."""
    out = np.zeros((3, model.n_bus), dtype=complex)
    for element, sign, balanced in (("load", -1.0, True), ("sgen", 1.0, True), ("asymmetric_load", -1.0, False),
                                    ("asymmetric_sgen", 1.0, False)):
        table = net.get(element)
        if table is None or not len(table):
            continue
        active = table[table.in_service.astype(bool)]
        buses = model.bus_lookup[net.bus.index.get_indexer(active.bus)]
        scaling = active.scaling.to_numpy(dtype=float) if "scaling" in active else np.ones(len(active))
        for phase, name in enumerate("abc"):
            if balanced:
                s = (active.p_mw.to_numpy(dtype=float) + 1j * active.q_mvar.to_numpy(dtype=float)) / 3.0
            else:
                s = active[f"p_{name}_mw"].to_numpy(dtype=float) + 1j * active[f"q_{name}_mvar"].to_numpy(dtype=float)
            keep = buses >= 0
            np.add.at(out[phase], buses[keep], sign * scaling[keep] * s[keep] / model.base_mva)
    return out


@dataclass
class Solution3ph:
    """Per step: sequence voltages (complex p.u.), iterations; the phase voltages on demand."""

    v_012: np.ndarray   # (steps, 3, n_bus)
    iterations: int

    @property
    def v_abc(self) -> np.ndarray:
        """Phase voltages (steps, 3, n_bus), complex p.u."""
        return to_phases(self.v_012)

    @property
    def vm_abc(self) -> np.ndarray:
        return np.abs(self.v_abc)

    @property
    def unbalance(self) -> np.ndarray:
        """Voltage unbalance factor |V2| / |V1| per step and bus (a share, EN 50160: 2 %)."""
        return np.abs(self.v_012[:, 2]) / np.abs(self.v_012[:, 1])


def solve(model: Model3ph, s_abc: np.ndarray, *, tolerance_pu: float = 1e-9, max_iterations: int = 100
          ) -> Solution3ph:
    """The three-phase flow of ``steps`` injections at once.

    ``s_abc``: (steps, 3, n_bus) complex per-phase injections [p.u. of ``model.base_mva``] at the
    internal buses (loads negative), e.g. ``model.s_static[None]`` for the net as it is.
    """
    s_abc = np.asarray(s_abc, dtype=complex)
    steps, n = s_abc.shape[0], model.n_bus
    v012 = np.zeros((steps, 3, n), dtype=complex)
    v012[:, 1, :] = 1.0
    v012[:, 1, model.ref] = model.v1_ref
    pq, ref = model.pq, model.ref
    rhs_ref = model.y1_ps @ model.v1_ref  # the slack's pull on the PQ buses, the same every step
    v_abc = np.einsum("ij,sjn->sin", T_ABC, v012)
    for iteration in range(1, max_iterations + 1):
        i_abc = np.conj(s_abc / v_abc)
        i012 = np.einsum("ij,sjn->sin", T_012, i_abc)
        new = np.empty_like(v012)
        new[:, 0, :] = model.lu0.solve(np.ascontiguousarray(i012[:, 0, :].T)).T
        new[:, 2, :] = model.lu2.solve(np.ascontiguousarray(i012[:, 2, :].T)).T
        new[:, 1, ref] = model.v1_ref
        new[:, 1, pq] = model.lu1.solve(np.ascontiguousarray((i012[:, 1, pq] - rhs_ref[None, :]).T)).T
        new_abc = np.einsum("ij,sjn->sin", T_ABC, new)
        moved = float(np.abs(new_abc - v_abc).max())
        v012, v_abc = new, new_abc
        if moved < tolerance_pu:
            return Solution3ph(v012, iteration)
    raise PowerFlow3phError(f"the three-phase flow did not converge in {max_iterations} iterations (the largest "
                            f"change of a phase voltage was {moved:.2e} p.u.): the grid may not carry the load")


def solve_batch(model: Model3ph, s_abc: np.ndarray, *, tolerance_pu: float = 1e-9, max_iterations: int = 100,
                start: Solution3ph | None = None) -> tuple[Solution3ph, np.ndarray]:
    """:func:`solve` by the compiled kernels: blocks of steps side by side, the steps spread over
    the cores, each block starting from the voltages of the step before it. Returns the solution
    and each step's iterations (0 where it did not converge: its voltages are then NaN)."""
    from planner.grid._kernels3ph import fixed_point_3ph

    s_abc = np.ascontiguousarray(s_abc, dtype=complex)
    steps = s_abc.shape[0]
    if start is None:
        first = np.zeros((3, model.n_bus), dtype=complex)
        first[1] = 1.0
        first[1, model.ref] = model.v1_ref
    else:
        first = np.ascontiguousarray(start.v_012[-1])
    rhs1 = np.ascontiguousarray(-(model.y1_ps @ model.v1_ref))
    (f0, p0), (f1, p1), (f2, p2) = model.factors
    v012 = np.empty((steps, 3, model.n_bus), dtype=complex)
    iterations = np.zeros(steps, dtype=np.int64)
    fixed_point_3ph(f0, f1, f2, p0, p1, p2, model.pq, model.ref, np.ascontiguousarray(model.v1_ref), rhs1, s_abc,
                    first, float(tolerance_pu), int(max_iterations), v012, iterations)
    v012[iterations == 0] = np.nan
    return Solution3ph(v012, int(iterations.max(initial=0))), iterations
