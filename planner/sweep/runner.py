"""Run a sweep's variants: in this process, on a Dask LocalCluster, or on a Dask cluster.

What every variant shares travels once: the base project as its GeoPackage bytes, the cost
catalogue, and a :class:`~planner.generation.results.GenerationCache` with the weather, the
consumers' demand profiles and each PV orientation's output per kWp, computed here for every
weather the sweep names and scattered to the workers (nothing assumes a shared disk; workers
need the planner installed, nothing else). Tasks carry batches of variants sized so that a
task lasts at least :data:`MIN_TASK_SECONDS`. A failing variant is recorded with its message;
the others go on (a weather file that cannot be read fails the variants that use it). Each
finished variant is written to ``DIR/cache/<hash>.json`` at once, the
hash covering the base project, the overrides, the resolution and the planner's version, so a
repeated or extended sweep runs only what is new and a cancelled one keeps what it finished.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner import PlannerError, __version__
from planner.io.file_safety import atomic_write_text
from planner.simulation import overrides as ov
from planner.simulation.task import Cancelled
from planner.sweep.definition import Sweep, morris_effects, variant_label
from planner.sweep.table import kpi_row

#: A task should last at least this long, or scheduling costs more than it saves [s].
MIN_TASK_SECONDS = 1.0


@dataclass
class Payload:
    """What every variant needs, sent once to every worker."""

    project_bytes: bytes
    digest: str
    cache: object  # GenerationCache
    catalogue: pd.DataFrame
    resolution_minutes: int


@dataclass
class Progress:
    """Where a sweep stands (handed to the progress callback after each finished task)."""

    total: int
    done: int = 0
    failed: int = 0
    cached: int = 0
    started: float = field(default_factory=time.perf_counter)
    ran: int = 0  # variants run in this call (not from the cache)

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the pace so far (None before the first variant ends)."""
        if not self.ran:
            return None
        left = self.total - self.done - self.failed
        return (time.perf_counter() - self.started) / self.ran * left


@dataclass
class Outcome:
    """A finished (or cancelled) sweep: one row per variant, and the summary."""

    table: pd.DataFrame
    summary: dict


