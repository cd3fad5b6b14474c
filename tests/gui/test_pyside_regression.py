"""PySide6 6.12.0 on Python 3.11 crashed after many calls of Qt methods that return nothing
(ARCHITECTURE.md, "Platform facts"). Keep these loops: they crash the process where that bug is."""

import sys

from PySide6.QtGui import QPen
from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsScene


def test_python_is_new_enough():
    assert sys.version_info >= (3, 12)


def test_many_void_calls():
    pen = QPen()
    for _ in range(200_000):
        pen.setWidth(1)
    assert pen.width() == 1


def test_many_scene_items(qapp):
    scene = QGraphicsScene()
    pen = QPen()
    for i in range(10_000):
        item = QGraphicsEllipseItem(i, 0, 1, 1)
        item.setPen(pen)
        scene.addItem(item)
    assert len(scene.items()) == 10_000
    scene.clear()
