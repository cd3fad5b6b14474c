"""planner report: the PDF's pages rendered to PNG (tests/artifacts/report_page_N.png, to look at),
its sections found by their text, the KPIs as summary.json has them; results reused while the
project is unchanged and simulated again when it changed."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from planner.io import load_project, save_project

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SECTIONS = ["Peergrid Planner: community energy plan", "Key figures", "Energy over the year", "Grid check",
            "Heat pumps and electric vehicles", "Members", "Finance", "Assumptions and sources"]


def planner(*args):
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], capture_output=True, text=True,
                          timeout=900, cwd=ROOT)


@pytest.fixture(scope="module")
def village(tmp_path_factory):
    from tests.conftest import make_runnable_project

    folder = tmp_path_factory.mktemp("report")
    path = folder / "village.gpkg"
    save_project(make_runnable_project(), path)
    result = planner("report", path, "-o", folder / "report.pdf")
    assert result.returncode == 0, result.stderr
    assert "running the simulation first" in result.stdout
    return folder, path


def test_the_report_has_every_section_and_its_pages_render(village):
    pdfium = pytest.importorskip("pypdfium2")
    folder, _ = village
    pdf = pdfium.PdfDocument(str(folder / "report.pdf"))
    assert len(pdf) == len(SECTIONS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    texts = []
    for number, page in enumerate(pdf, start=1):
        image = page.render(scale=1.0).to_pil()
        assert image.size[0] > 500 and len(image.convert("L").getcolors(4096) or range(4097)) > 10  # drawn
        image.save(ARTIFACTS / f"report_page_{number}.png")
        texts.append(page.get_textpage().get_text_range())
    for number, (section, text) in enumerate(zip(SECTIONS, texts), start=1):
        assert section in text, f"page {number} lacks '{section}'"
        assert f"page {number} of {len(SECTIONS)}" in text
    summary = json.loads((folder / "village.results" / "summary.json").read_text())
    # the key figures page shows summary.json's numbers
    assert f"{summary['energy']['generation_kwh'] / 1000:,.1f} MWh" in texts[1]
    assert f"{summary['indexes']['finance']['npv_eur']:,.0f} EUR" in texts[1]
    # the assumptions page explains them: weather, profiles, tariffs, emission factor, costs
    assumptions = texts[-1]
    for needle in ("Weather", summary["weather"]["name"].split(":")[0], "H0", "EUR/kWh all in",
                   "kg CO2/kWh", "Cost catalogue entries used", "Fraunhofer ISE", "Discount rate"):
        assert needle in assumptions, needle
    project = load_project(village[1])
    batteries = project.items("battery").values()
    assert (f"{sum(b.capacity_kwh for b in batteries):,.1f} kWh and {sum(b.power_kw for b in batteries):,.1f} kW "
            f"in all") in " ".join(assumptions.split())  # a battery's power is a choice of its own
    assert "The worst elements of the year against their limits" in texts[3]


def test_results_are_reused_until_the_project_changes(village):
    folder, path = village
    result = planner("report", path, "-o", folder / "again.pdf")
    assert result.returncode == 0 and "running the simulation first" not in result.stdout
    project = load_project(path)
    consumer = next(iter(project.items("consumer").values()))
    from dataclasses import replace

    project._put(replace(consumer, annual_kwh=consumer.annual_kwh * 2))
    save_project(project, path)
    result = planner("report", path, "-o", folder / "changed.pdf")
    assert result.returncode == 0 and "the project changed since its last run" in result.stdout


def test_a_report_needs_a_pdf_name(village, tmp_path):
    _, path = village
    result = planner("report", path, "-o", tmp_path / "report.docx")
    assert result.returncode == 2 and "ending in .pdf" in result.stderr


def test_hours_that_do_not_converge_are_said_in_the_report_and_the_panel(tmp_path, qtbot):
    """8 MWp on the village's field: the noon hours' power flow finds no solution; the report and
    the Results panel say how many, not a silent average."""
    from dataclasses import replace

    pdfium = pytest.importorskip("pypdfium2")
    from tests.conftest import make_runnable_project

    project = make_runnable_project()
    project._put(replace(project.get("pv_unit", "pv2"), peak_kw=8000.0))
    path = tmp_path / "overloaded.gpkg"
    save_project(project, path)
    result = planner("report", path, "-o", tmp_path / "report.pdf")
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "overloaded.results" / "summary.json").read_text())
    bad = summary["grid"]["non_converged_steps"]
    assert 0 < bad < 8760 and summary["grid"]["non_converged_times"]
    pdf = pdfium.PdfDocument(str(tmp_path / "report.pdf"))
    grid_page = pdf[3].get_textpage().get_text_range()
    assert f"{bad:,} step(s) did not converge" in grid_page
    from planner.gui.results_panel import ResultsPanel

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_summary(summary, "now")
    value = panel.values["Steps that did not converge"]
    assert value.text() == f"{bad:,}" and "b00020" in value.styleSheet()


def _page_texts(path) -> list[str]:
    pdfium = pytest.importorskip("pypdfium2")
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def test_a_helper_process_draws_half_the_pages_and_the_report_is_the_same(village, tmp_path):
    """planner run's report: half of the pages drawn in a second process, joined in order; the
    same pages, text and numbering as one process makes."""
    from planner.report.helper import ReportHelper
    from planner.report.pdf import HELPER_PAGES, build_report, page_plan

    folder, path = village
    project, results = load_project(path), folder / "village.results"
    record = {"started": 1_700_000_000.0}
    alone = build_report(project, results, tmp_path / "alone.pdf", run_record=record)
    with ReportHelper() as helper:
        both = build_report(project, results, tmp_path / "both.pdf", run_record=record, helper=helper)
        assert helper.error is None
    plan = page_plan(project, results)
    assert any(name in HELPER_PAGES for name in plan) and any(name not in HELPER_PAGES for name in plan)
    assert _page_texts(both) == _page_texts(alone)
    assert not list(tmp_path.glob(".*"))  # no part or temporary left beside the report


def test_a_helper_that_died_costs_the_report_nothing(village, tmp_path):
    from planner.report.helper import ReportHelper
    from planner.report.pdf import build_report

    folder, path = village
    project, results = load_project(path), folder / "village.results"
    record = {"started": 1_700_000_000.0}
    helper = ReportHelper()
    helper._process.kill()
    helper._process.join(10)
    try:
        built = build_report(project, results, tmp_path / "report.pdf", run_record=record, helper=helper)
    finally:
        helper.close()
    assert "ended" in helper.error
    assert _page_texts(built) == _page_texts(build_report(project, results, tmp_path / "alone.pdf",
                                                          run_record=record))


def test_planner_run_draws_its_report_with_the_helper_and_every_page_is_there(village, tmp_path):
    """The command's own path: planner run starts the helper (planner.cli.REPORT_HELPER) and
    the joined report has every section in order, numbered."""
    _, path = village
    result = planner("run", path, "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    texts = _page_texts(tmp_path / "out" / "report.pdf")
    assert len(texts) == len(SECTIONS)
    for number, (section, text) in enumerate(zip(SECTIONS, texts), start=1):
        assert section in text and f"page {number} of {len(SECTIONS)}" in text
    assert not any(p.name.startswith(".") for p in (tmp_path / "out").iterdir() if p.suffix == ".pdf")


@pytest.fixture(scope="module")
def settled_run(tmp_path_factory):
    """The village simulated in this process as planner run does it: what the run knew once
    generated, once settled (the power flow still running) and once the power flow ended, and
    its files written afterwards."""
    from tests.conftest import make_runnable_project

    from planner.io.run_outputs import write_outputs
    from planner.simulation.run import Flowed, Generated, Settled, simulate

    project = make_runnable_project()
    got = []
    result = simulate(project, on_partial=got.append)
    # generated, then settled while the power flow ran in its thread, then flowed
    assert [type(p) for p in got] == [Generated, Settled, Flowed]
    folder = write_outputs(result, tmp_path_factory.mktemp("settled") / "results")
    return project, got, folder


def test_what_a_run_knows_before_it_ends_is_what_its_files_say(settled_run):
    """Results.partial (in memory, before the run ends) against the run's files read back: the
    summary's part, the members' and finance tables once settled, the totals per step."""
    import numpy as np
    import pandas as pd

    from planner import PlannerError
    from planner.report.results import Results

    project, (generated, settled, flowed), folder = settled_run
    files = Results(folder)
    summary = files.summary
    for partial in (generated, settled, flowed):
        early = Results.partial(partial, folder)
        for key in ("weather", "resolution_minutes"):
            assert early.summary[key] == summary[key]
        for key in ("generation_kwh", "demand_kwh"):
            assert early.summary["energy"][key] == pytest.approx(summary["energy"][key], rel=1e-12)
        assert bool(early.summary["electrification"]) == bool(summary["electrification"])
        for mine, theirs in zip(early.totals, files.totals):  # the Parquet file names its UTC offset as pytz does
            np.testing.assert_array_equal(mine.to_numpy(), theirs.to_numpy())
            np.testing.assert_array_equal(mine.index.asi8, theirs.index.asi8)
            assert mine.index[0].utcoffset() == theirs.index[0].utcoffset()
    for partial in (generated, settled):
        with pytest.raises(PlannerError, match="not known before the run's power flow ends"):
            Results.partial(partial, folder).grid_elements  # noqa: B018 - not there to be read as empty
    early = Results.partial(flowed, folder)  # the grid page's figures and tables
    assert summary["grid"] and early.summary["grid"] == summary["grid"]
    for name in ("grid_elements", "trafo_loading"):
        pd.testing.assert_frame_equal(getattr(early, name), getattr(files, name))
    assert "grid" not in Results.partial(settled, folder).summary
    only_grid = Results.partial(flowed, folder, needs={"grid"})  # what the grid page asks for, no more
    assert "members" not in only_grid.__dict__ and "totals" not in only_grid.__dict__
    early = Results.partial(settled, folder)
    for key, value in early.summary["indexes"].items():  # the same computation: the same numbers
        assert value == summary["indexes"][key], key
    for name in ("members", "unit_finance", "member_finance"):
        pd.testing.assert_frame_equal(getattr(early, name), getattr(files, name))
    assert "indexes" not in Results.partial(generated, folder).summary
    with pytest.raises(PlannerError, match="members.csv is not known"):
        Results.partial(generated, folder).members  # noqa: B018


def test_pages_drawn_while_the_year_ran_are_the_pages_drawn_afterwards(settled_run, tmp_path, monkeypatch):
    """planner run's early pages (the helper draws pages from what the run knows so far: here
    also those that need the settlement) joined into the report: every page the same image as
    one process draws from the files."""
    pdfium = pytest.importorskip("pypdfium2")
    import numpy as np

    from planner.report import pdf
    from planner.report.helper import ReportHelper, draw_early

    monkeypatch.setattr(pdf, "EARLY_PAGES", {"cover": "generation", "energy": "generation",
                                             "members": "settlement", "finance": "settlement", "grid": "grid"})
    project, partials, folder = settled_run
    when = 1_700_000_000.0
    early = []
    with ReportHelper() as helper:
        for partial in partials:
            early.append(draw_early(project, partial, folder, datetime.fromtimestamp(when), helper,
                                    drawn=[n for part in early for n in part.names]))
        both = pdf.build_report(project, folder, tmp_path / "both.pdf", run_record={"started": when}, helper=helper,
                                early=early)
        assert helper.error is None
    # the helper has no page left to draw after the run (a part of no pages is not joined)
    assert [part.names for part in early] == [["cover", "energy"], ["members", "finance"], ["grid"]]
    assert not any(part.target.exists() for part in early)  # joined, then removed
    alone = pdf.build_report(project, folder, tmp_path / "alone.pdf", run_record={"started": when})
    drawn = [pdfium.PdfDocument(str(p)) for p in (both, alone)]
    plan = early[0].plan
    assert len(drawn[0]) == len(drawn[1]) == len(plan)
    for number, (mine, theirs) in enumerate(zip(*drawn), start=1):
        images = [np.asarray(page.render(scale=1.0).to_pil().convert("L"), dtype=int) for page in (mine, theirs)]
        assert np.array_equal(*images), f"page {number} ({plan[number - 1]}) differs"


def test_the_helper_is_sent_a_project_once_and_another_one_in_full(settled_run, tmp_path):
    """Jobs of one project send it once (the helper keeps it); another project object, such as an
    edited snapshot, is sent in full and its pages show it."""
    from planner.report.helper import SAME_PROJECT, ReportHelper
    from planner.report.pdf import page_plan

    project, _, folder = settled_run
    renamed = project.snapshot()
    renamed.name = "Renamed village"
    plan = page_plan(project, folder)
    with ReportHelper() as helper:
        assert helper._project(project) is project and helper._project(project) == SAME_PROJECT
        helper._sent = None
        for k, which in enumerate((project, project, renamed)):
            job = helper.submit(which, folder, ["cover"], [1], len(plan), datetime.fromtimestamp(1.7e9),
                                tmp_path / f"{k}.pdf")
            assert helper.result(job), helper.error
    texts = [_page_texts(tmp_path / f"{k}.pdf")[0] for k in range(3)]
    assert project.name in texts[0] and project.name in texts[1] and "Renamed village" in texts[2]


def test_early_pages_numbered_in_another_plan_are_drawn_again(settled_run, tmp_path):
    """Should the report's pages differ from those the early pages were numbered in, they are
    drawn again (after the helper finished them, so no part is left in the results folder)."""
    from planner.report.helper import ReportHelper, draw_early
    from planner.report.pdf import build_report

    project, (generated, *_), folder = settled_run
    record = {"started": 1_700_000_000.0}
    with ReportHelper() as helper:
        early = draw_early(project, generated, folder, datetime.fromtimestamp(record["started"]), helper)
        early.plan = early.plan[:-1] + ["scenarios", early.plan[-1]]  # one page more than the report has
        both = build_report(project, folder, tmp_path / "both.pdf", run_record=record, helper=helper, early=[early])
    assert _page_texts(both) == _page_texts(build_report(project, folder, tmp_path / "alone.pdf", run_record=record))
    assert not list(folder.glob(".*"))


def test_a_helper_that_died_before_its_early_pages_costs_the_report_nothing(settled_run, tmp_path):
    from planner.report.helper import ReportHelper, draw_early
    from planner.report.pdf import build_report

    project, (generated, *_), folder = settled_run
    record = {"started": 1_700_000_000.0}
    helper = ReportHelper()
    try:
        helper._process.kill()
        helper._process.join(10)
        early = draw_early(project, generated, folder, datetime.fromtimestamp(record["started"]), helper)
        both = build_report(project, folder, tmp_path / "both.pdf", run_record=record, helper=helper, early=[early])
    finally:
        helper.close()
    assert "ended" in helper.error
    assert _page_texts(both) == _page_texts(build_report(project, folder, tmp_path / "alone.pdf", run_record=record))
    assert not list(folder.glob(".*"))


def test_asking_the_helper_for_its_first_pages_loads_no_matplotlib_here(tmp_path):
    """planner run asks its helper for the first pages between generation and dispatch: what it
    needs for that (the plan of pages, the partial results) must not load matplotlib in the
    command's process (0.3 s on the run's path; it is loaded beside the power flow instead)."""
    code = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
if __name__ == "__main__":
    from datetime import datetime
    from tests.conftest import make_runnable_project
    from planner.generation.results import simulate_generation
    from planner.simulation.run import Generated
    from planner.report.helper import ReportHelper, draw_early
    project = make_runnable_project()
    generated = Generated(project, simulate_generation(project, resolution_minutes=60))
    with ReportHelper() as helper:
        part = draw_early(project, generated, {str(tmp_path)!r}, datetime.fromtimestamp(1.7e9), helper)
        drawn = helper.result(part.job)
    print(part.names, drawn, "matplotlib" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["True", "False"], done.stdout

def test_a_process_whose_helper_died_with_a_job_in_its_pipe_still_exits(tmp_path):
    """A job larger than the pipe holds (a project), sent to a helper that died, must not keep
    planner run's process from ending (its queue's thread would wait for a reader forever)."""
    code = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
if __name__ == "__main__":
    from tests.conftest import make_runnable_project
    from planner.report.helper import ReportHelper
    helper = ReportHelper()
    helper._process.kill()
    helper._process.join(10)
    helper.submit(make_runnable_project(), {str(tmp_path)!r}, ["cover"] * 20000, list(range(20000)), 1, None,
                  {str(tmp_path / "x.pdf")!r})
    assert not helper.result(1, timeout=5)
    helper.close()
    print("closed")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0 and "closed" in done.stdout, done.stderr


def test_the_helper_leaves_nothing_for_the_resource_tracker(monkeypatch):
    """The helper's channels are pipes, not queues: a queue's locks are named semaphores that
    Python's resource tracker watches, and about one run in nine ended with its warning of a
    "leaked semaphore". Nothing is registered with the tracker now."""
    from multiprocessing import resource_tracker

    from tests.conftest import make_runnable_project

    from planner.report.helper import ReportHelper

    registered = []
    monkeypatch.setattr(resource_tracker, "register", lambda name, kind: registered.append((name, kind)))
    project = make_runnable_project()
    with ReportHelper() as helper:
        grid = helper.grid(helper.submit_grid(project), project)
        assert helper.error is None and len(grid.net.bus) == len(project.items("bus"))
    assert registered == []


def test_the_helpers_warm_up_grid_is_a_whole_grid():
    """The helper prepares a small grid before its first job, so that pandapower is loaded when a
    run's grid comes (a failure there is passed over: held here instead)."""
    from planner.simulation.grid_stage import warm_up_grid

    grid = warm_up_grid()
    assert (len(grid.net.bus), len(grid.net.trafo), len(grid.net.line), len(grid.net.load), len(grid.net.sgen)) == \
        (3, 1, 1, 1, 1)
    assert grid.model.n_bus == 3