def variant_key(digest: str, overrides: dict, resolution_minutes: int, weather_digest: str = "") -> str:
    """The cache key of a variant: its inputs (a weather file by its content) and the planner's version."""
    text = json.dumps({"project": digest, "overrides": overrides, "resolution": resolution_minutes,
                       "weather": weather_digest, "version": __version__}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _file_digest(name: str | None, seen: dict) -> str:
    """A weather file's content hash ("" for a bundled station or none), each file read once."""
    if not name or name in seen:
        return seen.get(name, "") if name else ""
    path = Path(name)
    seen[name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    return seen[name]


# ------------------------------------------------------------------------------------ workers
_LOADED: dict[str, object] = {}


def _base_project(payload: Payload):
    """The base project, read once per process from the payload's bytes."""
    if payload.digest not in _LOADED:
        from planner.io.project_file import load_project

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "base.gpkg"
            path.write_bytes(payload.project_bytes)
            _LOADED.clear()
            _LOADED[payload.digest] = load_project(path)
    return _LOADED[payload.digest]


def run_variant(payload: Payload, overrides: dict, overlap: bool = True) -> dict:
    """One variant's figures (:func:`planner.sweep.table.kpi_row`) and what the overrides did."""
    from planner.simulation.run import simulate
    from planner.simulation.summary import summary_dict

    variant = ov.apply(_base_project(payload), overrides)
    result = simulate(variant.project, resolution_minutes=payload.resolution_minutes, shapley_samples=0,
                      costs_path=variant.catalogue(payload.catalogue), generation_cache=payload.cache,
                      overlap=overlap, details=False)
    return {**kpi_row(summary_dict(result)), "notes": "; ".join(variant.notes + result.notes)}


def run_batch(payload: Payload, batch: list[tuple[str, dict]]) -> list[dict]:
    """Run a batch of ``(key, overrides)``; each entry ``{"key", "status", "seconds", ...}``."""
    alone = not _one_thread_per_worker()
    out = []
    for key, overrides in batch:
        started = time.perf_counter()
        try:
            row = {"status": "done", **run_variant(payload, overrides, overlap=alone)}
        except Exception as error:  # a failing variant is recorded, the sweep goes on
            message = str(error) if isinstance(error, PlannerError) else \
                f"{type(error).__name__}: {error} ({traceback.extract_tb(error.__traceback__)[-1].name})"
            row = {"status": "failed", "error": message}
        out.append({"key": key, "seconds": time.perf_counter() - started, **row})
    return out


def _one_thread_per_worker() -> bool:
    """On a Dask worker the variant uses the worker's threads only (the cluster spreads variants
    over the cores, a worker a core by default); True when on a worker."""
    try:
        from distributed import get_worker

        threads = get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        return False
    import numba

    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
    return True


# ------------------------------------------------------------------------------------ the sweep
def prepare(project_path: str | Path, sweep: Sweep) -> tuple[object, list[dict], Payload, dict]:
    """Check every variant against the base project and compute what they share.

    Returns the base project, the variants' overrides, the payload, and for each weather
    that cannot be read its message (the variants on it fail with it, the others run).

    Raises
    ------
    PlannerError
        Naming the variant and the problem, before anything runs: an override the project
        cannot take, a variant that is not a valid project.
    """
    from planner.economics.costs import load_catalogue
    from planner.generation.results import GenerationCache, simulate_generation
    from planner.io.project_file import load_project

    project_path = Path(project_path)
    base = load_project(project_path)
    resolution = sweep.resolution_minutes or base.study.resolution_minutes  # (default: the project's step)
    variants = sweep.variants()
    if not variants:
        raise PlannerError(f"{sweep.source}: the sweep has no variants")
    weathers = {}
    for k, overrides in enumerate(variants, 1):
        try:
            variant = ov.apply(base, overrides)
        except PlannerError as error:
            raise PlannerError(f"{sweep.source}: variant {k} ({variant_label(overrides)}): {error}") from None
        issues = variant.project.validate()
        if issues:
            raise PlannerError(f"{sweep.source}: variant {k} ({variant_label(overrides)}) is not a valid project: "
                               f"{issues[0]}")
        weathers.setdefault(variant.project.weather, variant.project)
    study = base.study
    catalogue_path = study.cost_catalogue
    if catalogue_path and not Path(catalogue_path).is_absolute():
        catalogue_path = str(project_path.parent / catalogue_path)
    catalogue = load_catalogue(catalogue_path)
    cache = GenerationCache()
    unreadable = {}
    for weather, project in weathers.items():  # read here: workers need no shared disk
        try:
            simulate_generation(project, resolution_minutes=resolution, cache=cache)
        except (PlannerError, OSError) as error:
            unreadable[weather] = f"weather {weather!r}: {error}"
    from planner.io.app_runs import fingerprint

    # keyed by what a run reads from the project (not the file's bytes: its scenarios, or a save
    # that changed nothing else, do not make finished variants stale)
    payload = Payload(project_path.read_bytes(), fingerprint(base), cache, catalogue, resolution)
    return base, variants, payload, unreadable


def run_sweep(project_path: str | Path, sweep: Sweep, out_dir: str | Path, *, scheduler: str | None = None,
              workers: int | None = None, serial: bool = False,
              progress: Callable[[Progress], None] | None = None,
              on_ready: Callable[[str], None] | None = None, cancel: threading.Event | None = None) -> Outcome:
    """Run ``sweep`` on the project at ``project_path``; write ``out_dir``'s table and summary.

    Parameters
    ----------
    scheduler : str, optional
        A Dask scheduler's address (``tcp://host:8786``): run on that cluster.
    workers : int, optional
        Worker processes of the LocalCluster (default: the machine's cores).
    serial : bool
        Run in this process, one variant after the other (no Dask).
    progress : callable, optional
        Called with a :class:`Progress` after each finished task.
    on_ready : callable, optional
        Told where the variants run, before the first one starts.
    cancel : threading.Event, optional
        Set from another thread (the app's Cancel) to stop as Ctrl+C does.

    A KeyboardInterrupt (Ctrl+C) stops the cluster's tasks; what finished stays in the cache
    and the table and summary say the sweep was cancelled. Failed variants are not cached: the
    next run tries them again.
    """
    out = Path(out_dir)
    (out / "cache").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    base, variants, payload, unreadable = prepare(project_path, sweep)
    seen: dict = {}
    keys = [variant_key(payload.digest, v, payload.resolution_minutes, _file_digest(v.get("weather", base.weather), seen))
            for v in variants]
    results: dict[str, dict] = {}
    for key, overrides in zip(keys, variants):
        problem = unreadable.get(overrides.get("weather", base.weather))
        if problem:
            results[key] = {"key": key, "status": "failed", "error": problem, "seconds": 0.0}
    for key in set(keys):
        cached = out / "cache" / f"{key}.json"
        if cached.exists():
            try:
                results[key] = {**json.loads(cached.read_text(encoding="utf-8")), "cached": True}
            except (OSError, json.JSONDecodeError):
                pass  # a damaged entry is run again
    pending = list(dict.fromkeys(k for k in keys if k not in results))
    by_key = dict(zip(keys, variants))
    state = Progress(total=len(set(keys)), cached=sum(1 for r in results.values() if r.get("cached")))
    state.done = sum(1 for r in results.values() if r["status"] == "done")
    state.failed = len(results) - state.done
    if progress:
        progress(state)

    def finished(entries: list[dict]) -> None:
        for entry in entries:
            if entry["status"] == "done":  # failures are tried again next time
                atomic_write_text(out / "cache" / f"{entry['key']}.json", json.dumps(entry, default=str))
            results[entry["key"]] = entry
            state.ran += 1
            if entry["status"] == "done":
                state.done += 1
            else:
                state.failed += 1
        if progress:
            progress(state)

    cancelled = False
    where = "this process"
    try:
        if pending and serial:
            if on_ready:
                on_ready(where)
            for key in pending:
                if cancel is not None and cancel.is_set():
                    raise Cancelled("cancelled")
                finished(run_batch(payload, [(key, by_key[key])]))
        elif pending:
            where = _run_dask(payload, [(k, by_key[k]) for k in pending], scheduler, workers, finished, on_ready,
                              cancel)
    except (KeyboardInterrupt, Cancelled):
        cancelled = True
    table = _table(variants, keys, results)
    summary = _summary(sweep, table, base, payload, time.perf_counter() - started, where, cancelled, state)
    _write(out, table, summary)
    return Outcome(table, summary)


def _run_dask(payload: Payload, todo: list[tuple[str, dict]], scheduler: str | None, workers: int | None,
              finished: Callable[[list[dict]], None], on_ready, cancel: threading.Event | None = None) -> str:
    """Submit batches to a cluster as workers free up, batch size growing until a task lasts
    :data:`MIN_TASK_SECONDS`; returns where the variants ran."""
    import logging

    from distributed import Client, LocalCluster, wait

    quiet = logging.getLogger("distributed")  # its INFO lines are for cluster operators, not here
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as error:
            raise PlannerError(f"no Dask scheduler answers at {scheduler}: {error}") from None
        where = f"the Dask cluster at {scheduler}"
    else:
        n = workers or os.cpu_count() or 1
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=40)
        client = Client(cluster)
        where = f"a Dask LocalCluster of {n} worker{'s' * (n != 1)}"
    futures = []
    try:
        slots = max(len(client.scheduler_info().get("workers", {})), 1)
        if on_ready:
            told = where if cluster else f"{where} ({slots} worker{'s' * (slots != 1)})"
            link = getattr(client, "dashboard_link", None)
            on_ready(f"{told}; its dashboard: {link}" if link and cluster else told)
        [shared] = client.scatter([payload], broadcast=True, hash=False)
        queue = list(todo)
        pace = {"seconds_per_variant": None}
        running: set = set()

        def submit() -> None:
            size = 1  # the first tasks measure the pace
            if pace["seconds_per_variant"]:  # long enough tasks, yet every worker kept busy to the end
                size = max(1, min(int(MIN_TASK_SECONDS / pace["seconds_per_variant"]) + 1,
                                  len(queue) // (2 * slots) or 1))
            batch, queue[:] = queue[:size], queue[size:]
            future = client.submit(run_batch, shared, batch, pure=False)
            futures.append(future)
            running.add(future)

        for _ in range(min(2 * slots, len(queue))):
            submit()
        while running:
            if cancel is not None and cancel.is_set():
                raise Cancelled("cancelled")
            try:
                done, _ = wait(list(running), timeout=0.5, return_when="FIRST_COMPLETED")
            except TimeoutError:
                continue
            for future in done:
                running.discard(future)
                entries = future.result()
                times = [e["seconds"] for e in entries]
                if times:
                    pace["seconds_per_variant"] = sum(times) / len(times)
                finished(entries)
                if queue:
                    submit()
    finally:
        for future in futures:
            if not future.done():
                future.cancel()
        client.close()
        if cluster is not None:
            cluster.close()
        quiet.setLevel(level)
    return where


def _table(variants: list[dict], keys: list[str], results: dict) -> pd.DataFrame:
    rows = []
    for k, (overrides, key) in enumerate(zip(variants, keys), 1):
        entry = results.get(key, {"status": "not run"})
        row = {"variant": k, **{f"param_{name}": value for name, value in overrides.items()},
               "label": variant_label(overrides), "status": entry["status"], "error": entry.get("error"),
               "seconds": entry.get("seconds"), "from_cache": bool(entry.get("cached")), "key": key}
        row.update({c: v for c, v in entry.items()
                    if c not in ("key", "status", "error", "seconds", "cached")})
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in table.columns:  # parquet needs one type a column: mixed parameters become text
        if table[column].dtype == object and column.startswith("param_"):
            kinds = {type(v) for v in table[column].dropna()}
            if len(kinds) > 1:
                table[column] = table[column].map(lambda v: None if v is None else str(v))
    return table


def _summary(sweep: Sweep, table: pd.DataFrame, base, payload: Payload, seconds: float, where: str,
             cancelled: bool, state: Progress) -> dict:
    failed = table[table.status == "failed"]
    summary = {
        "project": base.name, "sweep": sweep.source, "design": sweep.design, "kpi": sweep.kpi,
        "parameters": [a.name for a in sweep.axes] or sorted({c[6:] for c in table.columns if c.startswith("param_")}),
        "variants": int(len(table)), "done": int((table.status == "done").sum()), "failed": int(len(failed)),
        "not_run": int((table.status == "not run").sum()), "from_cache": int(table.from_cache.sum()),
        "ran_now": state.ran, "cancelled": cancelled, "seconds": round(seconds, 2), "ran_on": where,
        "resolution_minutes": payload.resolution_minutes, "planner_version": __version__,
        "failures": [{"variant": int(r.variant), "overrides": r.label, "error": r.error} for r in failed.itertuples()],
        "columns": {c: d for c, d in _column_docs().items() if c in table.columns},
    }
    if sweep.design == "morris" and sweep.kpi in table.columns and not cancelled:
        y = pd.to_numeric(table[sweep.kpi], errors="coerce").to_numpy(dtype=float)
        effects = morris_effects(sweep.unit_points(), y, len(sweep.axes))
        summary["morris"] = {"kpi": sweep.kpi, "note": "mu* and sigma of the elementary effects on the unit scale "
                                                       "(Campolongo et al. 2007)",
                             "effects": {a.name: {"mu_star": effects[i][0], "sigma": effects[i][1]}
                                         for i, a in enumerate(sweep.axes)}}
    return summary


def _column_docs() -> dict:
    from planner.sweep.table import COLUMNS

    return {"variant": "variant number, in the sweep's order", "label": "the variant's overrides",
            "status": "done, failed or not run", "error": "why a variant failed",
            "seconds": "time the variant took", "from_cache": "taken from an earlier run of the same inputs",
            **COLUMNS}


def _write(out: Path, table: pd.DataFrame, summary: dict) -> None:
    import io

    from planner.io.file_safety import atomic_write_bytes

    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    atomic_write_bytes(out / "variants.parquet", buffer.getvalue())
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2, default=str))
