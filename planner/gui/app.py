"""Start the app: ``planner gui [PROJECT]``."""

from __future__ import annotations

import sys
from pathlib import Path


#: Libraries Qt's xcb platform plugin needs beyond a desktop's usual ones, with their Debian packages.
_XCB_LIBRARIES = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4", "xcb-keysyms": "libxcb-keysyms1",
                  "xcb-image": "libxcb-image0", "xcb-render-util": "libxcb-render-util0",
                  "xkbcommon-x11": "libxkbcommon-x11-0", "EGL": "libegl1"}


def display_problem(environ=None) -> str | None:
    """Why a window cannot open here, or None; checked before Qt, which aborts the process instead.

    Qt picks the platform from ``QT_QPA_PLATFORM``, else Wayland or X11 from the session's
    variables; without any, or without the libraries of its X11 plugin, it calls ``abort()``.
    """
    import ctypes.util
    import os

    environ = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return None
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # offscreen, wayland, vnc...: Qt reports its own problems there
    if not platform and environ.get("WAYLAND_DISPLAY"):
        return None
    if not environ.get("DISPLAY"):
        return ("no display to open a window on (DISPLAY is not set): run the app on a desktop, "
                "under Xvfb (xvfb-run planner gui), or set QT_QPA_PLATFORM=offscreen")
    missing = [package for library, package in _XCB_LIBRARIES.items() if ctypes.util.find_library(library) is None]
    if missing:
        return f"Qt's X11 plugin needs system libraries that are missing: apt-get install {' '.join(missing)}"
    return None


def make_application(argv=None):
    """The QApplication, created once per process."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv or sys.argv[:1]))
        app.setApplicationName("Peergrid Planner")
        app.setOrganizationName("Peergrid")
        # the map's render worker runs Python between its slices of painting: hand the GIL back
        # to the GUI thread within a millisecond, not CPython's default five, so that a click's
        # handlers never queue behind it for long
        sys.setswitchinterval(0.001)
    return app


def settle_memory() -> None:
    """Collect once, then keep the objects of the project just shown out of the cyclic garbage
    collector's full passes (``gc.freeze``): a town of 50,000 buildings is millions of objects,
    and a full pass over them stalled the window for 60-70 ms at a random click. The previous
    project's objects are unfrozen first, so that they can go."""
    import gc

    gc.unfreeze()
    gc.collect()
    gc.freeze()


def save_screenshot(window, path: str | Path) -> bool:
    """Save what the screen shows of ``window`` (the widget's own rendering where no screen is)."""
    from PySide6.QtGui import QGuiApplication

    platform = QGuiApplication.platformName()
    if platform in ("offscreen", "minimal"):
        image = window.grab()
    else:
        geometry = window.frameGeometry()
        image = window.screen().grabWindow(0, geometry.x(), geometry.y(),
                                           geometry.width(), geometry.height())
    return image.save(str(path))


def run(project: str | None = None, *, screenshot: str | None = None) -> int:
    """Open the main window (on ``project`` if given) and run until it closes.

    With ``screenshot``, save a picture of the window once the project is drawn and quit:
    the exit code is 2 when the project cannot be opened or the picture cannot be saved.
    """
    from planner import PlannerError

    problem = display_problem()
    if problem:
        raise PlannerError(problem)
    from PySide6.QtCore import QTimer

    from planner.gui.main_window import MainWindow

    app = make_application()
    window = MainWindow()
    window.show()
    if project is not None:
        if screenshot is not None:
            from planner.io import load_project

            try:
                window.set_project(load_project(project), Path(project))
            except PlannerError as exc:
                print(f"planner: error: {exc}", file=sys.stderr)
                return 2
        else:
            QTimer.singleShot(0, lambda: window.open_path(project))
    if screenshot is not None:
        status = {"code": 0}

        def shoot():
            window.canvas.zoom_to_extent()
            app.processEvents()
            if not save_screenshot(window, screenshot):
                print(f"planner: error: could not save {screenshot}", file=sys.stderr)
                status["code"] = 2
            window.close()

        QTimer.singleShot(800, shoot)
        app.exec()
        return status["code"]
    return app.exec()
