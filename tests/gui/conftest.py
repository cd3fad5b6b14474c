import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    """The main window, closed after the test; fails when a top-level window is left open."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from planner.gui.main_window import MainWindow

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path))
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    leaked = [x for x in QApplication.topLevelWidgets() if x.isVisible() and x is not w]
    assert not leaked, f"windows left open: {leaked}"
