"""Area and line layers drawn off the GUI thread into a cached image, as QGIS renders its layers.

Parcels, buildings, streets and cables can be tens of thousands of features: as one scene item
each they cost hundreds of milliseconds a frame. Here they are kept as geometries with a spatial
index (shapely's STRtree, for picking), turned into one painter path per layer and feature band,
and painted by a worker of Qt's thread pool into a ``QImage`` covering the view and a margin
around it. The view shows that image while it pans and zooms (a blit of a few milliseconds) and
asks for a new one when it has rested. Level of detail: a polygon smaller than about a pixel
at the render's scale is drawn as a dot, and outlines are simplified to half a pixel.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import shapely
from PySide6.QtCore import QObject, QPointF, QRectF, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF, QTransform

#: Layers drawn into the cached image rather than as scene items.
RENDERED_KINDS = ("parcel", "street", "building", "cable")
#: How far beyond the view the image reaches, as a share of the view on each side.
MARGIN = 0.5
#: How long one slice of a layer's painting may hold Python's GIL [s].
SLICE_S = 0.001
#: How long the render worker stands aside after an input event on the map [s].
HOLD_S = 0.25


class LayerData:
    """One rendered layer's features: ids, geometries (projected CRS), and a spatial index."""

    def __init__(self, features: dict):
        self.ids = list(features)
        self.geometries = np.array([features[i] for i in self.ids], dtype=object)
        self.tree = shapely.STRtree(self.geometries) if len(self.ids) else None
        self.areas = shapely.area(self.geometries) if len(self.ids) else np.zeros(0)

    def pick(self, x: float, y: float, tolerance: float) -> str | None:
        """The id of the feature at a point (the smallest area first, then the nearest line)."""
        if self.tree is None:
            return None
        point = shapely.Point(x, y)
        hits = self.tree.query(point.buffer(tolerance), predicate="intersects")
        if not len(hits):
            return None
        best = min(hits, key=lambda i: (self.areas[i] if self.areas[i] > 0 else 0.0,
                                        self.geometries[i].distance(point)))
        return self.ids[int(best)]


def _paths(geometries, tolerance: float) -> tuple[QPainterPath, QPolygonF]:
    """Outlines (simplified by ``tolerance`` metres) of the features big enough to see, and the
    centres of the rest as points; scene coordinates (north up)."""
    shapes, dots = QPainterPath(), QPolygonF()
    if not len(geometries):
        return shapes, dots
    small = np.zeros(len(geometries), dtype=bool)
    if tolerance > 0:
        bounds = shapely.bounds(geometries)
        extent = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
        small = extent < 2.0 * tolerance
    if small.any():
        centres = shapely.get_coordinates(shapely.centroid(geometries[small]))
        dots = QPolygonF([QPointF(x, -y) for x, y in centres])
    large = geometries[~small]
    if tolerance > 0 and len(large):
        large = shapely.simplify(large, tolerance, preserve_topology=False)
    large = large[~shapely.is_empty(large) & ~shapely.is_missing(large)] if len(large) else large
    if len(large):
        lines = shapely.get_type_id(large) == 1
        parts = list(large[lines])
        polygons = large[~lines]
        if len(polygons):
            parts.extend(shapely.get_rings(shapely.get_parts(polygons)))
        coords, index = shapely.get_coordinates(np.asarray(parts, dtype=object), return_index=True)
        shapes = _bulk_path(coords, index)
    return shapes, dots


def _bulk_path(coords: np.ndarray, index: np.ndarray) -> QPainterPath:
    """One painter path of many polylines and rings at once, through QPainterPath's binary form
    (the way pyqtgraph builds long paths): a move to each part's first point, lines to the rest."""
    from PySide6.QtCore import QByteArray, QDataStream

    n = len(coords)
    path = QPainterPath()
    if n == 0:
        return path
    elements = np.empty(n, dtype=[("type", ">i4"), ("x", ">f8"), ("y", ">f8")])
    elements["type"] = 1  # LineToElement
    elements["type"][np.r_[0, np.flatnonzero(np.diff(index)) + 1]] = 0  # MoveToElement starts a part
    elements["x"] = coords[:, 0]
    elements["y"] = -coords[:, 1]
    data = np.array([n], dtype=">i4").tobytes() + elements.tobytes() + np.array([0], dtype=">i4").tobytes()
    stream = QDataStream(QByteArray(data))
    stream >> path
    return path


