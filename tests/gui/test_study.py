"""Edit > Study settings: typed into the dialog, one undo step, refused values stay in the dialog."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from planner.io import load_project, save_project


def test_the_study_settings_are_edited_in_a_dialog_and_undone(window, qtbot, tmp_path):
    from tests.conftest import make_runnable_project

    path = tmp_path / "village.gpkg"
    save_project(make_runnable_project(), path)
    assert window.open_path(path)
    before = window.project.study

    def fill():
        dialog = window.study_editor
        dialog.rate.setValue(6.0)
        dialog.horizon.setValue(25)
        dialog.factor.setValue(0.25)
        dialog.source.setText("EEA, EU-27 mix 2023")
        dialog.accept()

    QTimer.singleShot(100, fill)
    assert window.study_action.isEnabled()
    window.study_action.trigger()
    study = window.project.study
    assert (study.discount_rate, study.horizon_years, study.grid_emission_factor_kg_per_kwh) == (0.06, 25, 0.25)
    assert window.is_modified()
    window.undo_stack.undo()
    assert window.project.study == before
    window.undo_stack.redo()
    assert window.save()
    assert load_project(path).study.emission_factor_source == "EEA, EU-27 mix 2023"


def test_a_refused_value_keeps_the_dialog_open_with_the_reason(qtbot):
    from planner.gui.study_dialog import StudyDialog
    from planner.model.study import StudySettings

    dialog = StudyDialog(StudySettings())
    qtbot.addWidget(dialog)
    dialog.catalogue.setText("   ")
    dialog.source.setText("ok")
    dialog.horizon.setValue(30)
    dialog.accept()
    assert dialog.study is not None and dialog.study.cost_catalogue is None  # blank: the shipped one
    dialog = StudyDialog(StudySettings())
    qtbot.addWidget(dialog)
    dialog.rate.setMinimum(-50)
    dialog.rate.setValue(-40)  # below what the model allows
    dialog.accept()
    assert dialog.study is None and "discount_rate" in dialog.message.text()
