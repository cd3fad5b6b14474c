"""Running sweeps: in this process, on a LocalCluster and on a real Dask cluster of separate
processes; failures, the cache and Ctrl+C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.io.project_file import load_project, save_project
from planner.simulation import overrides as ov
from planner.sweep.definition import parse_sweep
from planner.sweep.runner import run_sweep
from planner.sweep.table import kpi_row
from tests.conftest import make_runnable_project

VARIANTS = [{"pv_scale": 0.5}, {"battery_kwh": 0, "chp": False},
            {"import_price_factor": 1.3, "benefit_scheme": "mmr", "capex_factor_pv": 0.7}]
BIN = Path(sys.executable).parent


@pytest.fixture
def village(tmp_path) -> Path:
    path = tmp_path / "village.gpkg"
    save_project(make_runnable_project(), path)
    return path


def listed(variants, **head) -> object:
    return parse_sweep({"sweep": {"design": "list", **head}, "variants": variants}, "test sweep")


def one_by_one(path: Path, variants: list[dict]) -> list[dict]:
    """The same variants, each applied and simulated on its own, without the sweep's machinery."""
    from planner.economics.costs import load_catalogue
    from planner.simulation.run import simulate
    from planner.simulation.summary import summary_dict

    rows = []
    for overrides in variants:
        variant = ov.apply(load_project(path), overrides)
        result = simulate(variant.project, shapley_samples=0, costs_path=variant.catalogue(load_catalogue()))
        rows.append(kpi_row(summary_dict(result)))
    return rows


def assert_rows_equal(table: pd.DataFrame, expected: list[dict]) -> None:
    assert list(table.status) == ["done"] * len(expected)
    for (_, got), want in zip(table.iterrows(), expected):
        for column, value in want.items():
            if isinstance(value, float):
                assert got[column] == pytest.approx(value, rel=1e-9, abs=1e-9), column
            else:
                assert got[column] == value, column


def test_a_local_cluster_sweep_gives_the_results_of_running_the_variants_one_by_one(village, tmp_path):
    outcome = run_sweep(village, listed(VARIANTS), tmp_path / "out", workers=2)
    assert outcome.summary["ran_on"] == "a Dask LocalCluster of 2 workers"
    assert_rows_equal(outcome.table, one_by_one(village, VARIANTS))
    # the variants differ as their overrides say
    t = outcome.table
    assert t.generation_kwh[0] < t.generation_kwh[2]  # half the PV
    assert t.bill_grid_only_eur[2] > t.bill_grid_only_eur[0] * 1.2  # prices up 30 %
    stored = pd.read_parquet(tmp_path / "out" / "variants.parquet")
    assert len(stored) == 3 and "param_pv_scale" in stored and "self_sufficiency" in stored
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["done"] == 3 and summary["failed"] == 0 and summary["variants"] == 3


def test_a_failing_variant_is_reported_and_the_others_finish(village, tmp_path):
    broken = tmp_path / "broken.epw"
    broken.write_text("LOCATION,Nowhere\nthis is no weather file\n", encoding="utf-8")
    variants = [{"pv_scale": 0.5}, {"weather": str(broken)}, {"battery_kwh": 0}]
    outcome = run_sweep(village, listed(variants), tmp_path / "out", serial=True)
    t = outcome.table
    assert list(t.status) == ["done", "failed", "done"]
    assert "broken.epw" in t.error[1]
    assert outcome.summary["failed"] == 1
    assert outcome.summary["failures"][0]["variant"] == 2
    assert np.isfinite(t.self_sufficiency[0]) and np.isfinite(t.self_sufficiency[2])


