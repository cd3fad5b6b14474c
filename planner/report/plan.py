"""Which pages a report has and who draws them (:func:`page_plan`; the pages a ``planner run``'s
helper draws, and when): what the command's own process needs before it draws anything, so
asking the helper for its first pages does not load matplotlib here (0.3 s on the run's path,
between generation and dispatch; it is loaded beside the power flow instead)."""

from __future__ import annotations

from pathlib import Path

from planner.report.results import Results

#: The pages a helper process draws (about half of the work: the grid page is the slowest; the
#: helper also reads the results and the project first, so it takes the short assumptions page
#: where finance went before: the report 0.25 s sooner on the sample, bench/run.py).
HELPER_PAGES = ("grid", "members", "scenarios", "assumptions")
#: Pages with what they need of the run ("generation", "settlement" or "grid"; ``Results.partial``
#: has what they show): ``planner run``'s helper draws them before the run ends
#: (planner.report.helper.draw_early), where the second core has time: the first two while
#: the year is simulated, the members' and finance pages once settled (while the power flow's
#: thread ends the year), the grid page (the slowest) while the indexes and the files are made.
#: Drawn beside the power flow these two pages slowed it as much as they saved while its kernels
#: were not vectorised (1.4 times today's CPU time); now the run with its report ends 0.3-0.4 s
#: sooner with the members' page (ten alternated runs of bench/run.py's kind: the run's end 0.9 s
#: after the flow's instead of 1.2 s) and 0.1-0.17 s more with the finance page (sixteen runs).
EARLY_PAGES = {"cover": "generation", "energy": "generation", "members": "settlement", "finance": "settlement",
               "grid": "grid"}
#: The helper's pages of those left when the early ones are drawn.
HELPER_PAGES_AFTER_EARLY = ("scenarios", "assumptions")


def page_plan(project, results) -> list[str]:
    """The report's pages in order (the scenarios page where scenario results are the project's);
    ``results`` a results folder or :class:`Results`."""
    res = results if isinstance(results, Results) else Results(results)
    plan = ["cover", "key figures", "energy", "grid", "members", "finance"]
    if res.summary.get("electrification"):
        plan.insert(4, "electrification")
    if stored_scenarios_of(project, res.folder) is not None:
        plan.append("scenarios")
    return plan + ["assumptions"]


def stored_scenarios_of(project, folder):
    """The scenarios' table beside the results, when it is this project's."""
    from planner.sweep.scenarios import stored_scenarios

    return stored_scenarios(project, Path(folder).with_suffix(".gpkg")) if project.scenarios else None


__all__ = ["EARLY_PAGES", "HELPER_PAGES", "HELPER_PAGES_AFTER_EARLY", "page_plan", "stored_scenarios_of"]
