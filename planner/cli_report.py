"""``planner report``: the PDF report of a project's results (simulating first when they are
missing or no longer the project's)."""

from __future__ import annotations

import time
from pathlib import Path

from planner import PlannerError

EXIT_OK = 0


def cmd_report(args) -> int:
    from planner.io import load_project
    from planner.io.app_runs import current_results
    from planner.report.pdf import build_report

    started = time.perf_counter()
    target = Path(args.output)
    if target.suffix.lower() != ".pdf":
        raise PlannerError(f"{target}: the report is a PDF; give a name ending in .pdf")
    if target.is_dir():
        raise PlannerError(f"{target}: is a folder; give a file name")
    project = load_project(args.project)
    stored = current_results(project, args.project, say=lambda text: print(text, flush=True))
    simulated = time.perf_counter()
    build_report(project, stored.folder, target, run_record=stored.record)
    print(f"wrote {target} in {time.perf_counter() - simulated:.1f} s (results of {stored.folder}; "
          f"{time.perf_counter() - started:.1f} s in all)")
    return EXIT_OK
