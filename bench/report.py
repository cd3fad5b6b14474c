"""Time handing results over, on the sample (Schutterwald, 1,506 households):

- Run in the app: a warm worker process (as the app keeps one) gets the job; the time until it
  reports the job started (the progress bar's first move) and until the first stage;
- the PDF report of the sample's hourly results (target under 10 s);
- the XLSX export of a 15-minute year's results, member statements included (target under 10 s).

Run: .venv/bin/python bench/report.py   (simulates the sample twice: hourly and 15-minute)
Ends with one JSON line: first_move_s, first_stage_s, pdf_s, xlsx_15min_s, statements_rows.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"first_move_s": 1.0, "pdf_s": 10.0, "xlsx_15min_s": 10.0}


def main() -> None:
    from planner.io import load_project
    from planner.io.app_runs import results_folder, run_project, serve
    from planner.report.export import export_xlsx
    from planner.report.pdf import build_report

    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    sample = work / "schutterwald.gpkg"
    shutil.copy(ROOT / "sample_projects" / "schutterwald.gpkg", sample)
    figures = {}
    # --- the app's worker: warm, then a job
    context = multiprocessing.get_context("spawn")
    jobs, events = context.Queue(), context.Queue()
    worker = context.Process(target=serve, args=(jobs, events), daemon=True)
    worker.start()
    assert events.get(timeout=120) == ("ready",)
    started = time.perf_counter()
    jobs.put((1, str(sample), str(results_folder(sample)), 60))
    while True:
        event = events.get(timeout=600)
        if event[0] == "started" and "first_move_s" not in figures:
            figures["first_move_s"] = round(time.perf_counter() - started, 3)
        if event[0] == "stage" and "first_stage_s" not in figures:
            figures["first_stage_s"] = round(time.perf_counter() - started, 3)
        if event[0] in ("done", "error"):
            break
    run_s = time.perf_counter() - started
    worker.terminate()
    print(f"worker: the job started after {figures['first_move_s']} s, the first stage after "
          f"{figures['first_stage_s']} s (reading the project), the run took {run_s:.0f} s")
    project = load_project(sample)
    started = time.perf_counter()
    build_report(project, results_folder(sample), work / "report.pdf")
    figures["pdf_s"] = round(time.perf_counter() - started, 2)
    print(f"PDF report of the hourly results: {figures['pdf_s']} s")
    # --- a 15-minute year into the workbook
    fifteen = work / "fifteen.results"
    started = time.perf_counter()
    run_project(sample, fifteen, resolution_minutes=15)
    print(f"15-minute run: {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    export_xlsx(project, fifteen, work / "fifteen.xlsx")
    figures["xlsx_15min_s"] = round(time.perf_counter() - started, 2)
    import pandas as pd

    figures["statements_rows"] = int(len(pd.read_csv(fifteen / "member_statements.csv")))
    print(f"XLSX of the 15-minute results ({figures['statements_rows']:,} statement rows): {figures['xlsx_15min_s']} s, "
          f"{(work / 'fifteen.xlsx').stat().st_size / 1e6:.1f} MB")
    for key, target in TARGETS.items():
        print(f"  target {key} under {target:g}: {'met' if figures[key] < target else 'MISSED'} ({figures[key]:g})")
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