class _Job(QRunnable):
    def __init__(self, renderer: "LayerRenderer", generation: int, rect: QRectF, size, scale: float, layers):
        super().__init__()
        self.renderer, self.generation, self.rect, self.size, self.scale, self.layers = (
            renderer, generation, rect, size, scale, layers)

    def run(self) -> None:
        started = time.perf_counter()
        image = QImage(self.size[0], self.size[1], QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        transform = QTransform()
        transform.scale(self.scale, self.scale)
        transform.translate(-self.rect.left(), -self.rect.top())
        painter.setTransform(transform)
        tolerance = 0.5 / self.scale  # half a pixel, in metres
        count, superseded = 200, False  # features in the next slice, adapted to SLICE_S
        window = shapely.box(self.rect.left(), -self.rect.bottom(), self.rect.right(), -self.rect.top())
        for data, pen, brush in self.layers:
            if data.tree is None:
                continue
            inside = np.sort(data.tree.query(window))
            # drawn a slice at a time: Qt's painting holds Python's GIL (PySide does not release it
            # there), so one path of 50,000 outlines stalled the GUI thread's clicks for a quarter
            # of a second. Each slice is sized to take about SLICE_S, and between slices the worker
            # stands aside while the person is using the map (see LayerRenderer.hold)
            start = 0
            while start < len(inside):
                if self.generation != self.renderer._latest:
                    superseded = True  # a newer view was asked for: this image would be thrown away
                    break
                self.renderer._stand_aside()
                piece = inside[start:start + count]
                start += len(piece)
                began = time.perf_counter()
                shapes, dots = _paths(data.geometries[piece], tolerance)
                painter.setPen(pen)
                painter.setBrush(brush)
                painter.drawPath(shapes)
                if not dots.isEmpty():  # features smaller than a pixel: a dot each, in the outline colour
                    dot = QPen(pen.color(), 2.0)
                    dot.setCosmetic(True)
                    painter.setPen(dot)
                    painter.drawPoints(dots)
                took = time.perf_counter() - began
                # the next slice's size: toward SLICE_S, at most twice as many at a step (a slice of
                # dots is quick, the polygons after it may not be)
                count = int(np.clip(count * min(2.0, SLICE_S / max(took, 1e-5)), 8, 1_000))
                time.sleep(0)  # offer the GIL to a waiting GUI thread
            if superseded:
                break
        painter.end()
        try:
            self.renderer._finished.emit(self.generation, image, self.rect, time.perf_counter() - started)
        except RuntimeError:  # the window closed while this image was drawn: nobody to show it to
            pass


class LayerRenderer(QObject):
    """Keeps the rendered layers' data and their cached image; ``updated`` asks for a repaint."""

    updated = Signal()
    _finished = Signal(int, QImage, QRectF, float)

    def __init__(self, styles: dict, parent=None):
        super().__init__(parent)
        self.styles = styles
        self.layers: dict[str, LayerData] = {kind: LayerData({}) for kind in RENDERED_KINDS}
        #: each layer split for drawing: surveyed features solid, derived or assumed ones dotted
        self._solid: dict[str, LayerData] = dict(self.layers)
        self._dotted: dict[str, LayerData] = dict(self.layers)
        self.visible = {kind: True for kind in RENDERED_KINDS}
        #: a layer drawn in colour classes instead of its style: kind -> [(colour, LayerData)]
        self.classes: dict[str, list] = {}
        self.image: QImage | None = None
        self.image_rect = QRectF()
        self.last_render_s = 0.0
        self._generation = itertools.count(1)
        self._latest = 0
        self._busy = False
        self._hold_until = 0.0
        self._last_used = time.perf_counter() - 3600.0  # never used yet
        self._closed = False
        self._finished.connect(self._take)
        # a pool of its own: Qt's painting on the GUI thread uses the global pool for image
        # conversions and, while it waits for them, runs queued jobs of that pool itself, which
        # put a whole render of the layers on the GUI thread (a click waited 80 ms for it)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # a newer request supersedes an older one, which stops early

    def set_layer(self, kind: str, features: dict, derived: set | frozenset = frozenset()) -> None:
        """Replace a layer's features (``{id: geometry}``); ``derived`` ids are drawn dotted
        (geometry the planner or a script derived or assumed, not surveyed)."""
        self.layers[kind] = LayerData(features)
        if derived:
            self._solid[kind] = LayerData({i: g for i, g in features.items() if i not in derived})
            self._dotted[kind] = LayerData({i: g for i, g in features.items() if i in derived})
        else:
            self._solid[kind], self._dotted[kind] = self.layers[kind], LayerData({})

    def set_classes(self, kind: str, groups: dict | None) -> None:
        """Draw a layer in colours (``{colour: {id: geometry}}``), or in its style again (None)."""
        if not groups:
            self.classes.pop(kind, None)
        else:
            self.classes[kind] = [(QColor(colour), LayerData(features)) for colour, features in groups.items()]

    def render(self, rect: QRectF, size: tuple[int, int], scale: float) -> int:
        """Ask for an image of ``rect`` (scene coordinates) at ``scale`` pixels per metre."""
        generation = next(self._generation)
        if self._closed:
            return generation  # the window has gone: nothing is drawn any more
        self._latest = generation
        layers = []
        for kind in RENDERED_KINDS:
            if not self.visible.get(kind, True):
                continue
            style = self.styles[kind]
            if kind in self.classes:  # a result on the map: each class in its colour, a little wider
                for colour, data in self.classes[kind]:
                    pen = QPen(colour, style.width + (0.5 if style.fill else 1.5))
                    pen.setCosmetic(True)
                    fill = QColor(colour)
                    fill.setAlpha(150)
                    layers.append((data, pen, QBrush(fill) if style.fill else QBrush()))
                continue
            pen = QPen(QColor(style.stroke), style.width)
            pen.setCosmetic(True)
            brush = QBrush(QColor(style.fill)) if style.fill else QBrush()
            layers.append((self._solid[kind], pen, brush))
            dotted = QPen(pen)
            dotted.setStyle(Qt.PenStyle.DotLine)
            layers.append((self._dotted[kind], dotted, brush))
        self.pool.start(_Job(self, generation, QRectF(rect), size, scale, layers))
        return generation

    def hold(self, seconds: float = HOLD_S) -> None:
        """The person is using the map (a press, a move, a key): the render worker pauses between
        slices for ``seconds`` so that the GUI thread's handlers never wait for Python's GIL."""
        self._hold_until = time.perf_counter() + seconds
        self._last_used = time.perf_counter()

    def idle_s(self) -> float:
        """Seconds since the person last used the map (an hour and more when never)."""
        return time.perf_counter() - self._last_used

    def _stand_aside(self) -> None:
        # sleeping releases the GIL; a long hold still ends: at most a second per slice
        limit = time.perf_counter() + 1.0
        while time.perf_counter() < min(self._hold_until, limit):
            time.sleep(0.003)

    def wait(self, msecs: int = 5000) -> bool:
        """Wait for the workers (tests, screenshots, benchmarks)."""
        return self.pool.waitForDone(msecs)

    def shutdown(self, msecs: int = 5000) -> bool:
        """Stop drawing before the window goes: queued images are dropped, the one being drawn
        stops at its next slice, and its thread is waited for. A Qt thread still running Python
        when the interpreter finalises aborts the process ("terminate called without an active
        exception"), so this must end before Python does."""
        self._closed = True
        self._latest = -1  # every job in flight is superseded
        self.pool.clear()
        self._hold_until = 0.0
        return self.pool.waitForDone(msecs)

    def _take(self, generation: int, image: QImage, rect: QRectF, seconds: float) -> None:
        if generation != self._latest:
            return  # an older request: a newer view is on its way
        self.image, self.image_rect, self.last_render_s = image, rect, seconds
        self.updated.emit()

    def paint(self, painter: QPainter) -> None:
        """Blit the cached image where it belongs in the scene."""
        if self.image is not None:
            painter.drawImage(self.image_rect, self.image)

    def pick(self, x: float, y: float, tolerance: float) -> tuple[str, str] | None:
        """The topmost visible rendered feature at a point: (kind, id), or None."""
        for kind in reversed(RENDERED_KINDS):
            if not self.visible.get(kind, True):
                continue
            hit = self.layers[kind].pick(x, y, tolerance)
            if hit is not None:
                return kind, hit
        return None
