"""A normal (non-editable) install works: the wheel carries every package and the resources.

The wheel is built from this checkout and installed into a fresh virtual environment whose
third-party packages come from the test environment (a path entry, so nothing is downloaded);
the planner itself comes only from the wheel. That environment then runs the sample.
"""

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    # build from a copy: setuptools writes build/ and *.egg-info beside the sources
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis",
        "artifacts", "sample_projects"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"),
                            str(source)], capture_output=True, text=True, timeout=600)
    if built.returncode != 0:
        pytest.fail(f"building the wheel failed: {built.stderr[-1000:]}")
    wheel = next((work / "dist").glob("peergrid_planner-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # third-party packages from the test environment; its editable planner is not on this path
    (site / "third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                              str(wheel)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    return python, work


def test_the_wheel_holds_every_package_and_the_resources(installed):
    python, work = installed
    probe = subprocess.run([str(python), "-c", (
        "import planner, pkgutil, json; from planner.economics.costs import load_catalogue; "
        "print(json.dumps({'file': planner.__file__, 'technologies': list(load_catalogue().index), "
        "'modules': sorted(m.name for m in pkgutil.walk_packages(planner.__path__, 'planner.'))}))")],
        capture_output=True, text=True, cwd=work)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    assert str(work / "venv") in found["file"]  # the wheel's copy, not this checkout
    assert "pv_roof" in found["technologies"]
    in_checkout = sorted("planner." + ".".join(p.relative_to(ROOT / "planner").with_suffix("").parts)
                         for p in (ROOT / "planner").rglob("*.py") if p.name != "__init__.py")
    missing = [m for m in in_checkout if m not in found["modules"]]
    assert not missing, f"the wheel lacks {missing}: list their packages in pyproject.toml"


def test_the_installed_planner_runs_the_sample(installed, sample_path):
    python, work = installed
    result = subprocess.run([str(python), "-m", "planner", "run", str(sample_path), "-o", str(work / "out")],
                            capture_output=True, text=True, cwd=work, timeout=600)
    assert result.returncode == 0, result.stderr
    summary = json.loads((work / "out" / "summary.json").read_text())
    assert summary["indexes"]["finance"]["capex_eur"] > 0  # the cost catalogue was found
