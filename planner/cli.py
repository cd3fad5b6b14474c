"""The ``planner`` command.

Exit codes: 0 on success, 2 on bad input (one line on stderr, no traceback).
The GUI is started through a launcher handed in by :mod:`planner.__main__`, so
this module never imports Qt.
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from planner import PlannerError, PlannerWarning
from planner.cli_parser import EXIT_BAD_INPUT, EXIT_OK, build_parser
from planner.report.numbers import is_missing, num

__all__ = ["EXIT_BAD_INPUT", "EXIT_OK", "build_parser", "main"]

#: Draw half of ``planner run``'s report in a helper process. The ``planner`` command sets it
#: (planner.__main__); a script calling :func:`main` keeps to one process, as a spawned helper
#: would import that script again, top level and all, where it lacks a ``__main__`` guard.
REPORT_HELPER = False


def main(argv: Sequence[str] | None = None,
         launch_gui: Callable[[str | None, str | None], int] | None = None) -> int:
    """Run the command line; return the exit code.

    Every expected failure (bad input, a file that cannot be read or written) ends as one
    line on stderr and exit 2. An unexpected one does too, with a hint; ``PLANNER_DEBUG=1``
    shows its traceback instead. The planner's own warnings print as one line each.
    """
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", PlannerWarning)
            warnings.showwarning = _show_warning
            return _dispatch(args, launch_gui)
    except PlannerError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        print("planner: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a file the command was given: permissions, folders, full disks
        return _fail(_os_message(exc))
    except MemoryError:
        return _fail("out of memory: the input is too large for this machine")
    except Exception as exc:  # a failure nobody foresaw: still one line, with a way to see more
        if os.environ.get("PLANNER_DEBUG"):
            raise
        return _fail(f"unexpected {type(exc).__name__}: {_one_line(exc)} (a bug or an input "
                     f"nobody foresaw; set PLANNER_DEBUG=1 for the traceback)")


def _dispatch(args, launch_gui) -> int:
    from planner.cli_grid import cmd_export, cmd_phases, cmd_size_grid
    from planner.cli_optimise import cmd_optimise
    from planner.cli_report import cmd_report
    from planner.cli_sweep import cmd_scenarios, cmd_sweep

    if args.command in (None, "gui"):
        if launch_gui is None:
            raise PlannerError("the app is not available here; run 'python -m planner gui'")
        project = getattr(args, "project", None)
        if project is not None:
            _check_readable(project)
        return launch_gui(project, getattr(args, "screenshot", None))
    commands = {"new": cmd_new, "validate": cmd_validate, "info": cmd_info, "assess": cmd_assess,
                "powerflow": cmd_powerflow, "import": cmd_import, "run": cmd_run,
                "suitability": cmd_suitability, "size-grid": cmd_size_grid, "export": cmd_export,
                "report": cmd_report, "sweep": cmd_sweep, "scenarios": cmd_scenarios, "optimise": cmd_optimise,
                "phases": cmd_phases}
    return commands[args.command](args)


#: A progress line is open on the terminal (the next message starts on a line of its own).
_progress_line_open = False


def _fail(message: str) -> int:
    global _progress_line_open
    if _progress_line_open:
        print(flush=True)
        _progress_line_open = False
    print(f"planner: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _os_message(exc: OSError) -> str:
    reason = exc.strerror or _one_line(exc) or type(exc).__name__
    name = exc.filename if exc.filename is not None else None
    return f"{name}: {reason[:1].lower() + reason[1:]}" if name else reason


def _show_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, PlannerWarning):
        print(f"planner: warning: {message}", file=sys.stderr)
    # other libraries' warnings speak to programmers, not to the person running a command


def _check_readable(path) -> None:
    """Refuse a project path that is missing, a folder or unreadable, in one line."""
    path = Path(path)
    if not path.exists():
        raise PlannerError(f"{path}: no such file")
    if path.is_dir():
        raise PlannerError(f"{path}: is a folder, not a project file")
    if not os.access(path, os.R_OK):
        raise PlannerError(f"{path}: permission denied (the file cannot be read)")


def cmd_new(args) -> int:
    """``planner new``: an empty project at a site, its time zone and UTM CRS found offline."""
    from planner.io import save_project
    from planner.io.project_setup import create_project

    out = Path(args.output)
    if out.exists() and not args.force:
        raise PlannerError(f"{out}: exists already (use --force to overwrite)")
    project, lines = create_project(
        args.name, args.lat, args.lon, timezone=args.timezone, crs=args.crs, weather=args.weather,
        tariff_preset=args.tariff, import_price=args.import_price, export_price=args.export_price,
        fixed_charge=args.fixed_charge, shared_energy=args.shared_energy)
    save_project(project, out, keep_foreign=False)  # --force: a new project, nothing kept
    site = project.site
    print(f"created {out}: '{args.name}' at {site.latitude:.5f}, {site.longitude:.5f} "
          f"({site.timezone}, {site.crs})")
    print("\n".join(lines))
    return EXIT_OK


def cmd_validate(args) -> int:
    """``planner validate``: every problem of a project on a line; exit 2 when there is one."""
    from planner.io import load_project

    project = load_project(args.project)
    issues = project.validate()
    total = sum(project.counts().values())
    if not issues:
        print(f"{args.project}: valid ({total} objects)")
        return EXIT_OK
    for issue in issues:
        print(issue)
    raise PlannerError(f"{args.project}: {len(issues)} problem{'s' * (len(issues) > 1)} "
                       f"in {total} objects")


def cmd_info(args) -> int:
    """``planner info``: what a project holds (``--json`` for scripts)."""
    from planner.io import load_project
    from planner.model.project import ENTITY_BY_KIND, summarize

    project = load_project(args.project)
    summary = summarize(project)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return EXIT_OK
    site = summary["site"]
    lines = [
        f"{summary['name']}" + (f": {summary['description']}" if summary["description"] else ""),
        f"site      {site['latitude']:.5f}, {site['longitude']:.5f}  {site['timezone']}  {site['crs']}",
        f"weather   {summary['weather'] or 'not chosen yet'}",
        "holds     " + (", ".join(ENTITY_BY_KIND[kind].count_label(n)
                                  for kind, n in summary["counts"].items() if n) or "nothing yet"),
        f"demand    {summary['demand']['annual_kwh'] / 1000:,.1f} MWh/a electricity, "
        f"{summary['demand']['annual_heat_kwh'] / 1000:,.1f} MWh/a heat",
    ]
    cap = summary["capacity"]
    lines.append(f"units     PV {cap['pv_peak_kw']:,.1f} kWp, wind {cap['wind_rated_kw']:,.1f} kW, "
                 f"CHP {cap['chp_el_kw']:,.1f} kW el, batteries {cap['battery_kwh']:,.1f} kWh")
    g = summary["grid"]
    lines.append(f"grid      {g['buses']} buses, {g['cable_length_km']:,.2f} km of cable, "
                 f"{g['transformers']} transformers, {g['upstream_connections']} upstream "
                 f"connections, {g['open_switches']} open switches")
    if any(g["one_phase"].values()):
        lines.append("phases    " + ", ".join(f"{n:,} on {p}" for p, n in g["one_phase"].items())
                     + ", the rest three-phase (planner run adds the three-phase year)")
    if project.scenarios:
        lines.append(f"scenarios {', '.join(s.name for s in project.scenarios)} (planner scenarios PROJECT --run)")
    print("\n".join(lines))
    return EXIT_OK


def cmd_assess(args) -> int:
    """``planner assess pv|wind``: one unit's annual and monthly energy at a place."""
    from planner.generation.assess import assess_pv, assess_wind

    if args.technology == "pv":
        result = assess_pv(args.lat, args.lon, args.kwp, tilt_deg=args.tilt, azimuth_deg=args.azimuth,
                           losses_percent=args.losses, dc_ac_ratio=args.dc_ac_ratio, weather=args.weather)
        what = (f"PV {args.kwp:g} kWp, tilt {args.tilt:g} deg, azimuth {args.azimuth:g} deg (180 = south), "
                f"losses {args.losses:g} %, DC/AC {args.dc_ac_ratio:g}")
    else:
        result = assess_wind(args.lat, args.lon, args.turbine, args.hub_height, power_curve_csv=args.power_curve,
                             rated_kw=args.rated_kw, roughness_m=args.roughness, weather=args.weather)
        what = (f"Wind turbine {args.turbine} ({result['unit']['rated_kw']:g} kW) at {args.hub_height:g} m hub "
                f"height, roughness {args.roughness:g} m")
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        _print_assessment(result, what)
    return EXIT_OK


