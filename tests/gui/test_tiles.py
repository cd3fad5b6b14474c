"""The background map against a tile server of the test's own on this machine (never the internet)."""

import http.server
import threading

import pytest
from PySide6.QtGui import QColor, QImage

from planner.gui import tiles
from planner.gui.tiles import TileProvider, lonlat_of, tile_of, zoom_for


def test_tile_arithmetic():
    x, y = tile_of(7.884, 48.457, 16)
    lon, lat = lonlat_of(x, y, 16)
    assert (lon, lat) == pytest.approx((7.884, 48.457), abs=1e-9)
    assert zoom_for(1.0, 48.5) == 17  # about 1 m per pixel at 48.5 deg north


@pytest.fixture
def tile_server():
    """A local HTTP server that answers every tile with a green PNG and counts the requests."""
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor("#4caf50"))
    from PySide6.QtCore import QBuffer, QIODevice

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    png = bytes(buffer.data())
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("User-Agent")))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_tiles_are_fetched_cached_and_drawn_and_absent_quietly_offline(window, small_project, tmp_path, qtbot,
                                                                        monkeypatch, tile_server):
    from planner.io import save_project

    base, seen = tile_server
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(tiles, "OPENSTREETMAP", TileProvider("local", base + "/{z}/{x}/{y}.png", "Background © test"))
    path = tmp_path / "village.gpkg"
    save_project(small_project, path)
    window.open_path(path)
    assert window.canvas.tiles is None or not window.canvas.tiles.enabled  # off until turned on
    assert not seen
    window.background_action.trigger()
    window.canvas.viewport().repaint()
    qtbot.waitUntil(lambda: len(list((tmp_path / "cache").rglob("*.png"))) > 0, timeout=10_000)
    assert seen and seen[0][1].startswith("PeergridPlanner/")
    assert "Background © test" in window._attribution.text()
    window.canvas.viewport().repaint()
    image = window.canvas.grab().toImage()
    greens = sum(1 for x in range(0, image.width(), 20) for y in range(0, image.height(), 20)
                 if image.pixelColor(x, y).name() == "#4caf50")
    assert greens > 10  # the tiles are drawn under the layers
    # offline: another provider that nobody answers; the map stays usable, one quiet message
    monkeypatch.setattr(tiles, "OPENSTREETMAP", TileProvider("dead", "http://127.0.0.1:9/{z}/{x}/{y}.png", "x"))
    window.canvas.tiles = None
    window._toggle_background(True)
    window.canvas.zoom(0.5)
    window.canvas.viewport().repaint()
    qtbot.waitUntil(lambda: "background map unavailable" in window.statusBar().currentMessage(), timeout=15_000)
    window.background_action.trigger()  # off again: no more requests, attribution gone
    assert "Background" not in window._attribution.text()