def test_the_cache_runs_only_what_is_new(village, tmp_path):
    out = tmp_path / "out"
    first = run_sweep(village, listed(VARIANTS[:2]), out, serial=True)
    assert first.summary["ran_now"] == 2 and first.summary["from_cache"] == 0
    again = run_sweep(village, listed(VARIANTS[:2]), out, serial=True)
    assert again.summary["ran_now"] == 0 and again.summary["from_cache"] == 2
    pd.testing.assert_frame_equal(first.table.drop(columns=["from_cache"]), again.table.drop(columns=["from_cache"]))
    extended = run_sweep(village, listed(VARIANTS), out, serial=True)
    assert extended.summary["ran_now"] == 1 and extended.summary["from_cache"] == 2
    # another resolution is another variant
    quarter = run_sweep(village, listed(VARIANTS[:1], resolution_minutes=15), out, serial=True)
    assert quarter.summary["ran_now"] == 1
    # a sweep file that names no step takes the project's own (a 15-minute project: 15 minutes)
    import dataclasses

    project = load_project(village)
    project.study = dataclasses.replace(project.study, resolution_minutes=15)
    save_project(project, village)
    own = run_sweep(village, listed(VARIANTS[:1]), out, serial=True)
    assert own.summary["resolution_minutes"] == 15 and own.summary["from_cache"] == 0


def _wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_sweep_runs_on_a_real_dask_scheduler_with_two_workers(village, tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes on localhost, as on other machines:
    the project travels with the tasks (the workers run in another folder)."""
    dask = shutil.which("dask", path=str(BIN)) or pytest.fail("the dask command is missing from the venv")
    scheduler_file = tmp_path / "scheduler.json"
    elsewhere = tmp_path / "worker-home"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    processes = [subprocess.Popen([dask, "scheduler", "--scheduler-file", str(scheduler_file), "--port", "0",
                                   "--no-dashboard"], cwd=elsewhere, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        _wait_for(scheduler_file.exists, 60, "the scheduler")
        address = _wait_for(lambda: json.loads(scheduler_file.read_text() or "{}").get("address"), 30, "its address")
        for _ in range(2):
            processes.append(subprocess.Popen([dask, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                               "--no-dashboard"], cwd=elsewhere, env=env,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=90)
        sweep_file = tmp_path / "sweep.toml"
        sweep_file.write_text('[sweep]\ndesign = "grid"\n[parameters]\npv_scale = [0.5, 1.0]\nchp = [true, false]\n',
                              encoding="utf-8")
        from planner.cli import main

        out = tmp_path / "out"
        assert main(["sweep", str(village), str(sweep_file), "-o", str(out), "--scheduler", address]) == 0
        summary = json.loads((out / "summary.json").read_text())
        assert summary["done"] == 4 and summary["ran_on"] == f"the Dask cluster at {address}"
        table = pd.read_parquet(out / "variants.parquet")
        variants = [{"pv_scale": s, "chp": c} for s in (0.5, 1.0) for c in (True, False)]
        assert_rows_equal(table, one_by_one(village, variants))
        assert (out / "tornado.png").stat().st_size > 5000 and (out / "pareto.png").stat().st_size > 5000
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_ctrl_c_stops_a_sweep_and_the_next_run_goes_on(village, tmp_path):
    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text('[sweep]\ndesign = "grid"\n[parameters]\npv_scale = [0.25, 0.5, 0.75, 1.0, 1.25, 1.5]\n',
                          encoding="utf-8")
    out = tmp_path / "out"
    command = [str(BIN / "planner"), "sweep", str(village), str(sweep_file), "-o", str(out), "--serial"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: list((out / "cache").glob("*.json")) if (out / "cache").exists() else None, 180,
                  "the first finished variant")
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "cancelled" in stderr and "the same command goes on" in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cancelled"] and 1 <= summary["done"] < 6
    finished = summary["done"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["done"] == 6 and summary["from_cache"] >= finished and not summary["cancelled"]


def test_a_weather_file_is_part_of_the_cache_key_by_its_content(tmp_path):
    from planner.sweep.runner import _file_digest, variant_key

    weather = tmp_path / "site.epw"
    weather.write_text("first version", encoding="utf-8")
    overrides = {"weather": str(weather)}
    before = variant_key("p", overrides, 60, _file_digest(str(weather), {}))
    weather.write_text("second version", encoding="utf-8")
    after = variant_key("p", overrides, 60, _file_digest(str(weather), {}))
    assert before != after
    assert _file_digest("dwd-try2010-12", {}) == ""  # a bundled station is named, not read
