"""Each element's extremes of a chunk, and the chunk's worst value, as numpy's nan-aware reductions
give them over the converged steps."""

import numpy as np
import pandas as pd

from planner.grid.powerflow import ChunkResult


def _chunk(values, converged):
    T, n = values.shape
    empty = np.zeros((T, 0))
    return ChunkResult(index=pd.date_range("2019-01-01", periods=T, freq="h"), vm_pu=values, line_loading=values,
                       trafo_loading=empty, line_pl_mw=values, trafo_pl_mw=empty, trafo3w_loading=empty,
                       trafo3w_pl_mw=empty, other_pl_mw=np.zeros(T), ext_grid_p_mw=np.zeros((T, 1)),
                       ext_grid_q_mvar=np.zeros((T, 1)), converged=converged, iterations=np.ones(T, dtype=np.int64))


def test_extremes_and_worst_match_numpy_with_nan_ties_and_steps_that_did_not_converge():
    rng = np.random.default_rng(5)
    values = np.round(rng.uniform(0, 3, (40, 7)), 1)  # rounded: many ties
    values[rng.uniform(size=values.shape) < 0.2] = np.nan  # out of service or not converged
    values[:, 6] = np.nan  # an element with no number at all
    converged = rng.uniform(size=40) > 0.15
    values[~converged] = np.nan  # as the power flow leaves them
    values[~converged, 0] = 99.0  # ... and a step that did not converge never counts
    chunk = _chunk(values, converged)
    top, top_row, low, low_row = chunk.extremes["line_loading"]
    ok = values[converged]
    rows = np.flatnonzero(converged)
    for j in range(6):
        assert top[j] == np.nanmax(ok[:, j]) and top_row[j] == rows[np.nanargmax(ok[:, j])]
        assert low[j] == np.nanmin(ok[:, j]) and low_row[j] == rows[np.nanargmin(ok[:, j])]
    assert top_row[6] == -1 and low_row[6] == -1
    for larger, reduce in ((True, np.nanargmax), (False, np.nanargmin)):
        r, c = np.unravel_index(reduce(ok[:, :6]), ok[:, :6].shape)  # the first in time, then by column
        assert chunk.worst("line_loading", larger) == (rows[r], c, ok[r, c])
    assert chunk.worst("trafo_loading", True) is None
