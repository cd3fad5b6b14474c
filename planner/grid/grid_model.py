"""The network model of the batch power flow: pandapower's own internal model, built once.

:func:`build_model` checks a net (what it can solve, refusing the rest by name), runs
pandapower's ``runpp`` once at the net's static values and keeps what every step needs: the
admittance matrix's sparse LU factors over the PQ buses, the slack voltages, and the branch
rows of every line, two- and three-winding transformer (impedance branches count in the
losses as "other").
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import PlannerError

ELEMENTS = ("load", "sgen", "storage")


class PowerFlowError(PlannerError):
    """A net or profiles the batch power flow cannot take; the message says which element."""


@dataclass
class GridModel:
    """A pandapower net prepared once for many time steps."""

    net: object
    base_mva: float
    n_bus: int
    ref: np.ndarray
    pq: np.ndarray
    v_slack: np.ndarray
    lu: object
    l_csr: tuple  # (indptr, indices, data) of L below its diagonal, and 1 / its diagonal
    u_csr: tuple  # the same of U above its diagonal
    perm_r: np.ndarray
    perm_c: np.ndarray
    y_ps: object
    y_sp: object  # slack rows of Ybus, for the upstream exchange
    s_static: np.ndarray  # per internal bus [p.u.], injections of everything at its static value
    bus_lookup: np.ndarray  # pandapower bus index -> internal index (or -1)
    bus_index: pd.Index
    y_branch: tuple  # (yff, yft, ytf, ytt) per internal branch
    f_bus: np.ndarray
    t_bus: np.ndarray
    base_kv_f: np.ndarray
    base_kv_t: np.ndarray
    line_rows: np.ndarray  # internal branch row per line (-1 out of service)
    line_index: pd.Index
    line_i_max_ka: np.ndarray
    trafo_rows: np.ndarray
    trafo_index: pd.Index
    trafo_vn: np.ndarray  # (n_trafo, 2) rated hv and lv voltage
    trafo_scale: np.ndarray  # sn_mva * parallel * df
    ext_grid_rows: np.ndarray  # position in ref for each ext grid
    ext_grid_index: pd.Index
    ext_grid_share: np.ndarray = None  # each ext grid's share of its slack bus's power (fused buses)
    trafo3w_rows: np.ndarray = None  # (n, 3) internal branch rows: hv-star, star-mv, star-lv
    trafo3w_index: pd.Index = None
    trafo3w_rating: np.ndarray = None  # (n, 3) vn_kv / sn_mva per winding, for current loading
    v0: np.ndarray = None  # the no-load PQ voltages each step starts from (``lu`` solved once)

    def __getstate__(self):
        """Pickled without the LU factorisation (scipy's SuperLU does not pickle): the power flow
        needs only its triangular factors and ``v0`` (``planner run`` has a helper process model
        the grid beside the simulation of generation)."""
        state = dict(self.__dict__)
        state["lu"] = None
        return state

    @functools.cached_property
    def figures(self) -> dict:
        """Factors from per-unit branch currents to the results: each end's current in kA
        (``scale_f``, ``scale_t``), line loading per kA (100 / rated current), transformer loading
        per kA at the HV and LV end and per winding of three-winding ones, and which branches
        are lines or transformers (the others' losses are summed apart)."""
        base = self.base_mva / math.sqrt(3.0)
        counted = np.zeros(len(self.f_bus), dtype=np.bool_)
        for rows in (self.line_rows, self.trafo_rows, self.trafo3w_rows.ravel()):
            counted[rows[rows >= 0]] = True
        per_trafo = math.sqrt(3.0) * 100.0 / self.trafo_scale
        return {"scale_f": np.ascontiguousarray(base / self.base_kv_f, dtype=float),
                "scale_t": np.ascontiguousarray(base / self.base_kv_t, dtype=float),
                "line": np.ascontiguousarray(100.0 / self.line_i_max_ka, dtype=float),
                "trafo_hv": np.ascontiguousarray(self.trafo_vn[:, 0] * per_trafo, dtype=float),
                "trafo_lv": np.ascontiguousarray(self.trafo_vn[:, 1] * per_trafo, dtype=float),
                "trafo3w": np.ascontiguousarray(self.trafo3w_rating * math.sqrt(3.0) * 100.0, dtype=float),
                "counted": counted}


def build_model(net) -> GridModel:
    """Check a pandapower net and build its internal model with one ``runpp``."""
    from planner.grid import _pp as pp
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
    from pandapower.pypower.idx_brch import F_BUS, T_BUS
    from pandapower.pypower.idx_bus import BASE_KV, CID_P, CID_Q, CZD_P, CZD_Q, PD, QD

    _check_net(net)
    net = _copy(net)
    try:
        pp.runpp(net, lightsim2grid=False, numba=False)
    except Exception as exc:  # pandapower raises LoadflowNotConverged and others
        raise PowerFlowError(f"the net's own power flow at its static values fails ({' '.join(str(exc).split())[:80]})"
                             f"{_largest_injection(net)}") from None
    ppci = net._ppc["internal"]
    bus = ppci["bus"]
    if np.any(bus[:, [CID_P, CZD_P, CID_Q, CZD_Q]] != 0):
        raise PowerFlowError("loads with constant-current or constant-impedance shares are not supported "
                             "by the batch power flow (set const_z_*/const_i_* percent to 0)")
    ybus = sp.csr_matrix(ppci["Ybus"])
    ref = np.asarray(ppci["ref"], dtype=np.int64)
    pq = np.asarray(ppci["pq"], dtype=np.int64)
    if len(ppci["pv"]):
        raise PowerFlowError("the net has voltage-controlled buses (from gen, xward, dcline or a similar element): "
                             "the batch power flow solves fixed P and Q at every bus")
    v_slack = np.asarray(ppci["V"][ref])  # the slack voltages runpp held (set points)
    y_pp = ybus[pq][:, pq].tocsc()
    lu = spla.splu(y_pp, permc_spec="COLAMD")
    l_csr, u_csr = lu.L.tocsr(), lu.U.tocsr()
    l_csr.sort_indices()
    u_csr.sort_indices()
    base_mva = float(ppci["baseMVA"])
    s_static = -(bus[:, PD] + 1j * bus[:, QD]) / base_mva

    lookups = net._pd2ppc_lookups
    bus_lookup = np.full(len(net.bus), -1, dtype=np.int64)
    raw = lookups["bus"]
    n_bus = ybus.shape[0]
    for k, b in enumerate(net.bus.index):
        i = raw[b] if b < len(raw) else -1
        bus_lookup[k] = i if 0 <= i < n_bus else -1

    branch_is = np.asarray(ppci["branch_is"], dtype=bool)  # which pandapower branches are in the case
    internal_row = np.cumsum(branch_is) - 1
    internal_row[~branch_is] = -1

    def rows(kind, count):
        if kind not in lookups["branch"]:
            return np.full(count, -1, dtype=np.int64)
        f, t = lookups["branch"][kind]
        return internal_row[f:t]

    branch = ppci["branch"]
    f_bus = branch[:, F_BUS].real.astype(np.int64)
    t_bus = branch[:, T_BUS].real.astype(np.int64)
    yf, yt = sp.csr_matrix(ppci["Yf"]), sp.csr_matrix(ppci["Yt"])
    rows_nb = np.arange(len(f_bus))
    y_branch = tuple(np.asarray(m[rows_nb, cols]).ravel().astype(complex)
                     for m, cols in ((yf, f_bus), (yf, t_bus), (yt, f_bus), (yt, t_bus)))
    line = net.line
    trafo = net.trafo
    # ext grids are the in-service gens at ref buses, in the order of net.ext_grid's in-service rows
    eg = net.ext_grid[net.ext_grid.in_service.astype(bool)]
    eg_bus = bus_lookup[net.bus.index.get_indexer(eg.bus)]
    ext_rows = np.array([int(np.flatnonzero(ref == b)[0]) for b in eg_bus], dtype=np.int64)
    # ext grids on one slack bus (fused by a closed bus-bus switch) share its power equally, as
    # runpp does; counting each with the bus's whole power would count the import twice
    counts = np.bincount(ext_rows, minlength=len(ref)) if len(ext_rows) else np.zeros(0)
    ext_share = 1.0 / counts[ext_rows] if len(ext_rows) else np.zeros(0)
    t3 = net.trafo3w
    n3 = len(t3)
    if n3 and "trafo3w" in lookups["branch"]:
        f3, t3_end = lookups["branch"]["trafo3w"]
        block = internal_row[f3:t3_end]
        trafo3w_rows = np.stack([block[:n3], block[n3:2 * n3], block[2 * n3:3 * n3]], axis=1)
    else:
        trafo3w_rows = np.full((n3, 3), -1, dtype=np.int64)
    trafo3w_rating = np.stack([(t3.vn_hv_kv / t3.sn_hv_mva).to_numpy(dtype=float),
                               (t3.vn_mv_kv / t3.sn_mv_mva).to_numpy(dtype=float),
                               (t3.vn_lv_kv / t3.sn_lv_mva).to_numpy(dtype=float)], axis=1) if n3 \
        else np.zeros((0, 3))
    y_ps = ybus[pq][:, ref].tocsr()
    return GridModel(
        net=net, base_mva=base_mva, n_bus=n_bus, ref=ref, pq=pq, v_slack=v_slack, lu=lu,
        v0=lu.solve(np.ascontiguousarray(-(y_ps @ v_slack))),
        l_csr=_strict(l_csr, lower=True), u_csr=_strict(u_csr, lower=False),
        perm_r=np.asarray(lu.perm_r, dtype=np.int64), perm_c=np.asarray(lu.perm_c, dtype=np.int64),
        y_ps=y_ps, y_sp=ybus[ref].tocsr(), s_static=s_static,
        bus_lookup=bus_lookup, bus_index=net.bus.index,
        y_branch=y_branch, f_bus=f_bus, t_bus=t_bus,
        base_kv_f=bus[f_bus, BASE_KV].real, base_kv_t=bus[t_bus, BASE_KV].real,
        line_rows=rows("line", len(line)), line_index=line.index,
        line_i_max_ka=(line.max_i_ka * line.df * line.parallel).to_numpy(dtype=float),
        trafo_rows=rows("trafo", len(trafo)), trafo_index=trafo.index,
        trafo_vn=trafo[["vn_hv_kv", "vn_lv_kv"]].to_numpy(dtype=float),
        trafo_scale=(trafo.sn_mva * trafo.parallel * trafo.df).to_numpy(dtype=float),
        ext_grid_rows=ext_rows, ext_grid_index=eg.index, ext_grid_share=ext_share,
        trafo3w_rows=trafo3w_rows.astype(np.int64), trafo3w_index=t3.index, trafo3w_rating=trafo3w_rating,
    )


def _copy(net):
    import copy

    return copy.deepcopy(net)


def _check_net(net) -> None:
    from planner.grid.topology import unsupplied_buses

    if not len(net.ext_grid) or not net.ext_grid.in_service.astype(bool).any():
        raise PowerFlowError("the net has no external grid in service: nothing sets the voltage")
    for element, what in (("gen", "voltage-controlled generators (gen)"),
                          ("xward", "extended ward equivalents (xward: they hold a voltage through an "
                                    "internal generator)"),
                          ("dcline", "DC lines (dcline: pandapower models them as two voltage-controlled "
                                     "generators)")):
        table = net.get(element)
        if table is not None and len(table) and table.in_service.astype(bool).any():
            first = int(table.index[table.in_service.astype(bool)][0])
            raise PowerFlowError(f"{what} are not supported by the batch power flow, which solves fixed "
                                 f"P and Q at every bus ({label(net, element, first)} is one); model them "
                                 f"as sgen or load with fixed P and Q, or use pandapower's run_timeseries")
    unsupplied = unsupplied_buses(net)
    if unsupplied:
        for element in ELEMENTS:
            table = net[element]
            hit = table[table.in_service.astype(bool) & table.bus.isin(unsupplied)]
            if len(hit):
                idx = int(hit.index[0])
                raise PowerFlowError(
                    f"{label(net, 'bus', int(hit.bus.iloc[0]))} is isolated (no path to an external grid) "
                    f"but {label(net, element, idx)} is connected to it")


def _largest_injection(net) -> str:
    """'; the largest load is ...': where to look when a net does not converge."""
    best = None
    for element in ELEMENTS:
        table = net[element]
        if not len(table):
            continue
        p_mw = (table.p_mw.abs() * table.get("scaling", 1.0)).where(table.in_service.astype(bool), 0.0)
        idx = p_mw.idxmax()
        if best is None or p_mw[idx] > best[2]:
            best = (element, int(idx), float(p_mw[idx]))
    if best is None:
        return ""
    return f"; the largest is {label(net, best[0], best[1])} at {best[2]:,.4g} MW: check it"


def label(net, element: str, index: int) -> str:
    """An element as a user knows it: its name (a project's id) and pandapower's index."""
    name = net[element].name.get(index) if "name" in net[element] else None
    if isinstance(name, str) and name.strip():
        return f"{element} '{name}' (pandapower index {index})"
    return f"{element} {index}"




def _strict(matrix, lower: bool) -> tuple:
    """A triangular factor as the kernels use it: CSR of its entries off the diagonal (indptr,
    indices, data) and the inverse of its diagonal (a product per row instead of a division)."""
    import scipy.sparse as sp

    coo = matrix.tocoo()
    diag = np.ones(matrix.shape[0], dtype=complex)
    on = coo.row == coo.col
    diag[coo.row[on]] = coo.data[on]
    off = (coo.col < coo.row) if lower else (coo.col > coo.row)
    strict = sp.csr_matrix((coo.data[off].astype(complex), (coo.row[off], coo.col[off])), shape=matrix.shape)
    strict.sort_indices()
    return (strict.indptr.astype(np.int64), strict.indices.astype(np.int64), strict.data.astype(complex),
            (1.0 / diag).astype(complex))
