"""An optional background map of XYZ tiles (OpenStreetMap by default), off until turned on.

Tiles are fetched with Qt's network access manager (asynchronous: the GUI never waits),
kept in a cache on disk, and drawn under the project's layers, each tile warped from Web
Mercator into the project's CRS through its four corners. Offline, or when the server says no,
the background stays empty and the app says so once in the status bar; nothing else changes.
OpenStreetMap's tile usage policy asks for an identifying User-Agent and for the attribution,
which the status bar shows while the background is on.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRectF, QUrl, Signal
from PySide6.QtGui import QImage, QPainter, QPolygonF, QTransform

from planner import __version__, user_cache


@dataclass(frozen=True)
class TileProvider:
    """An XYZ tile service: its URL template, attribution and zoom range."""

    name: str
    url: str  # with {z}, {x}, {y}
    attribution: str
    max_zoom: int = 19


OPENSTREETMAP = TileProvider("OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                             "Background © OpenStreetMap contributors (ODbL)")


def cache_folder() -> Path:
    """Where tiles are kept (``$XDG_CACHE_HOME/peergrid/tiles``)."""
    return user_cache("tiles")


def tile_of(lon: float, lat: float, z: int) -> tuple[float, float]:
    """Fractional XYZ tile coordinates of a position (Web Mercator)."""
    n = 2 ** z
    x = (lon + 180.0) / 360.0 * n
    lat_rad = math.radians(max(min(lat, 85.0511), -85.0511))
    y = (1.0 - math.asinh(math.tan(lat_rad)) / math.pi) / 2.0 * n
    return x, y


def lonlat_of(x: float, y: float, z: int) -> tuple[float, float]:
    """The position of fractional tile coordinates."""
    n = 2 ** z
    lon = x / n * 360.0 - 180.0
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    return lon, lat


def zoom_for(metres_per_pixel: float, latitude: float, max_zoom: int = 19) -> int:
    """The tile zoom whose pixels are about the screen's (256-pixel tiles)."""
    equator = 156_543.033928 * math.cos(math.radians(latitude))
    z = math.log2(equator / max(metres_per_pixel, 1e-6))
    return int(min(max(round(z), 1), max_zoom))


class TileLayer(QObject):
    """Fetches, caches and draws the tiles of a view; ``changed`` asks for a repaint."""

    changed = Signal()
    failed = Signal(str)

    def __init__(self, crs: str, provider: TileProvider | None = None, parent=None):
        super().__init__(parent)
        from pyproj import Transformer

        self.provider = provider if provider is not None else OPENSTREETMAP
        self.enabled = False
        self._to_project = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        self._images: dict[tuple[int, int, int], QImage] = {}
        self._pending: set[tuple[int, int, int]] = set()
        self._failed_once = False
        self._network = None

    def _manager(self):
        if self._network is None:
            from PySide6.QtNetwork import QNetworkAccessManager

            self._network = QNetworkAccessManager(self)
            self._network.finished.connect(self._arrived)
        return self._network

    def _cache_path(self, key) -> Path:
        z, x, y = key
        return cache_folder() / self.provider.name / str(z) / str(x) / f"{y}.png"

    def tiles_for(self, scene_rect: QRectF, metres_per_pixel: float) -> list[tuple[int, int, int]]:
        """The tiles that cover a view (scene coordinates: x east, y = -north)."""
        corners = [(scene_rect.left(), -scene_rect.top()), (scene_rect.right(), -scene_rect.bottom())]
        (lon0, lat0), (lon1, lat1) = (self._to_wgs84.transform(x, y) for x, y in corners)
        z = zoom_for(metres_per_pixel, (lat0 + lat1) / 2.0, self.provider.max_zoom)
        x0, y0 = tile_of(min(lon0, lon1), max(lat0, lat1), z)
        x1, y1 = tile_of(max(lon0, lon1), min(lat0, lat1), z)
        if (x1 - x0 + 1) * (y1 - y0 + 1) > 400:  # a view far too wide for this zoom: draw nothing
            return []
        return [(z, x, y) for x in range(int(x0), int(x1) + 1) for y in range(int(y0), int(y1) + 1)]

    def paint(self, painter: QPainter, scene_rect: QRectF, metres_per_pixel: float) -> int:
        """Draw the tiles of the view that are at hand and ask for the rest; return how many drawn."""
        if not self.enabled:
            return 0
        drawn = 0
        for key in self.tiles_for(scene_rect, metres_per_pixel):
            image = self._images.get(key)
            if image is None:
                image = self._from_cache(key)
            if image is None:
                self._request(key)
                continue
            self._draw(painter, key, image)
            drawn += 1
        return drawn

    def _draw(self, painter: QPainter, key, image: QImage) -> None:
        z, x, y = key
        corners = [lonlat_of(x + dx, y + dy, z) for dx, dy in ((0, 0), (1, 0), (1, 1), (0, 1))]
        target = QPolygonF([QPointF(px, -py) for px, py in (self._to_project.transform(lon, lat)
                                                            for lon, lat in corners)])
        source = QPolygonF([QPointF(0, 0), QPointF(image.width(), 0), QPointF(image.width(), image.height()),
                            QPointF(0, image.height())])
        transform = QTransform()
        if not QTransform.quadToQuad(source, target, transform):
            return
        painter.save()
        painter.setTransform(transform, True)
        painter.drawImage(0, 0, image)
        painter.restore()

    def _from_cache(self, key) -> QImage | None:
        path = self._cache_path(key)
        if not path.exists():
            return None
        image = QImage(str(path))
        if image.isNull():
            return None
        self._images[key] = image
        return image

    def _request(self, key) -> None:
        from PySide6.QtNetwork import QNetworkRequest

        if key in self._pending or len(self._pending) > 64:
            return
        z, x, y = key
        request = QNetworkRequest(QUrl(self.provider.url.format(z=z, x=x, y=y)))
        request.setRawHeader(b"User-Agent", f"PeergridPlanner/{__version__} (community energy planning)".encode())
        request.setTransferTimeout(10_000)
        request.setAttribute(QNetworkRequest.Attribute.User, f"{z}/{x}/{y}")
        self._pending.add(key)
        self._manager().get(request)

    def _arrived(self, reply) -> None:
        from PySide6.QtNetwork import QNetworkReply, QNetworkRequest

        text = reply.request().attribute(QNetworkRequest.Attribute.User)
        key = tuple(int(v) for v in str(text).split("/")) if text else None
        self._pending.discard(key)
        try:
            if reply.error() != QNetworkReply.NetworkError.NoError:
                if not self._failed_once:
                    self._failed_once = True
                    self.failed.emit(f"background map unavailable ({reply.errorString()}); the plan is unaffected")
                return
            data = bytes(reply.readAll())
            image = QImage.fromData(data)
            if image.isNull() or key is None:
                return
            self._images[key] = image
            path = self._cache_path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            os.replace(tmp, path)  # never a half-written tile in the cache
            self.changed.emit()
        finally:
            reply.deleteLater()
