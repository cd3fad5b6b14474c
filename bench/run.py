"""Time ``planner run`` on the Schutterwald sample: hourly and at 15-minute steps without the
report, hourly with it (issue 24: under 10 s), and the imports a run needs.

Each run is a fresh process, as a user starts it (imports, loading the project, simulating,
writing the files), with the package's bytecode cached as after a user's first run (compiled
here first, for every version timed), timed from outside; the median of ``--repeats`` runs is compared with the
targets of issue 11 (hourly under 10 s, 15-minute under 30 s). The first run of a fresh clone
also compiles the numba kernels (about 10 s, once): a warm-up run goes first and is not counted.
The peak memory is the largest resident size of a run's processes (its own or its report helper's).

The command's imports (issue 24: "3.5 s, halved by lazy imports") are measured on the modules a
run really loads: one ``planner run --no-report`` of the sample records them (``sys.modules`` at
its end, the stand-ins of ``planner._lazy`` that nobody touched left out), and fresh interpreters
import that list in its order, as the command does (``import_s``, median). The same is done for
the command as it was when the issue was filed (``BASELINE``, the commit before the first lazy
import, unpacked from this clone's history with ``git archive``; its run records its own list):
``import_before_s``, and ``import_ratio`` = before / now, whose target is 2 (halved). Beside
them: ``import_eager_s``, today's list imported without any deferral (pandapower's, pvlib's and
holidays' whole namespaces, pandera, pyplot: a lower bound of the old figure, and the comparison
used when the baseline cannot run, which is said loudly), ``import_report_s`` for a run with its
report (matplotlib's PDF backend, fonts, pypdf: the report's drawing) and ``import_floor_s``:
numpy, pandas, geopandas, pyogrio, shapely, numba, scipy.sparse and pvlib's PV model alone
(deferred as the command does).

The machine's speed drifts (the same command took 17-21 s when issue 24 was filed and about 12 s
on 7 December), so the run with its report is also timed as of the commit the issue was filed on
(``FILED``, unpacked like the baseline), alternating with today's: ``hourly_with_report_filed_s``,
``hourly_with_report_speedup`` (filed / now) and ``hourly_with_report_scaled_s``, today's figure
on the machine of the issue's day (its 17-21 s divided by the speedup).

Ends with one JSON line: ``hourly_s``, ``hourly_with_report_s``, ``quarter_hour_s`` (medians),
their ``_runs`` and ``_peak_mb``, the figures against the filed command, the import figures
above, ``targets``, ``met``, ``cpus``.

Run: .venv/bin/python bench/run.py [--repeats 3] [--imports-only]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_projects" / "schutterwald.gpkg"
TARGETS = {"hourly_s": 10.0, "hourly_with_report_s": 10.0, "quarter_hour_s": 30.0}
#: issue 24: the command's imports halved (3.5 s of a run before), here as a ratio in one run
IMPORT_RATIO_TARGET = 2.0


#: The libraries without which no run can read a project, simulate PV or solve its grid (pandapower
#: and matplotlib left out): the floor that lazy imports cannot go below while a run needs them.
FLOOR_IMPORTS = ("numpy, pandas, geopandas, pyogrio, shapely, numba, scipy.sparse.linalg, pvlib.pvsystem, "
                 "pvlib.irradiance, pvlib.solarposition")

#: The commit before the first lazy import (planner/_lazy.py): the command issue 24 measured.
BASELINE = "338d4f6d209d66ae9472d79e3abe28328ee81844"
#: The commit issue 24 was filed on (its "17-21 s" with the report): timed with its report in the
#: same run, alternating with today's command, so that a faster or slower machine moves both.
FILED = "b0698f71b0ef2959d67a4aec2310e1b1a29deb4a"
#: What issue 24 measured of the run with its report on the machine of its day [s].
FILED_FIGURES_S = (17.0, 21.0)

#: Runs the command in this process and prints the modules it loaded (untouched stand-ins left
#: out); argv[1] is the folder of the ``planner`` package to run, the rest the command's arguments.
RECORD = """
import json, sys
if __name__ == "__main__":
    sys.path.insert(0, sys.argv.pop(1))
    from planner.__main__ import main
    code = main(sys.argv[1:])
    try:
        from planner._lazy import _Deferred
    except ImportError:  # the baseline has none
        _Deferred = ()
    names = [n for n, m in list(sys.modules.items()) if m is not None and n not in ("__main__", "__mp_main__")
             and not (isinstance(m, _Deferred) and not m.__dict__["_deferred_loaded"])]
    print("MODULES " + json.dumps(names))
    sys.exit(code)
