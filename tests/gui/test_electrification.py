"""Heat pumps and charging points in the app: placed by a click like any unit, shown in the inspector
and the tables, and a share of households equipped through the dialog as one undo step."""

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDialog
from shapely.geometry import Point

from planner.io import save_project
from planner.model import Consumer, Member
from tests.conftest import X0, Y0


def _open(window, project, tmp_path):
    path = tmp_path / "village.gpkg"
    save_project(project, path)
    assert window.open_path(path)


def _click(window, qtbot, x, y):
    canvas = window.canvas
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=canvas.mapFromScene(QPointF(x, -y)))


def test_place_a_heat_pump_and_wallboxes_by_clicking(window, small_project, tmp_path, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    for kind in ("heat_pump", "charging_point"):
        for device in list(small_project.items(kind)):
            small_project._remove(kind, device)
    _open(window, small_project, tmp_path)
    window.tool_actions["heat_pump"].trigger()
    _click(window, qtbot, X0 + 10, Y0 + 10)  # in Anna's house: she has a heat demand
    placed = window.inspector.entity
    assert placed.KIND == "heat_pump" and placed.consumer_id == "c-anna"
    assert window.canvas.map_scene.item_count("heat_pump") == 1
    # the bakery has no heat demand: the click is refused with the reason
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    _click(window, qtbot, X0 + 3000, Y0 + 3000)
    assert warnings and "heat demand" in warnings[0] and len(window.project.items("heat_pump")) == 1
    window.tool_actions["charging_point"].trigger()
    _click(window, qtbot, X0 + 12, Y0 + 11)  # at the bakery's meter: a wallbox on it
    assert window.inspector.entity.KIND == "charging_point" and window.inspector.entity.location == "home"
    _click(window, qtbot, X0 + 200, Y0 + 150)  # on the field, far from any meter: a public point with its own
    public = window.inspector.entity
    assert public.location == "work" and public.vehicles == 4
    meter = window.project.get("consumer", public.consumer_id)
    assert meter.annual_kwh == 0.0 and meter.parcel_id == "p2"
    assert window.canvas.map_scene.item_count("charging_point") == 2
    # one undo takes the public point and its meter back together
    window.undo_stack.undo()
    assert len(window.project.items("charging_point")) == 1 and meter.id not in window.project.items("consumer")
    # the tables list them and edit them with the model's checks, one undo step each
    assert window.tables.tables["heat_pump"].model.rowCount() == 1
    table = window.tables.tables["charging_point"]
    model = table.model
    column = [spec.name for spec in model.specs].index("strategy")
    index = model.index(0, column)
    assert not model.setData(index, "fastest")  # not one of the strategies: refused, nothing applied
    assert model.setData(index, "limit")
    assert next(iter(window.project.items("charging_point").values())).strategy == "limit"


def test_equip_a_share_of_households_through_the_dialog(window, small_project, tmp_path, qtbot):
    for k in range(10):
        small_project.add(Member(id=f"hh{k}", name=f"Household {k}"))
        small_project.add(Consumer(id=f"house{k}", member_id=f"hh{k}", annual_kwh=3000.0,
                                   geometry=Point(X0 + 20 * k, Y0 + 60)))
    _open(window, small_project, tmp_path)
    before = len(window.project.items("charging_point"))  # Anna's wallbox
    assert window.editing.equip_households()
    dialog = window.editing.share_dialog
    dialog.kind.setCurrentIndex(dialog.kind.findData("charging_point"))
    assert dialog.strategy.isEnabled()
    dialog.share.setValue(50.0)
    dialog.strategy.setCurrentIndex(dialog.strategy.findData("smart"))
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    points = window.project.items("charging_point")
    # 11 households (Anna and ten), half of them rounded: 6, Anna's among them or not, none removed
    homes = {p.consumer_id for p in points.values()}
    assert len(homes) in (6, 7) and "c-anna" in homes
    assert all(p.strategy == "smart" for p in points.values() if p.id != "cp1")
    assert "wallboxes added" in window.statusBar().currentMessage()
    window.undo_stack.undo()
    assert len(window.project.items("charging_point")) == before
