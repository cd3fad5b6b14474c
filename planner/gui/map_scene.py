"""The map's scene: a project's objects in its projected CRS (metres), kept in step with its changes.

Scene coordinates are ``(easting, -northing)`` so that north is up. Point objects (units,
buses, consumers, stations) are scene items: each kind a layer, an empty parent item whose
children are the objects; their symbols keep their size on screen and can be dragged. Area
and line layers (parcels, streets, buildings, cables) are drawn off the GUI thread
(:mod:`planner.gui.layer_render`) and picked through a spatial index; a picked feature is
shown by a highlight item that carries its kind and id, with handles on its vertices.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsEllipseItem, QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QGraphicsScene,
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
    "wind_site": LayerStyle("Wind sites", 5.5, "#005f73", "#4048cae4", 1.5, "diamond", 15.0),
    "wind_turbine": LayerStyle("Wind turbines", 6, "#005f73", "#48cae4", 1.0, "diamond", 11.0),
    "chp_unit": LayerStyle("CHP units", 6, "#7f1d1d", "#ef4444", 1.0, "circle", 10.0),
    "battery": LayerStyle("Batteries", 6, "#14532d", "#4ade80", 1.0, "square", 9.0),
    "heat_pump": LayerStyle("Heat pumps", 6, "#7f1d1d", "#f87171", 1.0, "diamond", 9.0),
    "charging_point": LayerStyle("Charging points", 6, "#4c1d95", "#a78bfa", 1.0, "circle", 8.0),
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
        self._derived: dict[str, set] = {kind: set() for kind in RENDERED_KINDS}
        self._highlight: QGraphicsPathItem | None = None
        self.renderer = LayerRenderer(LAYER_STYLES, self)
        self.setBackgroundBrush(QColor("#f4f1ea"))
        self._make_layers()
        self.selectionChanged.connect(self._drop_unselected_highlight)

    #: A function of a bus giving its symbol's colour (a result shown on the map), or None.
    bus_colours = None

    def colour_buses(self, colour_of) -> None:
        """Colour the bus symbols by ``colour_of(bus)`` (a colour name), or plainly with None."""
        self.bus_colours = colour_of
        if self.project is None:
            return
        for bus in self.project.items("bus").values():
            old = self._items.pop(("bus", bus.id), None)
            if old is not None:
                self.removeItem(old)
            self._add_entity(bus)
        self._fan_out()

    def colour_cables(self, colour_of: dict | None) -> None:
        """Draw cables in colours (``{cable id: colour name}``; others grey), or plainly with None."""
        self.colour_features("cable", colour_of)

    def colour_features(self, kind: str, colour_of: dict | None) -> None:
        """Draw a rendered layer (cables, parcels, ...) in colours by id, or plainly with None."""
        if not colour_of:
            self.renderer.set_classes(kind, None)
        else:
            groups: dict[str, dict] = {}
            for ident, geometry in self._features[kind].items():
                groups.setdefault(colour_of.get(ident, "#9e9e9e"), {})[ident] = geometry
            self.renderer.set_classes(kind, groups)
        self.rendered_changed.emit()

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
        self._derived = {kind: set() for kind in RENDERED_KINDS}
        for kind in LAYER_STYLES:
            for entity in project.items(kind).values():
                self._add_entity(entity)
        for kind in RENDERED_KINDS:
            self.renderer.set_layer(kind, self._features[kind], self._derived[kind])
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
        self._derived = {kind: set() for kind in RENDERED_KINDS}

    def _add_entity(self, entity: Entity) -> None:
        kind = entity.KIND
        style = LAYER_STYLES[kind]
        geometry = entity.geometry
        if kind in RENDERED_KINDS:  # (a dict of its own per load; changes replace it, never mutate it)
            self._features[kind][entity.id] = geometry
            if entity.is_derived:
                self._derived[kind].add(entity.id)
            return
        if style.symbol is not None:
            brush = self._brushes[kind]
            if kind == "bus" and self.bus_colours is not None:
                brush = QBrush(QColor(self.bus_colours(entity)))
            pen = self._pens[kind]
            if entity.is_derived:  # placed by the planner or assumed: a dotted outline
                pen = QPen(pen)
                pen.setStyle(Qt.PenStyle.DotLine)
            item = _symbol(style, pen, brush)
            item.setPos(scene_point(geometry.x, geometry.y))
        else:
            item = QGraphicsPathItem(_path_of(geometry))
            pen = self._pens[kind]
            if not getattr(entity, "in_service", True):
                pen = QPen(pen)
                pen.setStyle(Qt.PenStyle.DashLine)
            elif entity.is_derived:
                pen = QPen(pen)
                pen.setStyle(Qt.PenStyle.DotLine)
            item.setPen(pen)
            item.setBrush(self._brushes[kind])
        item.setData(KIND_ROLE, kind)
        item.setData(ID_ROLE, entity.id)
        item.setToolTip(entity.describe() + (f"\n{entity.source}" if entity.source else ""))
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
            derived = set(self._derived[change.kind]) - {change.id}
            if change.action in ("added", "changed"):
                entity = self.project.get(change.kind, change.id)
                features[change.id] = entity.geometry
                if entity.is_derived:
                    derived.add(change.id)
            self._features[change.kind], self._derived[change.kind] = features, derived
            self.renderer.set_layer(change.kind, features, derived)
            self.renderer.set_classes(change.kind, None)  # a result's colours no longer fit the edited grid
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

    def point_items(self):
        """``((kind, id), item)`` of every point object's symbol."""
        return list(self._items.items())

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

    def select_object(self, kind: str, id: str):
        """Select any object (a symbol or a rendered feature), alone; its item, or None."""
        if kind in RENDERED_KINDS:
            self.select_feature(kind, id)
            return self._highlight
        item = self._items.get((kind, id))
        if item is not None:
            self.clearSelection()
            item.setSelected(True)
        return item

    def select_feature(self, kind: str, id: str) -> None:
        """Select a rendered feature (its highlight), alone."""
        self.clearSelection()  # first: clearing drops an unselected highlight, which would be the new one
        item = self.highlight(kind, id)
        if item is not None:
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