"""

#: Imports a recorded list in a fresh interpreter: argv[1] the list's file, argv[2] "1" to defer
#: as the command does, argv[3] the folder of the ``planner`` package.
IMPORT = """
import importlib, json, sys, time
names = json.load(open(sys.argv[1]))
sys.path.insert(0, sys.argv[3])
started = time.perf_counter()
if sys.argv[2] == "1":
    from planner._lazy import defer_unused
    defer_unused()
failed = []
for name in names:
    if name not in sys.modules:
        try:
            importlib.import_module(name)
        except Exception:  # modules made at run time (numba's, cython's): not importable by name
            failed.append(name)
print(json.dumps([time.perf_counter() - started, failed]))
"""


def record_modules(folder: Path, report: bool, code: Path = ROOT) -> Path:
    """The modules one ``planner run`` of the sample loads, in their order, written to a file
    (``code``: the folder holding the ``planner`` package to run)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "record.py"
    script.write_text(RECORD)
    done = subprocess.run([sys.executable, str(script), str(code), "run", str(SAMPLE), "-o", str(folder / "out"),
                           *([] if report else ["--no-report"])], capture_output=True, text=True, cwd=folder)
    lines = [line for line in done.stdout.splitlines() if line.startswith("MODULES ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"recording a run's modules failed ({done.returncode}): {done.stderr[-1500:]}")
    listed = folder / "modules.json"
    listed.write_text(lines[-1][len("MODULES "):])
    return listed


def import_seconds(listed: Path, deferred: bool, code: Path = ROOT) -> float:
    """Seconds a fresh interpreter takes to import the recorded modules, deferred or not."""
    done = subprocess.run([sys.executable, "-c", IMPORT, str(listed), "1" if deferred else "0", str(code)],
                          capture_output=True, text=True, cwd=listed.parent)
    if done.returncode != 0:
        raise SystemExit(f"importing failed:\n{done.stderr[-2000:]}")
    seconds, failed = json.loads(done.stdout.strip().splitlines()[-1])
    if len(failed) > 5:
        raise SystemExit(f"{len(failed)} recorded modules do not import by name: {failed[:10]}")
    return seconds


def floor_seconds() -> float:
    code = ("import time; t = time.perf_counter()\nfrom planner._lazy import defer_unused; defer_unused()\n"
            f"import {FLOOR_IMPORTS}\nprint(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"importing failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.strip())


def baseline_code(folder: Path, commit: str = BASELINE) -> Path:
    """The ``planner`` package of ``commit``, unpacked from this clone's history."""
    archive = subprocess.run(["git", "archive", commit, "planner"], capture_output=True, cwd=ROOT)
    if archive.returncode != 0:
        raise RuntimeError(f"git archive {commit[:10]} failed: {archive.stderr.decode()[-500:]}")
    folder.mkdir(parents=True)
    unpack = subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, capture_output=True)
    if unpack.returncode != 0:
        raise RuntimeError(f"unpacking the baseline failed: {unpack.stderr.decode()[-500:]}")
    return folder


def measure_imports(folder: Path, repeats: int) -> dict:
    """The import figures of the docstring; the variants alternate, so a slow spell of the machine
    hits them all."""
    now = record_modules(folder / "now", report=False)
    report = record_modules(folder / "report", report=True)
    try:
        old_code = baseline_code(folder / "baseline")
        byte_compile(old_code)
        before = record_modules(folder / "before", report=False, code=old_code)
    except RuntimeError as exc:
        print(f"WARNING: the command as of {BASELINE[:10]} could not be measured ({exc}); the ratio compares "
              f"today's modules imported without deferral instead, which understates the gain")
        before = old_code = None
    runs: dict[str, list[float]] = {"import": [], "import_eager": [], "import_report": [], "import_before": []}
    for _ in range(repeats):
        runs["import"].append(import_seconds(now, True))
        runs["import_eager"].append(import_seconds(now, False))
        runs["import_report"].append(import_seconds(report, True))
        if before is not None:
            runs["import_before"].append(import_seconds(before, False, old_code))
    figures = {f"{key}_s": round(statistics.median(values), 2) for key, values in runs.items() if values}
    figures["import_modules"] = len(json.loads(now.read_text()))
    if before is not None:
        figures["import_before_modules"] = len(json.loads(before.read_text()))
    reference = figures.get("import_before_s", figures["import_eager_s"])
    figures["import_ratio"] = round(reference / figures["import_s"], 2)
    figures["import_floor_s"] = round(statistics.median(floor_seconds() for _ in range(repeats)), 2)
    return figures


#: Runs argv[1:] as a child and prints its wall seconds and peak resident size [kB] as JSON: a
#: wrapper per run, so that each run's peak is its own (a process's RUSAGE_CHILDREN is the largest
#: child it ever waited for, the command as filed included).
TIMED = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - started
print(json.dumps([seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode,
                  done.stderr[-2000:]]))
"""


def byte_compile(code: Path) -> None:
    """Cache the bytecode of ``code``'s ``planner`` package, as a user's first run does: every run
    timed here is a user's later run (a shell with PYTHONDONTWRITEBYTECODE set never writes it,
    and each run would compile the package's 80-odd modules from source, 0.2 s of each process)."""
    done = subprocess.run([sys.executable, "-m", "compileall", "-q", "planner"], capture_output=True, text=True,
                          cwd=code)
    if done.returncode != 0:
        raise SystemExit(f"compiling {code / 'planner'} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def run_once(resolution: str, folder: Path, report: bool = False, code: Path | None = None) -> tuple[float, float]:
    """One ``planner run`` in a fresh process: wall seconds and its peak resident size [MB], the
    larger of the command's process and its report helper's (``code``: the folder holding
    another ``planner`` package to run, see :func:`baseline_code`)."""
    done = subprocess.run([sys.executable, "-c", TIMED, sys.executable, "-m", "planner", "run", str(SAMPLE),
                           "-o", str(folder), *([] if report else ["--no-report"]), "--resolution", resolution],
                          capture_output=True, text=True, cwd=code)
    try:
        seconds, peak_kb, code_, stderr = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise SystemExit(f"timing planner run failed:\n{done.stderr[-2000:]}") from None
    if code_ != 0:
        raise SystemExit(f"planner run failed ({code_}):\n{stderr}")
    return seconds, peak_kb / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each resolution (median)")
    parser.add_argument("--imports-only", action="store_true", help="measure the imports alone, no timed runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        byte_compile(ROOT)
        run_once("1h", out / "warm-up")
        figures = {}
        filed = None
        if not args.imports_only:
            try:
                filed = baseline_code(out / "filed", FILED)
                byte_compile(filed)
                run_once("1h", out / "filed-warm-up", True, filed)  # its own numba kernels compile once
            except (RuntimeError, SystemExit) as exc:
                print(f"WARNING: the command as of {FILED[:10]} (issue 24 filed) could not be timed ({exc}); "
                      f"the run with its report is compared with the absolute target alone")
                filed = None
        for key, resolution, report in (("hourly", "1h", False), ("hourly_with_report", "1h", True),
                                        ("quarter_hour", "15min", False)) if not args.imports_only else ():
            runs, peaks, before = [], [], []
            for k in range(args.repeats):
                seconds, peak = run_once(resolution, out / f"{key}-{k}", report)
                runs.append(round(seconds, 2))
                peaks.append(peak)
                print(f"{key}: run {k + 1}: {seconds:.1f} s")
                if report and filed is not None:  # alternated: a slow spell of the machine hits both
                    seconds, _ = run_once(resolution, out / f"{key}-filed-{k}", report, filed)
                    before.append(round(seconds, 2))
                    print(f"{key}: the command as of {FILED[:10]} (issue 24 filed): run {k + 1}: {seconds:.1f} s")
            figures[f"{key}_s"] = round(statistics.median(runs), 2)
            figures[f"{key}_runs"] = runs
            figures[f"{key}_peak_mb"] = round(max(peaks))  # each run's own (the largest process)
            if before:
                figures[f"{key}_filed_s"] = round(statistics.median(before), 2)
                figures[f"{key}_filed_runs"] = before
                figures[f"{key}_speedup"] = round(figures[f"{key}_filed_s"] / figures[f"{key}_s"], 2)
                # today's figure on the machine of the day (its 17-21 s for the command filed)
                figures[f"{key}_scaled_s"] = [round(f * figures[f"{key}_s"] / figures[f"{key}_filed_s"], 1)
                                              for f in FILED_FIGURES_S]
        imports = measure_imports(out, args.repeats)
    figures.update(imports)
    before = (f"{imports['import_before_s']:.2f} s as of {BASELINE[:10]} ({imports['import_before_modules']} modules)"
              if "import_before_s" in imports else "NOT MEASURED (see the warning above)")
    print(f"imports of a run (median of {args.repeats} fresh interpreters): {imports['import_s']:.2f} s now "
          f"({imports['import_modules']} modules), {before}, {imports['import_eager_s']:.2f} s for today's "
          f"modules without deferral; {imports['import_ratio']:.2f} times less; issue 24 asks for half: "
          f"{'met' if imports['import_ratio'] >= IMPORT_RATIO_TARGET else 'NOT met'}")
    print(f"with the report: {imports['import_report_s']:.2f} s (matplotlib's PDF backend, fonts and pypdf, "
          f"loaded while the power flow finishes)")
    print(f"the floor, libraries no run can do without ({FLOOR_IMPORTS}): {imports['import_floor_s']:.2f} s")
    met = {key: figures[key] < target for key, target in TARGETS.items() if key in figures}
    met["import_ratio"] = imports["import_ratio"] >= IMPORT_RATIO_TARGET
    for key, target in TARGETS.items():
        if key not in figures:
            print(f"{key}: not timed (--imports-only)")
            continue
        print(f"{key}: median {figures[key]:.1f} s, target {target:.0f} s: {'met' if met[key] else 'NOT met'}")
    if "hourly_with_report_speedup" in figures:
        speedup = figures["hourly_with_report_speedup"]
        low, high = figures["hourly_with_report_scaled_s"]
        print(f"with the report, against the command issue 24 was filed on ({FILED[:10]}, "
              f"{figures['hourly_with_report_filed_s']:.1f} s here today): {speedup:.2f} times faster; on the "
              f"machine of the issue's {FILED_FIGURES_S[0]:.0f}-{FILED_FIGURES_S[1]:.0f} s that is "
              f"{low:.1f}-{high:.1f} s (target {TARGETS['hourly_with_report_s']:.0f} s there too: "
              f"{'met' if high < TARGETS['hourly_with_report_s'] else 'NOT met'})")
    elif "hourly_with_report_s" in figures:
        print(f"WARNING: the command as of {FILED[:10]} was NOT timed: the with-report figure is this "
              f"machine's alone, not comparable with the issue's 17-21 s")
    print(json.dumps({**figures, "targets": {**TARGETS, "import_ratio": IMPORT_RATIO_TARGET}, "met": met,
                      "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
