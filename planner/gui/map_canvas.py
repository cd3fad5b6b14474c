"""The map: a QGraphicsView over a scene in the project's projected CRS (metres).

Scene coordinates are ``(easting, -northing)`` so that north is up. Point objects (units,
buses, consumers, stations) are scene items: each kind a layer, an empty parent item whose
children are the objects, so a layer is shown, hidden and stacked as one; their symbols keep
their size on screen and can be dragged. Area and line layers (parcels, streets, buildings,
cables), which may hold tens of thousands of features, are drawn off the GUI thread into a
cached image (:mod:`planner.gui.layer_render`) and picked through a spatial index; the picked
feature is shown by a highlight item that carries its kind and id, so selecting works alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsEllipseItem, QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QGraphicsScene,
    QGraphicsView,
)

from planner.gui.layer_render import RENDERED_KINDS, LayerRenderer
from planner.model import Change, Entity, Project

KIND_ROLE = 0
ID_ROLE = 1
VERTEX_ROLE = 2


@dataclass(frozen=True)
class LayerStyle:
    """How one kind of object is drawn."""

    title: str
    z: float
    stroke: str
    fill: str | None = None  # "#RRGGBB" or "#AARRGGBB" (Qt order: alpha first)
    width: float = 1.0
    symbol: str | None = None  # "circle", "square", "diamond" for points
    size: float = 6.0  # point symbol size in screen pixels


#: Drawing order and look of every layer, bottom to top.
LAYER_STYLES: dict[str, LayerStyle] = {
    "parcel": LayerStyle("Parcels", 0, "#5a8f3c", "#305a8f3c", 1.0),
    "street": LayerStyle("Streets", 1, "#9aa3ad", None, 1.5),
    "building": LayerStyle("Buildings", 2, "#7a6a52", "#d9ccb4", 1.0),
    "cable": LayerStyle("Cables", 3, "#1f5fa8", None, 1.6),
    "bus": LayerStyle("Buses", 4, "#17375e", "#17375e", 1.0, "circle", 3.5),
    "consumer": LayerStyle("Consumers", 5, "#6a3d9a", "#cab2d6", 1.0, "circle", 5.0),
    "pv_unit": LayerStyle("PV units", 6, "#8a6d00", "#f5c400", 1.0, "square", 8.0),
    "wind_turbine": LayerStyle("Wind turbines", 6, "#005f73", "#48cae4", 1.0, "diamond", 11.0),
    "chp_unit": LayerStyle("CHP units", 6, "#7f1d1d", "#ef4444", 1.0, "circle", 10.0),
    "battery": LayerStyle("Batteries", 6, "#14532d", "#4ade80", 1.0, "square", 9.0),
    "transformer": LayerStyle("Transformers", 7, "#7c2d12", "#fb923c", 1.2, "square", 11.0),
    "external_grid": LayerStyle("Upstream connections", 8, "#7f1d1d", "#dc2626", 1.2, "diamond", 14.0),
}


def scene_point(x: float, y: float) -> QPointF:
    """Projected coordinates (metres) to scene coordinates (north up)."""
    return QPointF(x, -y)


def _path_of(geometry) -> QPainterPath:
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    kind = geometry.geom_type
    if kind == "LineString":
        coords = list(geometry.coords)
        path.moveTo(scene_point(*coords[0][:2]))
        for c in coords[1:]:
            path.lineTo(scene_point(*c[:2]))
    elif kind in ("Polygon", "MultiPolygon"):
        polygons = geometry.geoms if kind == "MultiPolygon" else [geometry]
        for polygon in polygons:
            for ring in [polygon.exterior, *polygon.interiors]:
                path.addPolygon(QPolygonF([scene_point(*c[:2]) for c in ring.coords]))
                path.closeSubpath()
    return path


def _symbol(style: LayerStyle, pen: QPen, brush: QBrush) -> QGraphicsItem:
    s = style.size
    if style.symbol == "circle":
        item = QGraphicsEllipseItem(-s / 2, -s / 2, s, s)
    elif style.symbol == "diamond":
        path = QPainterPath()
        path.addPolygon(QPolygonF([QPointF(0, -s / 2), QPointF(s / 2, 0), QPointF(0, s / 2),
                                   QPointF(-s / 2, 0), QPointF(0, -s / 2)]))
        item = QGraphicsPathItem(path)
    else:
        item = QGraphicsRectItem(-s / 2, -s / 2, s, s)
    item.setPen(pen)
    item.setBrush(brush)
    item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
    return item


def scale_bar_length(metres_per_pixel: float, target_pixels: float) -> tuple[float, int]:
    """A round length (1, 2 or 5 times a power of ten) near ``target_pixels`` on screen."""
    import math

    want = metres_per_pixel * target_pixels
    power = 10.0 ** math.floor(math.log10(want))
    metres = max(step * power for step in (1, 2, 5) if step * power <= want)
    return metres, max(1, round(metres / metres_per_pixel))


def _draft_pen() -> QPen:
    pen = QPen(QColor("#d81b60"), 2.0, Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    return pen


class MapScene(QGraphicsScene):
    """Draws a project's layers and keeps them in step with the project's changes."""

    #: The rendered layers' data changed: the view asks for a new image.
    rendered_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project: Project | None = None
        self._layers: dict[str, QGraphicsItem] = {}
        self._items: dict[tuple[str, str], QGraphicsItem] = {}
        self._pens: dict[str, QPen] = {}
        self._brushes: dict[str, QBrush] = {}
        self._features: dict[str, dict] = {kind: {} for kind in RENDERED_KINDS}
        self._highlight: QGraphicsPathItem | None = None
        self.renderer = LayerRenderer(LAYER_STYLES, self)
        self.setBackgroundBrush(QColor("#f4f1ea"))
        self._make_layers()
        self.selectionChanged.connect(self._drop_unselected_highlight)

    def _make_layers(self) -> None:
        for kind, style in LAYER_STYLES.items():
            parent = QGraphicsRectItem()
            parent.setPen(QPen(Qt.PenStyle.NoPen))
            parent.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)
            parent.setZValue(style.z)
            self.addItem(parent)
            self._layers[kind] = parent
            pen = QPen(QColor(style.stroke), style.width)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            self._pens[kind] = pen
            self._brushes[kind] = QBrush(QColor(style.fill)) if style.fill else QBrush(Qt.BrushStyle.NoBrush)

    # ------------------------------------------------------------------ project
    def set_project(self, project: Project | None) -> None:
        if self.project is not None:
            self.project.unsubscribe(self._on_change)
        self.clear_items()
        self.project = project
        if project is None:
            for kind in RENDERED_KINDS:
                self.renderer.set_layer(kind, {})
            self.rendered_changed.emit()
            return
        self._features = {kind: {} for kind in RENDERED_KINDS}
        for kind in LAYER_STYLES:
            for entity in project.items(kind).values():
                self._add_entity(entity)
        for kind in RENDERED_KINDS:
            self.renderer.set_layer(kind, self._features[kind])
        self._fan_out()
        project.subscribe(self._on_change)
        self.rendered_changed.emit()

    #: Point objects closer than this share a place [m] and are fanned out around it on screen.
    SAME_PLACE_M = 1.0
    #: Distance of fanned-out symbols from their shared place [px].
    FAN_RADIUS_PX = 11.0

    def _fan_out(self) -> None:
        """Symbols at one place (a CHP and a battery at a transformer) are set around it on a
        small circle, in pixels, so that none hides another; their position stays the true one."""
        import math

        from PySide6.QtGui import QTransform

        places: dict[tuple[int, int], list[QGraphicsItem]] = {}
        for (kind, _id), item in self._items.items():
            if LAYER_STYLES[kind].symbol is None or kind in ("bus", "consumer"):
                continue
            key = (round(item.pos().x() / self.SAME_PLACE_M), round(item.pos().y() / self.SAME_PLACE_M))
            places.setdefault(key, []).append(item)
        for items in places.values():
            if len(items) == 1:
                items[0].setTransform(QTransform())
                continue
            items.sort(key=lambda i: (LAYER_STYLES[i.data(KIND_ROLE)].z, str(i.data(ID_ROLE))))
            for k, item in enumerate(items):
                angle = 2 * math.pi * k / len(items) - math.pi / 2
                item.setTransform(QTransform.fromTranslate(self.FAN_RADIUS_PX * math.cos(angle),
                                                           self.FAN_RADIUS_PX * math.sin(angle)))

    def clear_items(self) -> None:
        """Remove every object's item and the rendered layers' features."""
        self._drop_highlight()
        for item in self._items.values():
            self.removeItem(item)
        self._items.clear()
        self._features = {kind: {} for kind in RENDERED_KINDS}

    def _add_entity(self, entity: Entity) -> None:
        kind = entity.KIND
        style = LAYER_STYLES[kind]
        geometry = entity.geometry
        if kind in RENDERED_KINDS:  # (a dict of its own per load; changes replace it, never mutate it)
            self._features[kind][entity.id] = geometry
            return
        if style.symbol is not None:
            item = _symbol(style, self._pens[kind], self._brushes[kind])
            item.setPos(scene_point(geometry.x, geometry.y))
        else:
            item = QGraphicsPathItem(_path_of(geometry))
            pen = self._pens[kind]
            if not getattr(entity, "in_service", True):
                pen = QPen(pen)
                pen.setStyle(Qt.PenStyle.DashLine)
            item.setPen(pen)
            item.setBrush(self._brushes[kind])
        item.setData(KIND_ROLE, kind)
        item.setData(ID_ROLE, entity.id)
        item.setToolTip(entity.describe())
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        if style.symbol is not None:  # point objects move by dragging (one undoable edit on release)
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
        item.setParentItem(self._layers[kind])
        self._items[(kind, entity.id)] = item

    def _on_change(self, change: Change) -> None:
        if change.kind not in LAYER_STYLES:
            return
        if change.kind in RENDERED_KINDS:
            features = dict(self._features[change.kind])
            features.pop(change.id, None)
            if change.action in ("added", "changed"):
                features[change.id] = self.project.get(change.kind, change.id).geometry
            self._features[change.kind] = features
            self.renderer.set_layer(change.kind, features)
            if self._highlight is not None and self._highlight.data(KIND_ROLE) == change.kind \
                    and self._highlight.data(ID_ROLE) == change.id:
                was_selected = self._highlight.isSelected()
                self._drop_highlight()
                if was_selected and change.action == "changed":  # reshaped or edited: stay selected
                    self.select_feature(change.kind, change.id)
            self.rendered_changed.emit()
            return
        key = (change.kind, change.id)
        old = self._items.pop(key, None)
        if old is not None:
            self.removeItem(old)
        if change.action in ("added", "changed"):
            self._add_entity(self.project.get(change.kind, change.id))
        if LAYER_STYLES[change.kind].symbol is not None:
            self._fan_out()

    # ------------------------------------------------------------------ queries
    def layer(self, kind: str) -> QGraphicsItem:
        return self._layers[kind]

    def item_for(self, kind: str, id: str) -> QGraphicsItem | None:
        """The item of an object; for a rendered layer, its highlight (made on demand)."""
        if kind in RENDERED_KINDS:
            return self.highlight(kind, id)
        return self._items.get((kind, id))

    def item_count(self, kind: str) -> int:
        """How many objects of a kind the map shows."""
        if kind in RENDERED_KINDS:
            return len(self._features[kind])
        return len(self._layers[kind].childItems())

    def highlight(self, kind: str, id: str) -> QGraphicsPathItem | None:
        """The highlight item of a rendered feature (the one that is selected in its stead)."""
        geometry = self._features.get(kind, {}).get(id)
        if geometry is None:
            return None
        if self._highlight is not None and (self._highlight.data(KIND_ROLE), self._highlight.data(ID_ROLE)) \
                == (kind, id):
            return self._highlight
        self._drop_highlight()
        item = QGraphicsPathItem(_path_of(geometry))
        pen = QPen(QColor("#d81b60"), 3.0)
        pen.setCosmetic(True)
        item.setPen(pen)
        item.setBrush(QBrush(QColor("#40d81b60")) if kind in ("parcel", "building") else QBrush())
        item.setZValue(50)
        item.setData(KIND_ROLE, kind)
        item.setData(ID_ROLE, id)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.addItem(item)
        self._highlight = item
        self._add_vertex_handles(item, geometry)
        return item

    def _add_vertex_handles(self, highlight: QGraphicsPathItem, geometry) -> None:
        """Square handles on the vertices of the feature's outline (or line): drag one to reshape."""
        if geometry.geom_type == "LineString":
            coords = list(geometry.coords)
        elif geometry.geom_type == "Polygon":
            coords = list(geometry.exterior.coords)[:-1]
        else:
            return  # several parts: reshape them one by one after splitting them in a GIS
        if len(coords) > 400:
            return  # too many to grab one by one
        pen = QPen(QColor("#d81b60"), 1.0)
        pen.setCosmetic(True)
        for index, (x, y) in enumerate(c[:2] for c in coords):
            handle = QGraphicsRectItem(-4, -4, 8, 8, highlight)
            handle.setPen(pen)
            handle.setBrush(QBrush(QColor("#ffffff")))
            handle.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            handle.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
            handle.setPos(scene_point(x, y))
            handle.setData(VERTEX_ROLE, index)

    def moved_vertex(self):
        """A vertex handle that was dragged: (kind, id, new geometry), else None."""
        import shapely

        if self._highlight is None:
            return None
        kind, ident = self._highlight.data(KIND_ROLE), self._highlight.data(ID_ROLE)
        geometry = self._features.get(kind, {}).get(ident)
        if geometry is None:
            return None
        coords = list(geometry.coords) if geometry.geom_type == "LineString" else list(geometry.exterior.coords)[:-1]
        changed = False
        for handle in self._highlight.childItems():
            index = handle.data(VERTEX_ROLE)
            if index is None:
                continue
            x, y = handle.pos().x(), -handle.pos().y()
            if abs(x - coords[index][0]) > 1e-6 or abs(y - coords[index][1]) > 1e-6:
                coords[index] = (x, y)
                changed = True
        if not changed:
            return None
        if geometry.geom_type == "LineString":
            return kind, ident, shapely.LineString(coords)
        return kind, ident, shapely.Polygon(coords, [ring.coords for ring in geometry.interiors])

    def select_feature(self, kind: str, id: str) -> None:
        """Select a rendered feature (its highlight), alone."""
        item = self.highlight(kind, id)
        if item is not None:
            self.clearSelection()
            item.setSelected(True)

    def _drop_highlight(self) -> None:
        if self._highlight is not None:
            item, self._highlight = self._highlight, None
            self.removeItem(item)

    def _drop_unselected_highlight(self) -> None:
        if self._highlight is not None and not self._highlight.isSelected():
            self._drop_highlight()

    def data_rect(self) -> QRectF:
        """Bounding rectangle of the project's drawn objects (scene coordinates); null if none."""
        if self.project is None:
            return QRectF()
        geometries = [e.geometry for kind in LAYER_STYLES
                      for e in self.project.items(kind).values()]
        if not geometries:
            return QRectF()
        xmin, ymin, xmax, ymax = shapely.total_bounds(geometries)
        return QRectF(QPointF(xmin, -ymax), QPointF(xmax, -ymin))

    def set_layer_visible(self, kind: str, visible: bool) -> None:
        """Show or hide a layer (a rendered one is drawn again without it)."""
        self._layers[kind].setVisible(visible)
        if kind in RENDERED_KINDS:
            self.renderer.visible[kind] = visible
            self.rendered_changed.emit()


