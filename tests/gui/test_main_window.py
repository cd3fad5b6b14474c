"""The main window, headless: it opens the sample and draws every object."""

import pytest
from PySide6.QtCore import QPoint, Qt
from shapely.geometry import Point

from planner.gui.map_canvas import LAYER_STYLES
from planner.model import PVUnit
from planner.model.commands import AddEntity


@pytest.fixture(scope="module")
def sample(sample_path):
    return sample_path


def test_window_draws_the_sample(window, sample):
    assert window.open_path(sample)
    project = window.project
    scene = window.canvas.map_scene
    for kind in LAYER_STYLES:
        assert scene.item_count(kind) == len(project.items(kind)), kind
    assert scene.item_count("cable") == 3000 + 1 and scene.item_count("bus") == 2940 + 1
    assert "Schutterwald" in window.windowTitle()
    # Zoomed to the village: about 2 km across a window under 1,000 px wide
    assert 0.5 < window.canvas.metres_per_pixel() < 10
    rect = scene.data_rect()
    assert 1000 < rect.width() < 5000 and 1000 < rect.height() < 5000


def test_north_is_up(window, sample):
    window.open_path(sample)
    scene = window.canvas.map_scene
    north = max(window.project.items("bus").values(), key=lambda b: b.geometry.y)
    south = min(window.project.items("bus").values(), key=lambda b: b.geometry.y)
    assert scene.item_for("bus", north.id).scenePos().y() < scene.item_for("bus", south.id).scenePos().y()


def test_layer_list_hides_layers(window, sample):
    window.open_path(sample)
    window.layer_list.set_checked("cable", False)
    assert not window.canvas.map_scene.layer("cable").isVisible()
    window.layer_list.set_checked("cable", True)
    assert window.canvas.map_scene.layer("cable").isVisible()
    texts = [window.layer_list.item(i).text() for i in range(window.layer_list.count())]
    assert "Cables (3,001, 1 derived)" in texts and "Buses (2,941, 1 derived)" in texts  # the energy centre's


def test_selection_shows_the_inspector(window, sample):
    window.open_path(sample)
    cable = next(iter(window.project.items("cable").values()))
    window.canvas.map_scene.item_for("cable", cable.id).setSelected(True)
    assert window.inspector._title.text() == cable.describe()
    assert window.inspector.field_text("cable type") == cable.std_type
    assert window.inspector.field_text("length") == f"{cable.length_km:,.6g} km"


def test_click_selects(window, sample, qtbot):
    window.open_path(sample)
    canvas = window.canvas
    transformer = next(iter(window.project.items("transformer").values()))
    canvas.centerOn(canvas.map_scene.item_for("transformer", transformer.id).scenePos())
    at = canvas.mapFromScene(canvas.map_scene.item_for("transformer", transformer.id).scenePos())
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert canvas.selected_entity() is not None


def test_edits_reach_the_map(window, small_project):
    window.set_project(small_project)
    scene = window.canvas.map_scene
    command = AddEntity(PVUnit(id="pv9", name="Roof 9", peak_kw=5.0, geometry=Point(412_020.0, 5_368_010.0)))
    command.do(small_project)
    assert scene.item_for("pv_unit", "pv9") is not None
    command.undo(small_project)
    assert scene.item_for("pv_unit", "pv9") is None
    assert scene.item_count("pv_unit") == 2


def test_zoom_and_cursor_coordinates(window, small_project, qtbot):
    window.set_project(small_project)
    canvas = window.canvas
    before = canvas.metres_per_pixel()
    canvas.zoom(2.0)
    assert canvas.metres_per_pixel() == pytest.approx(before / 2)
    qtbot.mouseMove(canvas.viewport(), QPoint(50, 50))
    qtbot.mouseMove(canvas.viewport(), QPoint(60, 60))
    assert window._coords.text().startswith("E ")
    assert "48.4" in window._coords.text()  # latitude of the village


