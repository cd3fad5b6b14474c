"""Result folders are written whole: no mixing of runs, no leftovers, nothing of the user's lost."""

import json
import os
import threading

import pytest

from planner.io.run_folder import MARKER, OutputFolderError, check_output_folder, output_folder


def _write_run(folder, tag, names, pause=None):
    with output_folder(folder) as staging:
        for name in names:
            (staging / name).write_text(tag)
            if pause is not None:
                pause.wait(5)


def test_a_run_replaces_the_earlier_one_whole(tmp_path):
    out = tmp_path / "out"
    _write_run(out, "first", ["summary.json", "shapley.csv"])
    _write_run(out, "second", ["summary.json"])
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "summary.json"]  # shapley.csv went with run 1
    assert (out / "summary.json").read_text() == "second"
    assert json.loads((out / MARKER).read_text())["command"] == "run"
    assert [p.name for p in tmp_path.iterdir()] == ["out", ".out.lock"] or \
        sorted(p.name for p in tmp_path.iterdir()) == [".out.lock", "out"]


def test_two_runs_at_once_never_mix(tmp_path):
    out = tmp_path / "out"
    gate = threading.Event()
    slow = threading.Thread(target=_write_run, args=(out, "slow", ["summary.json", "members.csv"], gate))
    slow.start()
    _write_run(out, "fast", ["summary.json", "members.csv"])
    gate.set()
    slow.join()
    tags = {(out / name).read_text() for name in ("summary.json", "members.csv")}
    assert len(tags) == 1  # one run's files, whichever finished last


def test_a_failing_run_leaves_the_earlier_results(tmp_path):
    out = tmp_path / "out"
    _write_run(out, "good", ["summary.json"])
    with pytest.raises(RuntimeError):
        with output_folder(out) as staging:
            (staging / "summary.json").write_text("half")
            raise RuntimeError("the simulation failed")
    assert (out / "summary.json").read_text() == "good"
    assert not [p for p in tmp_path.iterdir() if ".writing-" in p.name]


def test_a_folder_with_the_users_files_is_never_replaced(tmp_path):
    (tmp_path / "thesis.docx").write_text("years of work")
    with pytest.raises(OutputFolderError, match="not a planner run's"):
        check_output_folder(tmp_path)
    assert (tmp_path / "thesis.docx").read_text() == "years of work"


def test_an_older_run_without_the_marker_may_be_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("{}")
    (out / "units_kw.parquet").write_bytes(b"x")
    _write_run(out, "new", ["summary.json"])
    assert not (out / "units_kw.parquet").exists()


def test_empty_paths_and_files_are_refused(tmp_path):
    with pytest.raises(OutputFolderError, match="empty"):
        check_output_folder("")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputFolderError, match="is a file"):
        check_output_folder(tmp_path / "file")


def test_staging_folders_of_killed_runs_are_removed(tmp_path):
    dead = tmp_path / ".out.writing-99999999-0123abcd"
    dead.mkdir()
    alive = tmp_path / f".out.writing-{os.getppid()}-0123abcd"
    alive.mkdir()
    _write_run(tmp_path / "out", "x", ["summary.json"])
    assert not dead.exists() and alive.exists()


def test_planner_run_writes_a_whole_folder(tmp_path):
    """End to end: a second run into the same folder leaves only its own files."""
    from planner.cli import main
    from planner.io import save_project
    from tests.conftest import make_runnable_project

    project = tmp_path / "village.gpkg"
    save_project(make_runnable_project(), project)
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("{}")
    (out / "stale_from_an_old_version.csv").write_text("old")
    assert main(["run", str(project), "-o", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert "summary.json" in names and "members.csv" in names and "stale_from_an_old_version.csv" not in names