def _print_assessment(result: dict, what: str) -> None:
    weather = result["weather"]
    distance = weather.get("distance_km")
    where = f", {distance:,.0f} km away" if distance is not None else ""
    lines = [what, f"weather   {weather['name']} ({weather['source']}{where})"]
    lines += [f"warning   {w}" for w in weather.get("warnings", [])]
    lines += [f"repaired  {r}" for r in weather.get("repairs", [])]
    lines.append(f"annual    {result['annual_kwh']:,.0f} kWh, {result['full_load_hours']:,.0f} full-load hours")
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    width = max(6, len(f"{max(result['monthly_kwh']):,.0f}"))
    lines.append("month     " + " ".join(f"{m:>{width}}" for m in months))
    lines.append("kWh       " + " ".join(f"{v:>{width},.0f}" for v in result["monthly_kwh"]))
    print("\n".join(lines))


def cmd_powerflow(args) -> int:
    """``planner powerflow``: the annual power flow of a pandapower net driven by profiles."""
    if getattr(args, "three_phase", False):
        from planner.cli_grid import powerflow_three_phase

        return powerflow_three_phase(args)
    from planner.grid.pandapower_io import read_net, read_profiles
    from planner.grid.powerflow import build_model, parse_profiles, run
    from planner.grid.results_io import ParquetResults

    from planner.io.run_folder import check_output_folder, output_folder

    if args.resolution_minutes is not None and not (math.isfinite(args.resolution_minutes)
                                                    and 0 < args.resolution_minutes <= 1440):
        raise PlannerError(f"--resolution-minutes must be a number of minutes above 0 and at most a day "
                           f"(1440), got {args.resolution_minutes:g}")
    check_output_folder(args.output)
    net = read_net(args.net)
    frame = read_profiles(args.profiles)
    profiles = parse_profiles(frame, net, resolution_minutes=args.resolution_minutes, source=args.profiles)
    del frame  # the profiles hold their own array: keep one copy of the year in memory
    model = build_model(net)
    out = Path(args.output)
    with output_folder(out, "powerflow") as staging:
        with ParquetResults(staging, model) as sink:
            summary = run(model, profiles, on_chunk=sink.write)
        result = summary.as_dict()
        (staging / "summary.json").write_text(json.dumps(result, indent=2, allow_nan=False))
    print(f"{summary.steps} steps in {summary.seconds:.2f} s: losses {summary.losses_mwh:,.3f} MWh "
          f"(lines {summary.line_losses_mwh:,.3f}, transformers {summary.trafo_losses_mwh:,.3f}); "
          f"max line loading {num(result['max_line_loading_percent'], '.1f', unit='%')}, "
          f"voltage {num(result['min_vm_pu'], '.4f')}-{num(result['max_vm_pu'], '.4f')} p.u.; "
          f"wrote {out}")
    if summary.non_converged:
        print(f"planner: warning: {len(summary.non_converged)} steps did not converge (first at "
              f"{summary.non_converged[0]}); their results are empty (NaN) and listed in summary.json",
              file=sys.stderr)
    return EXIT_OK