class MapCanvas(QGraphicsView):
    """Pan with a drag (or the middle button), zoom with the wheel about the cursor."""

    #: Cursor position in projected coordinates (easting, northing) [m].
    cursor_moved = Signal(float, float)
    #: A placement tool's click: the kind to place and where, in projected coordinates [m].
    place_requested = Signal(str, float, float)
    #: A drawing tool finished: the kind drawn and its vertices in projected coordinates [m].
    drawn = Signal(str, list)
    #: A point object was dragged: kind, id and its new position in projected coordinates [m].
    moved = Signal(str, str, float, float)
    #: A vertex of a parcel, building or street was dragged: kind, id and the new geometry.
    reshaped = Signal(str, str, object)
    DRAW_TOOLS = {"draw_parcel": "parcel", "draw_building": "building", "draw_street": "street"}
    ZOOM_STEP = 1.25
    #: The active tool: ``"select"`` or the kind of unit a click places (``"pv_unit"``, ...).
    tool = "select"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.map_scene = MapScene(self)
        self.setScene(self.map_scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setMinimumSize(300, 200)
        from PySide6.QtCore import QTimer

        self._rest = QTimer(self)  # the view has rested: draw the rendered layers anew
        self._rest.setSingleShot(True)
        self._rest.setInterval(120)
        self._rest.timeout.connect(self.request_render)
        self.map_scene.rendered_changed.connect(lambda: self._rest.start(0))
        self.map_scene.renderer.updated.connect(self.viewport().update)

    def request_render(self) -> None:
        """Have the rendered layers drawn for the view and a margin around it (off the GUI thread)."""
        from planner.gui.layer_render import MARGIN

        view = self.mapToScene(self.viewport().rect()).boundingRect()
        if view.isEmpty():
            return
        rect = view.adjusted(-view.width() * MARGIN, -view.height() * MARGIN, view.width() * MARGIN,
                             view.height() * MARGIN)
        scale = self.transform().m11()
        size = (max(1, int(rect.width() * scale)), max(1, int(rect.height() * scale)))
        self.map_scene.renderer.render(rect, size, scale)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self._rest.start()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rest.start()

    def set_project(self, project: Project | None) -> None:
        """Show a project, zoomed to its extent."""
        self.map_scene.set_project(project)
        self._update_scene_rect()
        self.zoom_to_extent()
        self.request_render()

    def _update_scene_rect(self) -> None:
        data = self.map_scene.data_rect()
        if data.isNull():
            data = QRectF(-500, -500, 1000, 1000)
        # Generous margins so the user can pan past the data's edge.
        m = max(data.width(), data.height(), 100.0)
        self.setSceneRect(data.adjusted(-m, -m, m, m))

    def zoom_to_extent(self) -> None:
        data = self.map_scene.data_rect()
        if data.isNull():
            data = QRectF(-500, -500, 1000, 1000)
        margin = max(data.width(), data.height()) * 0.03 + 10.0
        self.fitInView(data.adjusted(-margin, -margin, margin, margin),
                       Qt.AspectRatioMode.KeepAspectRatio)

    def zoom(self, factor: float) -> None:
        """Zoom by ``factor`` about the cursor (or the centre), within sensible limits."""
        scale = self.transform().m11() * factor
        if 1e-4 < scale < 1e3:  # from about 50 km to a few millimetres across the window
            self.scale(factor, factor)
            self._rest.start()

    def metres_per_pixel(self) -> float:
        return 1.0 / self.transform().m11()

    #: The optional background map (:class:`planner.gui.tiles.TileLayer`), set by the window.
    tiles = None

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        """The paper colour, then the background map's tiles where it is on."""
        super().drawBackground(painter, rect)
        if self.tiles is not None and self.tiles.enabled:
            self.tiles.paint(painter, rect, self.metres_per_pixel())
        self.map_scene.renderer.paint(painter)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        """A scale bar in the lower left corner, 1-2-5 steps, about 120 pixels long."""
        metres, pixels = scale_bar_length(self.metres_per_pixel(), 120)
        painter.save()
        painter.resetTransform()
        x0, y0 = 16, self.viewport().height() - 18
        painter.setPen(QPen(QColor("#222222"), 2))
        painter.drawLine(x0, y0, x0 + pixels, y0)
        painter.drawLine(x0, y0 - 5, x0, y0 + 1)
        painter.drawLine(x0 + pixels, y0 - 5, x0 + pixels, y0 + 1)
        label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
        painter.drawText(x0 + 4, y0 - 6, label)
        painter.restore()

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom(self.ZOOM_STEP ** steps)
        event.accept()

    def set_tool(self, tool: str) -> None:
        """``"select"`` (click selects, drag pans or moves), a kind of unit that a click places, or a
        drawing tool (``draw_parcel``, ``draw_building``, ``draw_street``: click the vertices,
        double-click or Enter to finish, Esc to drop)."""
        self.cancel_draft()
        self.tool = tool
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag if tool == "select"
                         else QGraphicsView.DragMode.NoDrag)
        self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if tool == "select" else Qt.CursorShape.CrossCursor)

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton and self.tool in self.DRAW_TOOLS:
            self._add_vertex(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton and self.tool != "select":
            p = self.mapToScene(event.position().toPoint())
            self.place_requested.emit(self.tool, p.x(), -p.y())
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton and self._pick_at(event):
            return  # a parcel, building, street or cable: selected through its highlight
        if event.button() == Qt.MouseButton.LeftButton and self.tool == "select":
            stack = [i for i in self.items(event.position().toPoint())
                     if i.data(KIND_ROLE) in LAYER_STYLES and LAYER_STYLES[i.data(KIND_ROLE)].symbol is not None]
            if len(stack) > 1:  # symbols on top of one another: offer the choice
                chosen = self.choose(stack)
                if chosen is not None:
                    self.map_scene.clearSelection()
                    chosen.setSelected(True)
                self._picked = True
                event.accept()
                return
        super().mousePressEvent(event)

    def choose(self, items: list) -> QGraphicsItem | None:
        """Ask which of several stacked objects is meant (a menu at the cursor); None if none."""
        from PySide6.QtGui import QCursor
        from PySide6.QtWidgets import QMenu

        menu = QMenu(self)
        actions = {menu.addAction(item.toolTip() or f"{item.data(KIND_ROLE)} {item.data(ID_ROLE)}"): item
                   for item in items}
        picked = menu.exec(QCursor.pos())
        return actions.get(picked)

    def mouseDoubleClickEvent(self, event):
        if self.tool in self.DRAW_TOOLS:
            self.finish_draft()
            event.accept()
            return
        if self.tool == "select" and event.button() == Qt.MouseButton.LeftButton and self._pick_at(event):
            return  # a second click on a rendered feature keeps it selected
        super().mouseDoubleClickEvent(event)

    def _pick_at(self, event) -> bool:
        """Select the rendered feature (parcel, building, street, cable) under the cursor, if any."""
        if self.itemAt(event.position().toPoint()) is not None:
            return False
        p = self.mapToScene(event.position().toPoint())
        hit = self.map_scene.renderer.pick(p.x(), -p.y(), 4.0 * self.metres_per_pixel())
        if hit is None:
            return False
        self.map_scene.select_feature(*hit)
        self._picked = True  # its release must not reach QGraphicsView, which would clear the selection
        event.accept()
        return True

    def keyPressEvent(self, event):
        key = event.key()
        if self.tool in self.DRAW_TOOLS and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish_draft()
            return
        if self.tool in self.DRAW_TOOLS and key == Qt.Key.Key_Escape:
            self.cancel_draft()
            return
        step = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1),
                Qt.Key.Key_Down: (0, 1)}.get(key)
        if step is not None:  # keyboard pan: a tenth of the view per press
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value()
                                                + step[0] * self.viewport().width() // 10)
            self.verticalScrollBar().setValue(self.verticalScrollBar().value()
                                              + step[1] * self.viewport().height() // 10)
            return
        super().keyPressEvent(event)

    def _add_vertex(self, point: QPointF) -> None:
        self._draft = getattr(self, "_draft", [])
        if self._draft and (self._draft[-1] - point).manhattanLength() < 1e-9:
            return  # the second press of a double-click
        self._draft.append(point)
        path = QPainterPath(self._draft[0])
        for p in self._draft[1:]:
            path.lineTo(p)
        if getattr(self, "_draft_item", None) is None:
            self._draft_item = self.map_scene.addPath(path, _draft_pen())
            self._draft_item.setZValue(100)
        else:
            self._draft_item.setPath(path)

    def finish_draft(self) -> None:
        """Hand the drawn vertices on (``drawn``) and clear the draft."""
        points = [(p.x(), -p.y()) for p in getattr(self, "_draft", [])]
        kind = self.DRAW_TOOLS.get(self.tool)
        self.cancel_draft()
        if kind and points:
            self.drawn.emit(kind, points)

    def cancel_draft(self) -> None:
        """Drop the vertices drawn so far."""
        self._draft = []
        item = getattr(self, "_draft_item", None)
        if item is not None:
            self.map_scene.removeItem(item)
            self._draft_item = None

    def mouseMoveEvent(self, event):
        p = self.mapToScene(event.position().toPoint())
        self.cursor_moved.emit(p.x(), -p.y())
        start = getattr(self, "_pan_from", None)
        if start is not None and event.buttons() & Qt.MouseButton.MiddleButton:
            delta = event.position() - start
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
            event.accept()
            return
        if getattr(self, "_picked", False) and event.button() == Qt.MouseButton.LeftButton:
            # a hand-drag view takes a release without motion after an unaccepted press for a click
            # on the background and clears the selection: the press picked a feature, so keep it
            self._picked = False
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and self.tool == "select":
            self._report_moves()

    def _report_moves(self) -> None:
        """A dragged point object or vertex: one undoable edit (``moved``, ``reshaped``)."""
        reshaped = self.map_scene.moved_vertex()
        if reshaped is not None:
            self.reshaped.emit(*reshaped)
            return
        project = self.map_scene.project
        for item in self.map_scene.selectedItems():
            kind, ident = item.data(KIND_ROLE), item.data(ID_ROLE)
            entity = project.items(kind).get(ident) if project is not None else None
            if entity is None or entity.geometry is None or entity.geometry.geom_type != "Point":
                continue
            x, y = item.pos().x(), -item.pos().y()
            if abs(x - entity.geometry.x) > 1e-6 or abs(y - entity.geometry.y) > 1e-6:
                self.moved.emit(kind, ident, x, y)

    def selected_entity(self) -> tuple[str, str] | None:
        items = self.map_scene.selectedItems()
        if not items:
            return None
        return items[0].data(KIND_ROLE), items[0].data(ID_ROLE)
