"""``planner sweep``: many variants of a plan on this machine's cores or a Dask cluster."""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from planner import PlannerError

EXIT_OK, EXIT_CANCELLED = 0, 130


def progress_line(state) -> str:
    """``[######----] 12/32 done, 1 failed, 3 from the cache, about 1 min 20 s left``."""
    finished = state.done + state.failed
    width = 24
    filled = int(width * finished / state.total) if state.total else width
    eta = state.eta_s
    left = "" if eta is None or finished == state.total else f", about {_duration(eta)} left"
    cached = f", {state.cached} from the cache" if state.cached else ""
    return (f"[{'#' * filled}{'-' * (width - filled)}] {finished}/{state.total} variants: {state.done} done, "
            f"{state.failed} failed{cached}{left}")


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60} s" if seconds >= 60 else f"{seconds} s"


@contextlib.contextmanager
def ctrl_c_sets(cancel: threading.Event):
    """While inside, Ctrl+C sets ``cancel`` (the sweep stops between variants, writing what it has)
    instead of raising in the middle of whatever runs; a second Ctrl+C stops at once."""
    def on_interrupt(signum, frame):
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    try:
        previous = signal.signal(signal.SIGINT, on_interrupt)
    except ValueError:  # not the main thread: Ctrl+C is not ours to take
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_sweep(args) -> int:
    from planner.report.sweep_figures import main_effects, pareto, tornado
    from planner.sweep.definition import check_kpi, describe, read_sweep
    from planner.sweep.runner import run_sweep

    if args.workers is not None and args.workers < 1:
        raise PlannerError(f"--workers must be at least 1, got {args.workers}")
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise PlannerError(f"{out}: is a file; give a folder for the sweep's results")
    if not Path(args.project).is_file():
        raise PlannerError(f"{args.project}: no such project file")
    sweep = read_sweep(args.sweep)
    if args.kpi:
        def refuse(message):
            raise PlannerError(f"--kpi: {message}")

        check_kpi(args.kpi, refuse)
        sweep.kpi = args.kpi
    print(f"{args.sweep}: {describe(sweep)}", flush=True)
    tty = sys.stdout.isatty()
    last = {"text": ""}

    def show(state) -> None:
        text = progress_line(state)
        if text == last["text"]:
            return
        last["text"] = text
        if tty:
            width = shutil.get_terminal_size((100, 20)).columns
            print("\r" + text[:width - 1].ljust(min(len(last["text"]), width - 1)), end="", flush=True)
        else:
            print(text, flush=True)

    started = time.perf_counter()
    cancel = threading.Event()
    with ctrl_c_sets(cancel):
        outcome = run_sweep(args.project, sweep, out, scheduler=args.scheduler, workers=args.workers,
                            serial=args.serial, progress=show, cancel=cancel,
                            on_ready=lambda where: print(f"running on {where}", flush=True))
    if tty:
        print(flush=True)
    summary, table = outcome.summary, outcome.table
    for failure in summary["failures"][:10]:
        print(f"variant {failure['variant']} ({failure['overrides']}) failed: {failure['error']}", flush=True)
    if summary["cancelled"]:
        print(f"cancelled: {summary['done']} of {summary['variants']} variants finished and are kept in {out / 'cache'}; "
              f"the same command goes on where it stopped", file=sys.stderr, flush=True)
        return EXIT_CANCELLED
    kpi = sweep.kpi
    for name, draw in (("tornado.png", lambda: tornado(table, kpi)), ("pareto.png", lambda: pareto(table))):
        draw().savefig(out / name, dpi=120)
    effects = main_effects(table, kpi)
    if not effects.empty:
        print(f"effect on {kpi} (lowest to highest mean over each parameter's values):")
        for row in effects.itertuples():
            if row.spread <= 1e-9 * max(abs(row.high), 1.0):
                print(f"  {row.parameter:28s} no effect")
            else:
                print(f"  {row.parameter:28s} {row.low:12.4g} ({row.at_low}) .. {row.high:.4g} ({row.at_high})")
    print(f"wrote {out / 'variants.parquet'}, summary.json, tornado.png and pareto.png: {summary['done']} done, "
          f"{summary['failed']} failed, {summary['from_cache']} from the cache, {summary['ran_now']} run on "
          f"{summary['ran_on']} in {time.perf_counter() - started:.1f} s", flush=True)
    return EXIT_OK


def cmd_scenarios(args) -> int:
    """List, add, remove or run the project's scenarios (named overrides of the base)."""
    from planner.io import load_project, save_project
    from planner.model.commands import SetScenarios
    from planner.model.scenarios import Scenario, parse_overrides
    from planner.sweep.definition import variant_label
    from planner.sweep.scenarios import comparison, run_scenarios

    project = load_project(args.project)
    scenarios = list(project.scenarios)
    changed = False
    if args.remove:
        names = [s.name for s in scenarios]
        if args.remove not in names:
            raise PlannerError(f"{args.project}: no scenario '{args.remove}'; scenarios: {', '.join(names) or 'none'}")
        scenarios = [s for s in scenarios if s.name != args.remove]
        changed = True
    if args.add:
        overrides = {}
        for pair in args.set or []:
            try:
                overrides.update(parse_overrides(pair))
            except ValueError as error:
                raise PlannerError(f"--set takes KEY=VALUE: {error}") from None
        scenarios = [s for s in scenarios if s.name != args.add] + [Scenario(args.add, overrides, args.description or "")]
        changed = True
    if changed:
        SetScenarios(scenarios).do(project)  # checked: unknown parameters and bad values are refused
        save_project(project, args.project)
        print(f"{args.project}: {len(scenarios)} scenario{'s' * (len(scenarios) != 1)} saved")
    for s in project.scenarios:
        print(f"  {s.name}: {variant_label(s.overrides)}" + (f"  ({s.description})" if s.description else ""))
    if not args.run:
        return EXIT_OK
    cancel = threading.Event()
    with ctrl_c_sets(cancel):
        outcome = run_scenarios(args.project, resolution_minutes={"1h": 60, "15min": 15, None: None}[args.resolution],
                                scheduler=args.scheduler, workers=args.workers, serial=not args.cluster,
                                progress=lambda s: print(progress_line(s), flush=True), cancel=cancel,
                                on_ready=lambda where: print(f"running on {where}", flush=True))
    if outcome.summary["cancelled"]:
        print("cancelled: the finished runs are kept; the same command goes on where it stopped", file=sys.stderr)
        return EXIT_CANCELLED
    table = comparison(outcome.table)
    with_text = table.drop(columns=["meaning"]).set_index("figure")
    print(with_text.to_string(float_format=lambda v: f"{v:,.4g}"))
    for failure in outcome.summary["failures"]:
        print(f"scenario {outcome.table.scenario[failure['variant'] - 1]} failed: {failure['error']}")
    from planner.sweep.scenarios import scenarios_folder

    print(f"wrote {scenarios_folder(args.project) / 'variants.parquet'}; planner report compares them on a page")
    return EXIT_OK if not outcome.summary["failed"] else 1