def cmd_import(args) -> int:
    """``planner import``: parcels, buildings, streets or a pandapower grid into a project, saved atomically."""
    from planner.io import load_project, save_project
    from planner.io.geography import MAX_DISTANCE_KM

    project = load_project(args.project)
    if args.what == "grid":
        report = _import_grid(project, args)
    elif args.what == "profiles":
        from planner.io.profiles_import import import_load_profiles

        report = import_load_profiles(project, args.file, prefix=args.prefix)
    elif args.what == "consumers":
        from planner.io.consumers_import import import_consumers

        report = import_consumers(project, args.file, layer=args.layer, prefix=args.prefix,
                                  max_distance_km=None if args.allow_far else MAX_DISTANCE_KM)
    else:
        from planner.io.geography import import_geography

        report = import_geography(project, args.file, args.what, layer=args.layer, prefix=args.prefix,
                                  max_distance_km=None if args.allow_far else MAX_DISTANCE_KM)
    issues = project.validate()
    if issues:
        raise PlannerError(f"the imported {args.what} are not valid: {issues[0]}")
    save_project(project, args.project)
    print(f"imported into {args.project}: {report.describe()}")
    return EXIT_OK


def _import_grid(project, args):
    from planner.grid.pandapower_io import read_net
    from planner.io.geography import MAX_DISTANCE_KM
    from planner.grid.translate import import_grid

    net = read_net(args.file)
    clashes = [k for k in ("b", "l", "t", "x", "s", "c") if any(
        i.startswith(args.prefix + k) and i[len(args.prefix) + 1:].isdigit()
        for kind in ("bus", "cable", "transformer", "external_grid", "switch", "consumer")
        for i in project.items(kind))]
    if clashes:
        raise PlannerError(f"{args.project} has objects with the ids this import would use; give a --prefix")
    return import_grid(project, net, source_crs=args.crs, prefix=args.prefix,
                       max_distance_km=None if args.allow_far else MAX_DISTANCE_KM)


