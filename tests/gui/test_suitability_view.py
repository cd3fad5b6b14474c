"""View > Colour parcels by suitability: the scores of planner suitability colour the parcels."""

from __future__ import annotations

from planner.io import save_project


def test_parcels_take_the_colour_of_their_score(window, qtbot, tmp_path):
    from planner.generation.results import project_weather
    from planner.generation.suitability import suitability
    from planner.gui.suitability_view import score_colour
    from tests.conftest import make_runnable_project

    project = make_runnable_project()
    path = tmp_path / "village.gpkg"
    save_project(project, path)
    assert window.open_path(path)
    view = window.suitability_view
    view.actions["pv"].trigger()
    qtbot.waitUntil(lambda: view.table is not None, timeout=60_000)
    weather, meta = project_weather(project)
    expected = suitability(project, weather, elevation_m=meta.elevation_m or 0.0)
    renderer = window.canvas.map_scene.renderer
    colours = {pid: c.name() for c, data in renderer.classes["parcel"] for pid in data.ids}
    for row in expected[expected.technology == "pv"].itertuples():
        assert colours[row.parcel_id] == score_colour(row.score)
    assert view.legend.isVisible() and "PV suitability" in view.legend.text()
    view.actions["wind"].trigger()  # the same scores, another technology: no new computation
    colours = {pid: c.name() for c, data in renderer.classes["parcel"] for pid in data.ids}
    for row in expected[expected.technology == "wind"].itertuples():
        assert colours[row.parcel_id] == score_colour(row.score)
    view.actions[None].trigger()
    assert "parcel" not in renderer.classes and not view.legend.isVisible()
