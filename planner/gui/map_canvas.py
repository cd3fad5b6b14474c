"""The map: a QGraphicsView over the project's scene (:mod:`planner.gui.map_scene`).

It pans (drag, middle button, arrow keys) and zooms (wheel, keys), shows the background map
and the off-thread image of the area and line layers while it moves and asks for a new one
when it rests, picks features and stacked symbols, and runs the tools: place, draw, move,
reshape.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from planner.gui.map_scene import (
    ID_ROLE, KIND_ROLE, LAYER_STYLES, VERTEX_ROLE, LayerStyle, MapScene, _path_of, scene_point,
)
from planner.model import Project

__all__ = ["ID_ROLE", "KIND_ROLE", "LAYER_STYLES", "VERTEX_ROLE", "LayerStyle", "MapCanvas", "MapScene", "_path_of",
           "scale_bar_length", "scene_point"]


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
    #: Shift and a drag drew a box: ``{kind: [ids]}`` of the objects in it.
    box_selected = Signal(dict)
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
        self.map_scene.renderer.hold()  # the render worker stands aside while the map is used
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

    #: Objects in the last box drawn with Shift and a drag: ``{kind: [ids]}``.
    boxed: dict = {}

    def mousePressEvent(self, event):
        self.map_scene.renderer.hold()  # the render worker stands aside while the map is used
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            event.accept()
            return
        if (event.button() == Qt.MouseButton.LeftButton and self.tool == "select"
                and event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)  # Shift and a drag: a box
            self._box_from = self.mapToScene(event.position().toPoint())
            super().mousePressEvent(event)
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
        self.map_scene.renderer.hold()  # the render worker stands aside while the map is used
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
        self.map_scene.renderer.hold()  # the render worker stands aside while the map is used
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
        self.map_scene.renderer.hold()  # the render worker stands aside while the map is used
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
        self.map_scene.renderer.hold()  # the render worker stands aside while the map is used
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
        start = getattr(self, "_box_from", None)
        if start is not None and event.button() == Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            self._box_from = None
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            end = self.mapToScene(event.position().toPoint())
            self._select_box(QRectF(start, end).normalized())
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and self.tool == "select":
            self._report_moves()

    def _select_box(self, rect: QRectF) -> None:
        """The objects inside a box: point objects selected, rendered features found through their
        spatial index; all of them in ``boxed`` and ``box_selected``."""
        import shapely

        box = shapely.box(rect.left(), -rect.bottom(), rect.right(), -rect.top())
        found: dict[str, list[str]] = {}
        for (kind, ident), item in self.map_scene.point_items():
            if item.isVisible() and item.parentItem().isVisible() and rect.contains(item.pos()):
                item.setSelected(True)
                found.setdefault(kind, []).append(ident)
        for kind, data in self.map_scene.renderer.layers.items():
            if data.tree is not None and self.map_scene.renderer.visible.get(kind, True):
                hits = data.tree.query(box, predicate="intersects")
                if len(hits):
                    found[kind] = [data.ids[int(i)] for i in hits]
        self.boxed = found
        self.box_selected.emit(found)

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