def cmd_run(args) -> int:
    """``planner run``: the whole simulation, its files written whole into the output folder."""
    import time

    from planner.simulation.memory import collect_less

    started = time.perf_counter()
    collect_less()
    helper = None
    if not args.no_report and REPORT_HELPER and not os.environ.get("PEERGRID_NO_REPORT_HELPER"):
        from planner.report.helper import ReportHelper

        try:  # warms up on the other core while this one imports, reads the project and simulates
            helper = ReportHelper()
        except OSError:  # no second process to be had: the report is drawn here alone
            helper = None
    try:
        from planner.io import load_project
        from planner.io.run_folder import check_output_folder

        check_output_folder(args.output)
        project = load_project(args.project)
        return _run_and_write(args, project, started, helper)
    finally:
        if helper is not None:
            helper.close()


def _run_and_write(args, project, started, helper) -> int:
    """The simulation, its files and (with ``helper`` drawing half of the pages) its report."""
    import time

    if args.shared_energy:
        from planner.model import SharedEnergy

        project.shared_energy = SharedEnergy.from_preset(args.shared_energy)
    prepare = None
    if helper is not None:  # the helper models the grid while this process simulates generation
        from planner.simulation.grid_stage import has_grid

        if has_grid(project):  # asked first: the project is sent as it is now, not edited after
            job = helper.submit_grid(project)

            def prepare():
                return helper.grid(job, project)

    from planner.economics.costs import load_catalogue
    from planner.io.app_runs import study_catalogue
    from planner.io.run_folder import output_folder
    from planner.io.run_outputs import write_outputs
    from planner.simulation.run import simulate
    from planner.simulation.summary import summary_dict

    catalogue = args.costs if args.costs else study_catalogue(project, args.project)
    load_catalogue(catalogue)  # checked before the long work; the run names the file it used
    from planner.simulation.task import Task

    show = _stage_printer()
    when = time.time()  # the report's time of the run
    early = []

    def on_partial(partial) -> None:  # the helper draws the pages that need no more meanwhile
        from datetime import datetime

        from planner.report.helper import draw_early, warm_up

        try:
            part = draw_early(project, partial, staging, datetime.fromtimestamp(when), helper,
                              drawn=[name for done in early for name in done.names])
        except Exception:  # noqa: BLE001 - a shortcut only: these pages are drawn after the year instead
            return
        if part is not None:
            early.append(part)
        if getattr(partial, "settlement", None) is not None and getattr(partial, "grid", None) is None:
            # settled, its pages asked for: matplotlib loaded here while the flow's thread ends the
            # year (asked for before, the helper waited 0.5 s longer for the settled pages)
            warm_up()

    global _progress_line_open
    with output_folder(args.output, "run") as staging:
        try:
            result = simulate(project, resolution_minutes={"1h": 60, "15min": 15, None: None}[args.resolution],
                              subsidy_eur_per_kwh=args.subsidy, costs_path=catalogue, task=Task(on_stage=show),
                              on_partial=on_partial if helper is not None else None,
                              prepare=prepare)
            if _progress_line_open:
                print()
                _progress_line_open = False
            write_outputs(result, staging)
            if not args.no_report:
                from planner.report.pdf import build_report

                print("writing the report (report.pdf; --no-report leaves it out)", flush=True)
                build_report(project, staging, staging / "report.pdf", run_record={"started": when}, helper=helper,
                             early=early)
        except BaseException:
            if helper is not None:  # ended before the staging folder, where it may be drawing, is removed
                helper.close()
            raise
    s = summary_dict(result)
    from planner.report.kpis import run_lines

    for line in run_lines(project.name, s):
        print(line)
    print(f"wrote {args.output} in {time.perf_counter() - started:.1f} s")
    for note in s["notes"]:
        print(f"note: {note}")
    w = s["weather"]
    print(f"weather: {w['name']} ({w['source']})")
    for warning in w.get("warnings", []):
        print(f"warning: weather: {warning}")
    for repair in w.get("repairs", []):
        print(f"repaired: weather: {repair}")
    return EXIT_OK