def test_bad_file_keeps_the_open_project(window, sample, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    window.open_path(sample)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    bad = tmp_path / "bad.gpkg"
    bad.write_text("not a database")
    assert not window.open_path(bad)
    assert shown and "not a GeoPackage" in shown[0]
    assert window.project.name == "Schutterwald"


def test_empty_window(window):
    assert window.project is None
    assert window.windowTitle().startswith("no project")
    window.canvas.zoom_to_extent()  # nothing to zoom to: no error


@pytest.mark.parametrize("mpp, metres", [(1.0, 100), (3.0, 200), (0.01, 1), (40.0, 2000), (0.3, 20)])
def test_scale_bar_lengths(mpp, metres):
    from planner.gui.map_canvas import scale_bar_length

    length, pixels = scale_bar_length(mpp, 120)
    assert length == pytest.approx(metres)
    assert 48 <= pixels <= 120


def test_undo_stack_wraps_model_commands(window, small_project, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from planner.model.commands import UpdateEntity

    window.set_project(small_project)
    assert window.execute(UpdateEntity("pv_unit", "pv1", peak_kw=12.0))
    assert small_project.get("pv_unit", "pv1").peak_kw == 12.0
    assert window.undo_stack.undoText() == "Edit PV unit 'Roof 1': peak power"
    window.undo_stack.undo()
    assert small_project.get("pv_unit", "pv1").peak_kw == 9.9
    window.undo_stack.redo()
    assert small_project.get("pv_unit", "pv1").peak_kw == 12.0
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    assert not window.execute(UpdateEntity("pv_unit", "pv1", peak_kw=-5.0))
    assert warned == ["PV unit 'Roof 1': peak power must be positive, got -5 kW"]
    assert window.undo_stack.count() == 1


def test_units_at_one_place_are_fanned_out_so_each_can_be_clicked(window, sample):
    from PySide6.QtCore import QPointF, Qt

    window.open_path(sample)
    scene = window.canvas.map_scene
    chp = next(iter(window.project.items("chp_unit").values()))
    station = next(iter(window.project.items("battery").values()))
    assert station.geometry.distance(chp.geometry) < 1.0  # the sample's energy centre holds both
    for _ in range(6):
        window.canvas.zoom(2.0)
    window.canvas.centerOn(QPointF(chp.geometry.x, -chp.geometry.y))
    chp_item, station_item = scene.item_for("chp_unit", chp.id), scene.item_for("battery", station.id)
    view = window.canvas
    def on_screen(item):  # symbols keep their size on screen: their fan-out offset is in pixels
        return view.mapFromScene(item.pos()) + QPointF(item.transform().dx(), item.transform().dy()).toPoint()

    chp_at, station_at = on_screen(chp_item), on_screen(station_item)
    assert (chp_at - station_at).manhattanLength() >= 10  # apart on screen
    hit = view.itemAt(chp_at)
    assert hit is not None and hit.data(1) is not None
    assert (hit.data(0), hit.data(1)) == ("chp_unit", chp.id)
    assert (view.itemAt(station_at).data(0), view.itemAt(station_at).data(1)) == ("battery", station.id)
    del Qt


def test_rendered_layers_are_drawn_off_thread_and_picked_by_the_index(window, small_project, qtbot):
    from PySide6.QtCore import QPointF
    from shapely.geometry import box

    from planner.model import Building

    small_project.add(Building(id="hall", name="Hall", geometry=box(412_300.0, 5_368_300.0, 412_340.0, 5_368_330.0)))
    window.set_project(small_project)
    canvas, scene = window.canvas, window.canvas.map_scene
    renderer = scene.renderer
    assert renderer.wait(5000)
    qtbot.waitUntil(lambda: renderer.image is not None, timeout=5000)
    assert scene.item_count("building") == len(small_project.items("building"))
    canvas.viewport().repaint()
    # a click inside the hall picks it through the spatial index and selects its highlight
    at = canvas.mapFromScene(QPointF(412_320.0, -5_368_315.0))
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert canvas.selected_entity() == ("building", "hall")
    assert window.inspector.entity.id == "hall"
    # hiding the layer draws the image again without it, and the hall can no longer be picked
    window.layer_list.set_checked("building", False)
    assert renderer.pick(412_320.0, 5_368_315.0, 1.0) is None


def test_closing_the_window_ends_its_drawing_and_its_workers(window, small_project, qtbot):
    """A Qt thread or a worker still running Python when the interpreter finalises aborts the
    process ("terminate called without an active exception"): closing waits for them."""
    import time

    window.set_project(small_project)
    renderer, hour_view = window.canvas.map_scene.renderer, window.hour_view
    assert renderer.wait(5000)
    renderer.hold(30.0)  # the person is using the map: the next image waits between its slices
    renderer.render(renderer.image_rect, (400, 300), 1.0)
    qtbot.waitUntil(lambda: renderer.pool.activeThreadCount() == 1, timeout=2000)
    hour_view._start(lambda: time.sleep(0.3))
    started = time.perf_counter()
    assert window.close()
    assert time.perf_counter() - started < 5.0
    assert renderer.pool.activeThreadCount() == 0 and not hour_view.worker.is_alive()
    renderer.render(renderer.image_rect, (400, 300), 1.0)  # nothing is drawn after the close
    assert renderer.pool.activeThreadCount() == 0


def test_a_click_on_stacked_symbols_offers_a_choice(window, small_project, qtbot, monkeypatch):
    from PySide6.QtCore import QPointF

    from planner.gui.map_canvas import MapCanvas

    window.set_project(small_project)
    canvas = window.canvas
    # zoomed out, the bakery's CHP and Anna's PV (2 m apart) lie on top of one another
    canvas.zoom(0.05)
    chp = small_project.get("chp_unit", "chp1")
    offered = []

    def pick_the_chp(self, items):
        offered.extend((i.data(0), i.data(1)) for i in items)
        return next(i for i in items if i.data(0) == "chp_unit")

    monkeypatch.setattr(MapCanvas, "choose", pick_the_chp)
    at = canvas.mapFromScene(QPointF(chp.geometry.x, -chp.geometry.y))
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert ("chp_unit", "chp1") in offered and len(offered) >= 2
    assert canvas.selected_entity() == ("chp_unit", "chp1")


def test_shift_and_a_drag_boxes_objects_through_the_index(window, small_project, qtbot):
    from PySide6.QtCore import QPointF

    window.set_project(small_project)
    canvas = window.canvas
    x0, y0 = 412_000.0, 5_368_000.0
    corner_a = canvas.mapFromScene(QPointF(x0 - 20, -(y0 + 60)))
    corner_b = canvas.mapFromScene(QPointF(x0 + 60, -(y0 - 40)))
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, corner_a)
    qtbot.mouseMove(canvas.viewport(), corner_b)
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, corner_b)
    boxed = canvas.boxed
    assert "pv1" in boxed.get("pv_unit", []) and "chp1" in boxed.get("chp_unit", [])
    assert "pv2" not in boxed.get("pv_unit", [])  # the field array lies outside
    assert "in the box:" in window.statusBar().currentMessage()
    assert canvas.dragMode() == canvas.DragMode.ScrollHandDrag  # back to panning