def test_the_helper_models_the_grid_as_this_process_would(tmp_path):
    """planner run has its helper make the project's grid for the power flow while generation is
    simulated here: the same net and year of power flow (the helper runs pandapower without
    numba, which it never loads); a helper that died costs nothing."""
    import numpy as np

    from tests.conftest import make_runnable_project

    from planner.generation.results import simulate_generation
    from planner.report.helper import ReportHelper
    from planner.simulation import stages
    from planner.simulation.grid_stage import grid_stage, prepare_grid
    from planner.simulation.run import simulate

    project = make_runnable_project()
    with ReportHelper() as helper:
        job = helper.submit_grid(project)
        sent = helper.grid(job, project)
        assert helper.error is None
        maps = Path(f"/proc/{helper._process.pid}/maps")
        if maps.exists():  # Linux: no library of numba's or llvmlite's is loaded in the helper
            assert "numba" not in maps.read_text() and "llvmlite" not in maps.read_text()
    here = prepare_grid(project)
    assert sent.ids == here.ids and sent.model.lu is None
    for table in ("bus", "line", "trafo", "load", "sgen"):
        assert sent.net[table].equals(here.net[table]), table
    gen = simulate_generation(project)
    d = stages.dispatch(project, gen)
    theirs, ours = (grid_stage(project, gen, d, None, True, True, g, three_phase=False) for g in (sent, here))
    timeless = (lambda figures: {k: v for k, v in figures.items() if k != "seconds"})  # all but the time taken
    assert timeless(theirs.figures) == timeless(ours.figures)
    np.testing.assert_array_equal(theirs.trafo_loading.to_numpy(), ours.trafo_loading.to_numpy())
    helper = ReportHelper()
    try:
        helper._process.kill()
        helper._process.join(10)
        job = helper.submit_grid(project)
        result = simulate(project, prepare=lambda: helper.grid(job, project))  # made here instead
    finally:
        helper.close()
    assert "ended" in helper.error
    assert timeless(result.grid) == timeless(simulate(project).grid)


