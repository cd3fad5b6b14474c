"""A second process that draws some of the report's pages while this one draws the others.

``planner run`` starts a :class:`ReportHelper` before it simulates: the helper's interpreter
imports matplotlib and the report and loads the fonts on the second core meanwhile. While the
year is still simulated, :func:`draw_early` has it draw the pages that need no grid
(:data:`~planner.report.plan.EARLY_PAGES`, from what the run knows so far, in memory). When the
results are written, :func:`write_in_two` gives it :data:`~planner.report.plan.HELPER_PAGES` of the rest
and draws the others here; pypdf joins the parts in page order. A helper that failed or died is
noticed and its pages are drawn here instead, so the report never depends on it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

#: How long the report waits for the helper's pages before drawing them itself [s].
HELPER_TIMEOUT_S = 300.0
#: Sent instead of a project the helper was sent before: the project it keeps (pickling the
#: sample's 6,000 objects again for each job held this process's lock 0.1 s each time).
SAME_PROJECT = "the project of the previous job"


class _Outbox:
    """Objects sent down a one-way pipe by a daemon thread, so that sending returns at once (a
    project or a grid is larger than the pipe holds, and the other side reads when it is free).

    A pipe and a thread rather than a :class:`multiprocessing.Queue`: a queue's locks are named
    semaphores, which Python's resource tracker watches, and about one run in nine ended with its
    warning that one had "leaked" (unlinked, but its unregistering lost). A pipe with one writer
    and one reader needs no lock."""

    def __init__(self, connection):
        self._connection = connection
        self._pending: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._send_all, daemon=True, name="peergrid-helper-outbox")
        self._thread.start()

    def _send_all(self) -> None:
        while True:
            item = self._pending.get()
            if item is _CLOSED:
                return
            try:
                self._connection.send(item)
            except (OSError, ValueError):  # the other side ended: nothing more can be sent
                return

    def put(self, item) -> None:
        """Send ``item`` (pickled and written by the thread)."""
        self._pending.put(item)

    def close(self, wait: bool = False) -> None:
        """Send what is pending, then stop; ``wait``: until it is sent (or the other side ended).
        Not waiting, a send to a process that will never read does not keep this one from ending
        (the thread is a daemon)."""
        self._pending.put(_CLOSED)
        if wait:
            self._thread.join()


_CLOSED = object()


def warm_up() -> None:
    """Load what the first page would otherwise load: matplotlib's PDF backend and the fonts
    (``planner run`` does it while the power flow's thread finishes the year)."""
    import io

    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    figure = Figure()
    figure.text(0.5, 0.5, "warm", fontsize=9, weight="bold")
    figure.add_subplot().plot([0, 1], [0, 1])
    with PdfPages(io.BytesIO()) as pdf:
        pdf.savefig(figure)


def _serve(jobs, answers) -> None:  # pragma: no cover - runs in the helper's process
    """The helper's loop: warm up (imports, a small grid; the fonts when idle), then do each job: draw pages, or model a
    project's grid (:func:`~planner.simulation.grid_stage.prepare_grid`) and send it back."""
    import sys

    from planner._lazy import defer_unused
    from planner.simulation.memory import collect_less

    # This process runs none of the planner's compiled kernels; only pandapower's runpp (in
    # prepare_grid) calls three small numba functions, and numba's import and first-call set-up
    # cost 0.6-0.7 s of CPU here while the command's process reads the project and simulates
    # generation on the other core (the run with its report 0.29 s sooner, ten alternated runs).
    # Without numba pandapower takes its own supported path: the same functions in Python (0.04 s
    # more for the sample's grid); the grid it gives is the same (tests/report/test_report.py).
    sys.modules.setdefault("numba", None)
    collect_less()
    defer_unused()  # what the command's own process defers (pandapower's namespace, ...)
    try:  # a run's first job is its grid, wanted when generation ends: pandapower loaded before it comes
        from planner.simulation.grid_stage import warm_up_grid

        warm_up_grid()
    except Exception:  # noqa: BLE001 - a shortcut only: the grid job loads what it needs
        pass
    done = _Outbox(answers)  # a grid is sent while the next job is done
    project, fonts = None, False
    while True:
        try:
            idle = not fonts and not jobs.poll()
            job = None if idle else jobs.recv()
        except (EOFError, OSError):  # the command ended
            return
        if idle:  # the grid sent: the fonts loaded before a page is asked for
            warm_up()
            fonts = True
            continue
        if job is None:
            done.close(wait=True)  # what was drawn is sent before the process ends
            return
        job_id, kind, args = job
        if isinstance(args[0], str) and args[0] == SAME_PROJECT:
            args = (project, *args[1:])
        project = args[0]
        try:
            if kind == "pages":
                from planner.report.pdf import write_pages

                value = write_pages(*args)
            else:  # "grid": the only other job there is
                from planner.simulation.grid_stage import prepare_grid

                value = prepare_grid(*args)
        except Exception as exc:  # told to the caller, who does the job itself
            done.put((job_id, f"{type(exc).__name__}: {exc}", None))
        else:
            done.put((job_id, None, value))


class ReportHelper:
    """A spawned process (sharing nothing with this one) that draws report pages on request,
    and models a project's grid for the run's power flow."""

    def __init__(self):
        context = multiprocessing.get_context("spawn")
        jobs_read, jobs_write = context.Pipe(duplex=False)
        self._done, done_write = context.Pipe(duplex=False)
        self._process = context.Process(target=_serve, args=(jobs_read, done_write), daemon=True,
                                        name="peergrid-report-helper")
        self._process.start()
        jobs_read.close()  # the helper's ends: this process keeps its own
        done_write.close()
        self._jobs = _Outbox(jobs_write)
        self._reading = threading.Lock()
        self._ids = itertools.count(1)
        self._sent = None  # the project of the last job sent
        self._answers: dict[int, tuple] = {}  # answers read while waiting for another job's
        self._closed = False
        self.error: str | None = None

    def submit(self, project, results, names, numbers, total, when, target) -> int:
        """Ask for the pages ``names`` of ``results`` (a folder or a :class:`~planner.report.results.Results`)."""
        job_id = next(self._ids)
        results = results if hasattr(results, "summary") else Path(results)
        self._jobs.put((job_id, "pages", (self._project(project), results, list(names), list(numbers), total, when,
                                          Path(target))))
        return job_id

    def submit_grid(self, project) -> int:
        """Ask for ``project``'s grid as :func:`~planner.simulation.grid_stage.prepare_grid` makes it."""
        job_id = next(self._ids)
        self._jobs.put((job_id, "grid", (self._project(project),)))
        return job_id

    def _project(self, project):
        """``project``, or :data:`SAME_PROJECT` when it is the object the last job was sent with:
        a helper serves one run, whose project is not edited while it runs (one that is edited
        is a new object: :meth:`~planner.model.project.Project.snapshot`)."""
        if project is self._sent:
            return SAME_PROJECT
        self._sent = project
        return project

    def grid(self, job_id: int, project):
        """The grid the helper made for ``project`` (:meth:`submit_grid`), or made here when the
        helper failed or died (the run never depends on it)."""
        prepared = self.value(job_id)
        if prepared is None:
            from planner.simulation.grid_stage import prepare_grid

            prepared = prepare_grid(project)
        return prepared

    def result(self, job_id: int, timeout: float = HELPER_TIMEOUT_S) -> bool:
        """True once the helper did the job; False if it failed, died or took too long."""
        return self._answer(job_id, timeout)[0]

    def value(self, job_id: int, timeout: float = HELPER_TIMEOUT_S):
        """What the job gave, or None if the helper failed, died or took too long."""
        ok, value = self._answer(job_id, timeout)
        return value if ok else None

    def _answer(self, job_id: int, timeout: float) -> tuple[bool, object]:
        with self._reading:  # one reader of the pipe at a time (the run asks from its threads)
            return self._read_until(job_id, timeout)

    def _read_until(self, job_id: int, timeout: float) -> tuple[bool, object]:
        waited = 0.0
        while job_id not in self._answers:
            if self._closed:
                self.error = self.error or "the report's helper was closed"
                return False, None
            try:
                answered = self._done.poll(0.5)
                if answered:
                    done_id, error, value = self._done.recv()
            except (EOFError, OSError):  # the helper ended: its pipe closed
                answered = False
            if not answered:
                waited += 0.5
                if not self._process.is_alive():
                    self.error = f"the report's helper process ended (exit code {self._process.exitcode})"
                    return False, None
                if waited >= timeout:
                    self.error = f"the report's helper took longer than {timeout:.0f} s"
                    return False, None
                continue
            self._answers[done_id] = (error, value)
        error, value = self._answers.pop(job_id)
        self.error = error
        return error is None, value

    def close(self, wait: float = 0.0) -> None:
        """Tell the helper to stop; wait ``wait`` seconds for it, then end it if it still runs.

        Not waiting is the default: the helper holds nothing to keep, and its interpreter's own
        shutdown need not delay this process's exit. Closing twice does nothing more."""
        if self._closed:
            return
        self._closed = True
        if self._process.is_alive():
            self._jobs.put(None)
            self._process.join(wait)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(2.0)
        # nobody reads the jobs now: a job still in the pipe (a project is larger than the pipe
        # holds) is left to the outbox's daemon thread, which does not keep this process alive
        self._jobs.close()
        self._done.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@dataclass
class EarlyPages:
    """Pages a helper was asked to draw before the results were written (:func:`draw_early`)."""

    job: int
    plan: list[str]  # the report's pages as they were numbered
    names: list[str]
    target: Path


def draw_early(project, partial, folder, when, helper: ReportHelper, drawn=()) -> EarlyPages | None:
    """Have ``helper`` draw those of :data:`~planner.report.plan.EARLY_PAGES` that ``partial`` (a
    :class:`~planner.simulation.run.Generated`, :class:`~planner.simulation.run.Settled` or
    :class:`~planner.simulation.run.Flowed` run) knows enough for, ``drawn`` left out, into a
    part beside the report in ``folder``; :func:`write_in_two` joins it when the plan is
    unchanged. None: no page to draw yet."""
    from planner.report.plan import EARLY_PAGES, page_plan
    from planner.report.results import Results

    known = {"generation"}
    if getattr(partial, "settlement", None) is not None:
        known.add("settlement")
    if getattr(partial, "grid", None) is not None:
        known.add("grid")
    wanted = [n for n, needs in EARLY_PAGES.items() if n not in drawn and needs in known]
    if not wanted:
        return None
    results = Results.partial(partial, folder, needs={EARLY_PAGES[n] for n in wanted})
    plan = page_plan(project, results)
    names = [n for n in plan if n in wanted]
    target = Path(folder) / f".report.pdf.early{len(drawn)}"
    job = helper.submit(project, results, names, [plan.index(n) + 1 for n in names], len(plan), when, target)
    return EarlyPages(job, plan, names, target)


def write_in_two(project, results, plan, when, target, helper, early=()) -> None:
    """The helper's pages in its process, the others here at the same time, then one PDF; the
    pages of ``early`` (:class:`EarlyPages`, numbered in the same ``plan``) join from the parts
    the helper drew before."""
    from pypdf import PdfReader, PdfWriter

    from planner.report.pdf import HELPER_PAGES, HELPER_PAGES_AFTER_EARLY, TITLE, write_pages

    early = list(early)
    if any(part.plan != plan for part in early):  # numbered otherwise: drawn again, once the helper is done
        for part in early:
            helper.result(part.job)
            part.target.unlink(missing_ok=True)
        early = []
    numbers = {name: k for k, name in enumerate(plan, start=1)}
    sides = {name: k for k, part in enumerate(early) for name in part.names}
    rest = [n for n in plan if n not in sides]
    helper_pages = HELPER_PAGES_AFTER_EARLY if early else HELPER_PAGES
    theirs = [n for n in rest if n in helper_pages]
    ours = [n for n in rest if n not in helper_pages]
    # a side without pages has no part (a PDF of no pages is not written)
    parts = {**({"ours": target.with_name(target.name + ".ours")} if ours else {}),
             **({"theirs": target.with_name(target.name + ".theirs")} if theirs else {}),
             **{k: part.target for k, part in enumerate(early)}}

    def draw_here(names, path):
        write_pages(project, results, names, [numbers[n] for n in names], len(plan), when, path)

    try:
        job = None
        if theirs:
            job = helper.submit(project, results.folder, theirs, [numbers[n] for n in theirs], len(plan), when,
                                parts["theirs"])
        if ours:
            draw_here(ours, parts["ours"])
        failed = False  # the helper answers in order: the early pages first
        for part in early:
            if failed or not helper.result(part.job):  # failed, died or hangs: ended, its pages drawn here
                if not failed:
                    helper.close()
                    failed = True
                draw_here(part.names, part.target)
        if job is not None and (failed or not helper.result(job)):
            helper.close()
            draw_here(theirs, parts["theirs"])
        readers = {side: PdfReader(path) for side, path in parts.items()}
        writer = PdfWriter()
        taken = dict.fromkeys(readers, 0)
        for name in plan:
            side = sides.get(name, "theirs" if name in theirs else "ours")
            writer.add_page(readers[side].pages[taken[side]])
            taken[side] += 1
        writer.add_metadata({"/Title": f"{TITLE}: {project.name}", "/Creator": "Peergrid Planner"})
        with open(target, "wb") as out:
            writer.write(out)
    finally:
        for path in parts.values():
            path.unlink(missing_ok=True)


__all__ = ["EarlyPages", "HELPER_TIMEOUT_S", "ReportHelper", "SAME_PROJECT", "draw_early", "warm_up", "write_in_two"]
