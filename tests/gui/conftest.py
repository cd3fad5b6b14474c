import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """The main window, closed after the test; fails when a top-level window is left open."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from PySide6.QtWidgets import QMessageBox

    from planner.gui.main_window import MainWindow

    # a modal question would wait for a click that never comes: unsaved edits are discarded at the
    # end of a test unless the test answers otherwise
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    # a menu for stacked symbols would wait too: the topmost is taken unless the test chooses
    from planner.gui.map_canvas import MapCanvas

    monkeypatch.setattr(MapCanvas, "choose", lambda self, items: items[0])
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    # no run worker is started ahead in tests (a test of Run starts it itself)
    monkeypatch.setenv("PEERGRID_NO_PREWARM", "1")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    leaked = [x for x in QApplication.topLevelWidgets() if x.isVisible() and x is not w]
    assert not leaked, f"windows left open: {leaked}"