def test_load_duration_curves_are_drawn_at_a_thousand_points_with_the_years_highest():
    """The load-duration figure draws each sorted curve at 1,000 points (a page shows no more, and
    the legend's placement tests every point): the first is the year's highest loading, the last
    its lowest, and the points follow the sorted year."""
    import numpy as np
    import pandas as pd
    from types import SimpleNamespace

    from planner.report.figures import load_duration

    rng = np.random.default_rng(3)
    index = pd.date_range("2025-01-01", periods=8760, freq="h")
    loading = pd.DataFrame({"t1": rng.gamma(2.0, 10.0, 8760), "t2": rng.uniform(0, 50, 8760)}, index=index)
    figure = load_duration(SimpleNamespace(trafo_loading=loading, step_h=1.0))
    curves = [line for line in figure.axes[0].get_lines() if line.get_label() in ("t1", "t2")]
    assert len(curves) == 2
    for line in curves:
        x, y = line.get_data()
        year = np.sort(loading[line.get_label()].to_numpy())[::-1]
        assert len(x) == 1000 and x[0] == 1.0 and x[-1] == 8760.0
        assert y[0] == year[0] and y[-1] == year[-1]
        np.testing.assert_array_equal(y, year[(x - 1).astype(int)])


def test_overlapping_outlines_on_the_report_map_are_filled_where_they_overlap():
    """The map draws a kind's outlines as one path: two overlapping parcels whose rings turn
    opposite ways are still filled where they overlap (under the nonzero rule they would cancel)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from planner.report.figures import _add_path, _one_path

    anticlockwise = np.array([[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]], float)
    clockwise = np.array([[1, 1], [1, 3], [3, 3], [3, 1], [1, 1]], float)
    figure = Figure(figsize=(2, 2), dpi=50)
    ax = figure.add_axes([0, 0, 1, 1])
    _add_path(ax, _one_path([anticlockwise, clockwise], closed=True), facecolor="k", edgecolor="none")
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 3)
    ax.axis("off")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    red = np.asarray(canvas.buffer_rgba())[:, :, 0]
    assert red[red.shape[0] // 2, red.shape[1] // 2] < 50  # the overlap (1.5, 1.5) is black


def test_no_table_text_runs_past_its_tables_rules(settled_run):
    """Every text of every table on every page ends before the table's rules do, measured by its
    glyphs' outlines in points (as the PDF draws them; Agg's hinted text measures narrower): the
    key figures' longest explanation ran 2.4 points past them."""
    from matplotlib.collections import LineCollection
    from matplotlib.textpath import TextPath

    from planner.report import pdf
    from planner.report.results import Results

    project, _, folder = settled_run
    res = Results(folder)
    checked = 0
    for name in pdf.page_plan(project, res):
        page = pdf.PAGES[name](project, res, project.name, datetime.fromtimestamp(1.7e9))
        width_pt = page.get_figwidth() * 72.0
        for ax in page.axes:
            rules = [c for c in ax.collections if isinstance(c, LineCollection)]
            if ax.axison or not rules:
                continue  # a table is an axes without axis, drawn with its rules
            box = ax.get_position()
            right = (box.x0 + box.width * max(seg[:, 0].max() for seg in rules[0].get_segments())) * width_pt
            for text in (t for t in ax.texts if t.get_text().strip()):
                start = (box.x0 + box.width * text.get_position()[0]) * width_pt
                glyphs = TextPath((0, 0), text.get_text(), size=text.get_fontsize(), prop=text.get_fontproperties())
                assert start + glyphs.get_extents().x1 <= right, f"{name}: {text.get_text()!r} runs past the table"
                checked += 1
    assert checked > 100
