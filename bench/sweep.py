"""Time a sweep of the sample (Schutterwald, 1,506 households, hourly): the same variants one after
the other in this process (serial, the reference way) and on a Dask LocalCluster of this
machine's cores, in one run, and check that both give the same figures.

Run: .venv/bin/python bench/sweep.py [--variants 32] [--workers N]   (about 10 minutes on 2 cores)
Ends with one JSON line: variants, serial_s, cluster_s, speedup, per_variant_s (the cluster's
wall time per variant), cores, machine_speedup_pure_compute (what ``cores`` processes of plain
computation gain here at most), and the issue's targets (speed-up at least 0.8 x cores, a variant
under 10 s).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _spin(n: int) -> float:
    started, x = time.perf_counter(), 0
    for i in range(n):
        x += i * i
    return time.perf_counter() - started


def machine_speedup(cores: int, n: int = 20_000_000) -> float:
    """What this machine gives for ``cores`` processes of pure computation at once (no memory
    traffic, nothing shared): the most any pool of processes can reach here."""
    import multiprocessing

    alone = _spin(n)
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        started = time.perf_counter()
        pool.map(_spin, [n] * cores)
        together = time.perf_counter() - started
    return cores * alone / together


def main() -> None:
    from planner.sweep.definition import read_sweep
    from planner.sweep.runner import run_sweep

    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=32)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    sweep = read_sweep(ROOT / "sweeps" / "example.toml")
    all_variants = sweep.variants()
    sweep.design, sweep.listed = "list", all_variants[:args.variants]
    project = ROOT / "sample_projects" / "schutterwald.gpkg"
    work = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    n = len(sweep.listed)

    def say(state):
        print(f"  {state.done + state.failed}/{state.total}", end="\r", flush=True)

    print(f"{n} variants of the sample, hourly; serial in this process:", flush=True)
    started = time.perf_counter()
    serial = run_sweep(project, sweep, work / "serial", serial=True, progress=say)
    serial_s = time.perf_counter() - started
    print(f"serial: {serial_s:.1f} s ({serial_s / n:.1f} s a variant)          ", flush=True)
    print(f"LocalCluster of {args.workers} workers:", flush=True)
    started = time.perf_counter()
    cluster = run_sweep(project, sweep, work / "cluster", workers=args.workers, progress=say)
    cluster_s = time.perf_counter() - started
    print(f"cluster: {cluster_s:.1f} s ({cluster_s / n:.1f} s a variant)          ", flush=True)
    a, b = serial.table, cluster.table
    if not ((a.status == "done").all() and (b.status == "done").all()):
        raise SystemExit(f"NOT COMPARED: failed variants: {a[a.status != 'done'].error.tolist()} "
                         f"{b[b.status != 'done'].error.tolist()}")
    numeric = [c for c in a.columns if c not in ("seconds", "variant") and a[c].dtype.kind == "f"]
    worst = max(float(np.nanmax(np.abs(a[c] - b[c]) / np.maximum(np.abs(a[c]), 1e-9))) for c in numeric)
    print(f"the two agree to a relative {worst:.1e} over {len(numeric)} figures of {n} variants")
    cores = os.cpu_count()
    best = machine_speedup(cores)
    print(f"this machine's own ceiling: {cores} processes of pure computation run {best:.2f} times as fast as one")
    figures = {"variants": n, "serial_s": round(serial_s, 1), "cluster_s": round(cluster_s, 1),
               "speedup": round(serial_s / cluster_s, 2), "per_variant_s": round(cluster_s / n, 2),
               "serial_per_variant_s": round(serial_s / n, 2), "cores": cores, "workers": args.workers,
               "largest_relative_difference": worst, "machine_speedup_pure_compute": round(best, 2),
               "targets": {"speedup": round(0.8 * cores, 2), "per_variant_s": 10.0}}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