def test_consumers_boxed_on_the_map_become_one_member_s_meters_in_one_undo_step(window, small_project, qtbot):
    """Issue 28: Shift and a drag boxes two consumers, Edit > Group asks for the member's name
    (typed into the real dialog); both consumers are then that member's; Edit > Undo undoes it whole."""
    from PySide6.QtCore import QPointF, QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog

    window.set_project(small_project)
    canvas = window.canvas
    x0, y0 = 412_000.0, 5_368_000.0
    corner_a = canvas.mapFromScene(QPointF(x0 + 5, -(y0 + 16)))
    corner_b = canvas.mapFromScene(QPointF(x0 + 16, -(y0 + 5)))
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, corner_a)
    qtbot.mouseMove(canvas.viewport(), corner_b)
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, corner_b)
    assert sorted(canvas.boxed.get("consumer", [])) == ["c-anna", "c-bakery"]

    def answer():
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QInputDialog) and w.isVisible())
        dialog.setTextValue("Anna's bakery")
        dialog.accept()

    QTimer.singleShot(50, answer)
    window.group_action.trigger()
    project = window.project
    member = next(m for m in project.items("member").values() if m.name == "Anna's bakery")
    assert {project.get("consumer", c).member_id for c in ("c-anna", "c-bakery")} == {member.id}
    assert "m1" in project.items("member") and "m2" in project.items("member")  # they own units still
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    undo = next(a for a in edit.actions() if a.text().startswith("&Undo"))
    assert "group 2 consumers into Anna's bakery" in undo.text()
    undo.trigger()
    assert project.get("consumer", "c-anna").member_id == "m1" and member.id not in project.items("member")
