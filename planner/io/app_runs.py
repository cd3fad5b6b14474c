"""Runs the app starts: a worker process, results kept beside the project with a fingerprint.

The app never simulates on its own thread. A worker process (started ahead, with the planner
imported, so a run begins at once) takes a job — a project file, the results folder and the
options — runs :func:`planner.simulation.run.simulate` with a :class:`~planner.simulation.task.Task`
whose stages it reports, and writes the run's files whole into ``NAME.results/`` beside the
project (:func:`planner.io.run_folder.output_folder`: staged, then renamed in). Cancel ends the
process, which takes well under a second, and nothing is written. ``run.json`` in the folder
records the fingerprint of the inputs (:func:`fingerprint`), so the app can tell whether the
results still belong to the project as it is now.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from pathlib import Path

RUN_RECORD = "run.json"


def results_folder(project_path: str | Path) -> Path:
    """Where a project's last results live: ``NAME.results`` beside ``NAME.gpkg``."""
    path = Path(project_path)
    return path.with_name(f"{path.stem}.results")


def fingerprint(project) -> str:
    """A digest of everything a run reads from the project: its settings and every object's fields
    (geometries by their WKB). Equal projects give equal fingerprints; any edit changes it."""
    from shapely.geometry.base import BaseGeometry

    from planner.model.project import ENTITY_BY_KIND

    digest = hashlib.sha256()
    settings = {"name": project.name, "site": dataclasses.asdict(project.site), "weather": project.weather,
                "shared_energy": project.shared_energy.as_dict(), "default_tariff": project.default_tariff,
                "grid_investment": project.grid_investment.as_dict() if project.grid_investment else None,
                "study": project.study.as_dict()}
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for kind in sorted(ENTITY_BY_KIND):
        for id_, entity in sorted(project.items(kind).items()):
            parts = [kind, id_]
            for f in dataclasses.fields(entity):
                value = getattr(entity, f.name)
                parts.append(value.wkb_hex if isinstance(value, BaseGeometry) else repr(value))
            digest.update("\x1f".join(parts).encode())
            digest.update(b"\x1e")
    return digest.hexdigest()


@dataclasses.dataclass
class StoredResults:
    """A project's last results: the folder, ``summary.json``'s object and the run record."""

    folder: Path
    summary: dict
    record: dict

    def matches(self, project) -> bool:
        """Whether the results were computed from the project as it is now."""
        return self.record.get("fingerprint") == fingerprint(project)


def load_results(project_path: str | Path) -> StoredResults | None:
    """The results beside a project, or None when there are none (or they cannot be read)."""
    return read_results(results_folder(project_path))


def read_results(folder: str | Path) -> StoredResults | None:
    """A results folder's summary and run record, or None when it holds none readable."""
    folder = Path(folder)
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        record = json.loads((folder / RUN_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(summary, dict) or not isinstance(record, dict):
        return None
    return StoredResults(folder, summary, record)


def study_catalogue(project, project_path) -> Path | None:
    """The study's own cost catalogue, a path relative to the project file (None: the shipped one)."""
    name = project.study.cost_catalogue
    if not name:
        return None
    path = Path(name)
    return path if path.is_absolute() else Path(project_path).resolve().parent / path


def run_project(project_path: str | Path, folder: str | Path, *, resolution_minutes: int | None = None,
                task=None) -> Path:
    """Simulate the project file and write its results whole into ``folder`` with the run record
    (at the project's own step, ``study.resolution_minutes``, unless ``resolution_minutes`` says)."""
    from planner.io import load_project
    from planner.io.run_folder import output_folder
    from planner.io.run_outputs import write_outputs
    from planner.simulation.run import simulate

    started = time.time()
    project = load_project(project_path)
    print_ = fingerprint(project)
    resolution_minutes = resolution_minutes or project.study.resolution_minutes
    result = simulate(project, resolution_minutes=resolution_minutes, task=task,
                      costs_path=study_catalogue(project, project_path))
    with output_folder(folder, "results") as staging:
        write_outputs(result, staging)
        record = {"fingerprint": print_, "project": str(project_path), "started": started,
                  "seconds": round(time.time() - started, 1), "resolution_minutes": resolution_minutes}
        (staging / RUN_RECORD).write_text(json.dumps(record, indent=2))
    return Path(folder)


def current_results(project, project_path, say=print) -> StoredResults:
    """The project's stored results when they are its own (by fingerprint); else simulate first,
    saying why, and store them beside the project."""
    stored = load_results(project_path)
    if stored is None or not stored.matches(project):
        why = "no results yet" if stored is None else "the project changed since its last run"
        say(f"{why}: running the simulation first (results into {results_folder(project_path)})")
        run_project(project_path, results_folder(project_path))
        stored = load_results(project_path)
    return stored


def serve(jobs, events) -> None:
    """A worker process's loop: warm up (import the engine), then run jobs as they come.

    ``jobs`` yields ``(job_id, project_path, folder, resolution_minutes)`` or None to stop;
    ``events`` gets ``("ready",)``, ``("started", job_id)``, ``("stage", job_id, name, index,
    count)``, ``("done", job_id, folder)`` and ``("error", job_id, message)``.
    """
    import importlib

    from planner._lazy import defer_unused

    defer_unused()
    importlib.import_module("planner.simulation.run")  # the imports a run needs, done before the first
    from planner import PlannerError
    from planner.simulation.task import Task

    events.put(("ready",))
    while True:
        job = jobs.get()
        if job is None:
            return
        job_id, project_path, folder, resolution = job
        events.put(("started", job_id))
        task = Task(on_stage=lambda name, index, count: events.put(("stage", job_id, name, index, count)))
        try:
            run_project(project_path, folder, resolution_minutes=resolution, task=task)
        except PlannerError as exc:
            events.put(("error", job_id, str(exc)))
        except Exception as exc:  # a readable line, never a traceback in the app
            events.put(("error", job_id, f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"))
        else:
            events.put(("done", job_id, str(folder)))
