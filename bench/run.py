"""Time ``planner run --no-report`` on the Schutterwald sample, hourly and at 15-minute steps.

Each run is a fresh process, as a user starts it (imports, loading the project, simulating,
writing the files), timed from outside; the median of ``--repeats`` runs is compared with the
targets of issue 11 (hourly under 10 s, 15-minute under 30 s). The first run of a fresh clone
also compiles the numba kernels (about 10 s, once): a warm-up run goes first and is not counted.
The peak memory is the largest resident size of a run. Ends with one JSON line:
``hourly_s``, ``quarter_hour_s`` (medians), ``hourly_runs``, ``quarter_hour_runs``,
``hourly_peak_mb``, ``quarter_hour_peak_mb``, ``targets``, ``met``, ``cpus``.

Run: .venv/bin/python bench/run.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_projects" / "schutterwald.gpkg"
TARGETS = {"hourly_s": 10.0, "quarter_hour_s": 30.0}


def run_once(resolution: str, folder: Path) -> tuple[float, float]:
    """One ``planner run`` in a fresh process: wall seconds and its peak resident size [MB]."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "planner", "run", str(SAMPLE), "-o", str(folder), "--no-report",
                           "--resolution", resolution], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"planner run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    # the largest of any child so far: a later, smaller run shows an earlier one's
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each resolution (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        run_once("1h", out / "warm-up")
        figures = {}
        for key, resolution in (("hourly", "1h"), ("quarter_hour", "15min")):
            runs, peaks = [], []
            for k in range(args.repeats):
                seconds, peak = run_once(resolution, out / f"{key}-{k}")
                runs.append(round(seconds, 2))
                peaks.append(peak)
                print(f"{key}: run {k + 1}: {seconds:.1f} s")
            figures[f"{key}_s"] = round(statistics.median(runs), 2)
            figures[f"{key}_runs"] = runs
            figures[f"{key}_peak_mb"] = round(max(peaks))
    met = {key: figures[key] < target for key, target in TARGETS.items()}
    for key, target in TARGETS.items():
        print(f"{key}: median {figures[key]:.1f} s, target {target:.0f} s: {'met' if met[key] else 'NOT met'}")
    print("(the peak memory of children is the largest so far: the 15-minute figure is its own, the "
          "hourly one may include the warm-up)")
    print(json.dumps({**figures, "targets": TARGETS, "met": met, "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