def _stage_printer():
    """The run's stages as the app names them: one updating line on a terminal, plain lines elsewhere."""
    import time

    started = time.perf_counter()
    tty = sys.stdout.isatty()

    def show(name: str, index: int, count: int) -> None:
        text = f"stage {index + 1}/{count}: {name} ({time.perf_counter() - started:.0f} s)"
        global _progress_line_open
        if tty:
            bar = "#" * (index + 1) + "." * (count - index - 1)
            print(f"\r[{bar}] {text:<60}", end="", flush=True)
            _progress_line_open = True
        else:
            print(text, flush=True)

    return show


def cmd_suitability(args) -> int:
    """``planner suitability``: every parcel's PV, wind and CHP score with its inputs."""
    from planner.generation.results import project_weather
    from planner.generation.suitability import suitability
    from planner.io import load_project

    project = load_project(args.project)
    if not project.items("parcel"):
        raise PlannerError(f"{args.project} has no parcels to score (import or draw them first)")
    weather, meta = project_weather(project)
    table = suitability(project, weather, elevation_m=meta.elevation_m or 0.0)
    if args.json:
        print(json.dumps(table.to_dict(orient="records"), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(f"weather: {meta.describe()}")
    for parcel_id, rows in table.groupby("parcel_id", sort=False):
        name = project.get("parcel", parcel_id).display_name
        scores = "  ".join(f"{r.technology} {r.score:.2f} ({r.reason})" for r in rows.itertuples())
        print(f"{name}: {scores}")
    return EXIT_OK
