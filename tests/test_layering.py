"""The core never imports Qt: it runs with PySide6 made unimportable."""

import subprocess
import sys
import textwrap

from tests.conftest import ROOT


def test_core_runs_without_qt(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        sys.modules["PySide6"] = None  # any import of PySide6 now raises ImportError
        sys.modules["shiboken6"] = None
        sys.path.insert(0, {str(ROOT)!r})
        import planner, planner.nomenclature, planner.model, planner.model.commands
        import planner.io, planner.io.project_file, planner.io.migrations, planner.cli, planner.weather
        from tests.conftest import make_small_project
        from planner.io import save_project, load_project
        path = {str(tmp_path / "p.gpkg")!r}
        save_project(make_small_project(), path)
        assert load_project(path).counts()["pv_unit"] == 2
        assert planner.cli.main(["validate", path]) == 0
        assert not any(m.startswith("PySide6.") for m in sys.modules)
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


def test_import_contracts():
    """import-linter's contracts in pyproject.toml (Qt only in planner.gui, layers point down)."""
    import shutil

    lint = shutil.which("lint-imports", path=str(ROOT / ".venv" / "bin")) or shutil.which("lint-imports")
    assert lint, "import-linter is part of the test extras"
    result = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
