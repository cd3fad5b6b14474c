"""Editing on the map: the tools (select, place a unit, draw a parcel, building or street),
deleting, moving point objects, and importing geography; each change one undoable command.

:class:`EditingTools` belongs to the main window and goes through its ``execute`` (the undo
stack), its inspector and its status bar; the rules of what a placed unit is live in
:mod:`planner.generation.placement`, not here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from planner import PlannerError


class ImportCancelled(PlannerError):
    """The user stopped an import; nothing was added."""


class EditingTools(QObject):
    """The tool actions and the edits they make, for one main window."""

    #: The tools: what a click on the map does.
    TOOLS = (("select", "Select", "S"), ("pv_unit", "Place PV", "P"), ("wind_turbine", "Place wind turbine", "W"),
             ("chp_unit", "Place CHP", "C"), ("battery", "Place battery", "B"), ("consumer", "Place consumer", "N"),
             ("heat_pump", "Place heat pump", "H"), ("charging_point", "Place charging point", "E"),
             ("wind_site", "Mark wind site", "Shift+W"), ("draw_parcel", "Draw parcel", "Shift+P"), ("draw_building", "Draw building", "Shift+B"),
             ("draw_street", "Draw street", "Shift+S"))

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.tool_actions: dict[str, QAction] = {}
        self.last_placement_notes: list[str] = []
        window.canvas.place_requested.connect(self.place_unit)
        window.canvas.drawn.connect(self.add_drawn)
        window.canvas.moved.connect(self.move_point)
        window.canvas.reshaped.connect(self.reshape)
        window.canvas.box_selected.connect(self.report_box)

    def make_tools(self) -> None:
        """The Tools toolbar and menu: one checkable action per tool, with its key."""
        window = self.window
        bar = window.addToolBar("Tools")
        bar.setObjectName("tools")
        menu = window.menuBar().addMenu("&Tools")
        self.toolbar, self.menu = bar, menu
        group = QActionGroup(self)
        self.tool_actions = {}
        for tool, text, key in self.TOOLS:
            action = QAction(text, self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(key))
            action.setToolTip(f"{text} ({key})" + ("" if tool == "select" else ": click on a roof, parcel or "
                                                                               "the map"))
            action.triggered.connect(lambda checked=False, t=tool: window.canvas.set_tool(t))
            group.addAction(action)
            bar.addAction(action)
            menu.addAction(action)
            self.tool_actions[tool] = action
        self.tool_actions["select"].setChecked(True)
        menu.addSeparator()
        self.share_action = QAction("Equip a &share of households…", self)
        self.share_action.setToolTip("Heat pumps or wallboxes for a seeded random share of the households, as one "
                                     "undo step")
        self.share_action.triggered.connect(self.equip_households)
        menu.addAction(self.share_action)
        self.phase_action = QAction("Assign &phases…", self)
        self.phase_action.setToolTip("Put small inverters, batteries and wallboxes on one phase each (spread or the "
                                     "worst case) for the three-phase power flow, as one undo step")
        self.phase_action.triggered.connect(self.assign_phases)
        menu.addAction(self.phase_action)

    def equip_households(self) -> bool:
        """Ask which devices for what share (the dialog); on OK add them as one undoable edit."""
        from planner.gui.share_dialog import ShareDialog
        from planner.model.electrification import households

        if self.window.project is None:
            return False
        project = self.window.project
        self.share_dialog = ShareDialog(self.window, {k: len(households(project, k))
                                                      for k in ("heat_pump", "charging_point")})
        self.share_dialog.accepted.connect(lambda: self.add_share(*self.share_dialog.choice()))
        self.share_dialog.open()
        return True

    def add_share(self, kind: str, share: float, seed: int, fields: dict) -> int:
        """Add ``kind`` devices for ``share`` of the households (those beyond it keep theirs); returns how many."""
        from planner.model.commands import AddEntity, Batch
        from planner.model.electrification import equip_share, households

        project = self.window.project
        added, _ = equip_share(project, kind, share, seed=seed, only_add=True, **fields)
        what = "heat pumps" if kind == "heat_pump" else "wallboxes"
        homes = len(households(project, kind))
        if not added:
            self.window.statusBar().showMessage(f"{round(share * homes)} of {homes} households have {what} already: "
                                                f"nothing added", 15000)
            return 0
        if not self.window.execute(Batch(f"Equip {share:.0%} of households with {what}",
                                         [AddEntity(d) for d in added])):
            return 0
        self.window.statusBar().showMessage(f"{len(added):,} {what} added: {round(share * homes)} of {homes} "
                                            f"households have one (seed {seed}); Undo takes them back", 20000)
        return len(added)

    def assign_phases(self) -> bool:
        """Ask how to assign phases (the dialog); on OK change them as one undoable edit."""
        from planner.gui.phase_dialog import PhaseDialog

        if self.window.project is None:
            return False
        project = self.window.project
        members = project.items("member")
        counts = {k: len(project.items(k)) for k in ("pv_unit", "battery", "charging_point", "heat_pump")}
        counts["household"] = sum(1 for c in project.items("consumer").values()
                                  if c.member_id in members and members[c.member_id].kind == "household")
        self.phase_dialog = PhaseDialog(self.window, counts)
        self.phase_dialog.accepted.connect(lambda: self.apply_phases(**self.phase_dialog.choice()))
        self.phase_dialog.open()
        return True

    def apply_phases(self, mode: str, **options) -> int:
        """Assign phases (see :func:`planner.grid.three_phase.assign_phases`); returns how many changed."""
        from planner.grid.three_phase import assign_phases
        from planner.model.commands import Batch, UpdateEntity

        changes = assign_phases(self.window.project, mode, **options)
        if not changes:
            self.window.statusBar().showMessage("Every connection has that phase already: nothing changed", 15000)
            return 0
        if not self.window.execute(Batch(f"Assign phases ({mode})",
                                         [UpdateEntity(kind, oid, phase=phase) for kind, oid, phase in changes])):
            return 0
        on = {p: sum(1 for *_, q in changes if q == p) for p in ("L1", "L2", "L3", "3ph")}
        self.window.statusBar().showMessage(
            f"{len(changes):,} connections changed (" + ", ".join(f"{n:,} to {p}" for p, n in on.items() if n)
            + "); Undo takes them back", 20000)
        return len(changes)

    def place_unit(self, kind: str, x: float, y: float) -> bool:
        """Place a unit of ``kind`` where the map was clicked, as one undoable edit."""
        from shapely.geometry import Point

        from planner.generation.placement import PLACERS
        from planner.model.commands import AddEntity, Batch

        if self.window.project is None:
            return False
        try:
            unit, notes = PLACERS[kind](self.window.project, Point(x, y))
        except PlannerError as exc:
            QMessageBox.warning(self.window, "Cannot place", str(exc))
            return False
        if isinstance(unit, list):  # a device with the meter it brings (a public charging point)
            command = Batch(f"Place {unit[-1].describe()}", [AddEntity(u) for u in unit])
            unit = unit[-1]
        else:
            command = AddEntity(unit)
        if not self.window.execute(command):
            return False
        self.window.inspector.show_entity(self.window.project.get(unit.KIND, unit.id))
        self.window.statusBar().showMessage(f"{unit.describe()}: " + "; ".join(notes), 20000)
        self.last_placement_notes = notes
        return True

    def add_drawn(self, kind: str, points: list) -> bool:
        """A parcel, building or street from the vertices drawn, as one undoable edit."""
        from shapely.geometry import LineString, Polygon

        from planner.generation.placement import next_id
        from planner.model import Building, Parcel, Street
        from planner.model.commands import AddEntity

        if self.window.project is None:
            return False
        needed = 2 if kind == "street" else 3
        if len(points) < needed:
            self.window.statusBar().showMessage(f"a {kind} needs at least {needed} points; nothing added", 10000)
            return False
        geometry = LineString(points) if kind == "street" else Polygon(points)
        cls = {"parcel": Parcel, "building": Building, "street": Street}[kind]
        entity = cls(id=next_id(self.window.project, kind, kind), name=f"New {kind}", geometry=geometry)
        issues = entity.validate()
        if issues:
            QMessageBox.warning(self.window, "Not added", str(issues[0]))
            return False
        if not self.window.execute(AddEntity(entity)):
            return False
        self.window.inspector.show_entity(self.window.project.get(kind, entity.id))
        return True

    def delete_selected(self) -> bool:
        """Remove the selected object (refused, with the reason, while others refer to it)."""
        from planner.model.commands import RemoveEntity

        picked = self.window.canvas.selected_entity()
        if picked is None or self.window.project is None:
            return False
        if not self.window.execute(RemoveEntity(*picked)):
            return False
        self.window.inspector.show_entity(None)
        return True

    def report_box(self, found: dict) -> None:
        """Say what a box holds (its point objects are selected)."""
        from planner.model import ENTITY_BY_KIND

        if not found:
            self.window.statusBar().showMessage("nothing in the box", 5000)
            return
        parts = [ENTITY_BY_KIND[kind].count_label(len(ids)) for kind, ids in found.items()]
        self.window.statusBar().showMessage("in the box: " + ", ".join(parts), 15000)

    def group_boxed_consumers(self, name: str | None = None) -> bool:
        """Edit > Group consumers into one member: the consumers of the last box become one
        member's meters (asked for its name), as one undoable edit."""
        from planner.model.commands import group_consumers

        window = self.window
        ids = window.canvas.boxed.get("consumer", []) if window.project is not None else []
        if not ids:
            QMessageBox.information(window, "Group consumers", "Box the consumers first: Shift and a drag on the map.")
            return False
        if name is None:
            name, ok = QInputDialog.getText(window, "Group consumers into one member",
                                            f"{len(ids)} consumers become the meters of the member named:")
            if not ok:
                return False
        try:
            batch = group_consumers(window.project, ids, name)
        except PlannerError as exc:
            QMessageBox.warning(window, "Not grouped", str(exc))
            return False
        if not window.execute(batch):
            return False
        window.tables.refresh()
        window.statusBar().showMessage(f"{len(ids)} consumers are now the meters of {name.strip()}", 10000)
        return True

    def reshape(self, kind: str, ident: str, geometry) -> bool:
        """A dragged vertex: the new outline or line as one undoable edit (refused when invalid)."""
        from planner.model.commands import UpdateEntity

        if self.window.project is None:
            return False
        done = self.window.execute(UpdateEntity(kind, ident, geometry=geometry))
        if not done:  # put the handles back where the model still has them
            self.window.canvas.map_scene._drop_highlight()
            self.window.canvas.map_scene.select_feature(kind, ident)
        return done

    def move_point(self, kind: str, ident: str, x: float, y: float) -> bool:
        """A dragged point object moves, as one undoable edit."""
        from shapely.geometry import Point

        from planner.model.commands import UpdateEntity

        if self.window.project is None:
            return False
        return self.window.execute(UpdateEntity(kind, ident, geometry=Point(x, y)))

    def import_profiles_dialog(self) -> bool:
        """Import a CSV of load profiles (a year, a column each) as one undoable step."""
        from planner.io.profiles_import import import_load_profiles
        from planner.model import Project
        from planner.model.commands import AddEntity, Batch

        project = self.window.project
        if project is None:
            QMessageBox.information(self.window, "Import", "Make or open a project first.")
            return False
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Import load profiles", str(self.window.path.parent) if self.window.path else str(Path.cwd()),
            "Load profiles (*.csv);;All files (*)")
        if not path:
            return False
        scratch = Project(project.name, project.site)  # nothing half-added when the file is refused
        for existing in project.items("load_profile").values():
            scratch._put(existing)
        try:
            report = import_load_profiles(scratch, path)
        except PlannerError as exc:
            QMessageBox.warning(self.window, "Cannot import", str(exc))
            return False
        added = [e for e in scratch.all_entities() if (e.KIND, e.id) not in project]
        if not self.window.execute(Batch(f"Import {len(added)} load profiles", [AddEntity(e) for e in added])):
            return False
        QMessageBox.information(self.window, "Imported", report.describe() + " (View > People and money lists them)")
        return True

    def import_dialog(self) -> bool:
        """Import parcels, buildings or streets from a file as one undoable step."""
        from planner.io.geography import KINDS, GeographyError, import_geography
        from planner.model import Project
        from planner.model.commands import AddEntity, Batch

        if self.window.project is None:
            QMessageBox.information(self.window, "Import", "Make or open a project first: its site places the import.")
            return False
        path, _ = QFileDialog.getOpenFileName(
            self.window, "Import geography", str(self.window.path.parent) if self.window.path else str(Path.cwd()),
            "Geodata (*.geojson *.json *.shp *.zip *.gpkg *.pbf *.osm);;All files (*)")
        if not path:
            return False
        kind, ok = QInputDialog.getItem(self.window, "Import", f"What does {Path(path).name} hold?", list(KINDS), 1, False)
        if not ok:
            return False
        # read into a copy, so nothing is half-added when the file is refused
        scratch = Project(self.window.project.name, self.window.project.site, attribution=self.window.project.attribution)
        for existing in self.window.project.items({"parcels": "parcel", "buildings": "building",
                                            "streets": "street"}[kind]).values():
            scratch._put(existing)
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication, QProgressDialog

        progress = QProgressDialog(f"Importing {kind} from {Path(path).name}…", "Cancel", 0, 1000, self.window)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(500)  # shown only for a large file

        def step(fraction: float) -> None:
            progress.setValue(int(fraction * 1000))
            QApplication.processEvents()  # the window stays responsive and Cancel can be pressed

        def check() -> None:
            if progress.wasCanceled():
                raise ImportCancelled("import cancelled: nothing was added")

        try:
            report = import_geography(scratch, path, kind, progress=step, check=check)
        except ImportCancelled as exc:
            self.window.statusBar().showMessage(str(exc), 10000)
            return False
        except (PlannerError, GeographyError) as exc:
            QMessageBox.warning(self.window, "Cannot import", str(exc))
            return False
        finally:
            progress.close()
        added = [e for e in scratch.all_entities() if (e.KIND, e.id) not in self.window.project]
        command = Batch(f"Import {len(added)} {kind}", [AddEntity(e) for e in added])
        if not self.window.execute(command):
            return False
        if scratch.attribution != self.window.project.attribution:  # OpenStreetMap's credit, as its licence asks
            self.window.project.attribution = scratch.attribution
            self.window._attribution.setText(scratch.attribution)
        self.window.canvas.zoom_to_extent()
        QMessageBox.information(self.window, "Imported", report.describe())
        return True

