"""Undoable edits, free of Qt: the GUI's undo stack wraps these, the CLI and scripts use them as is.

Each command validates before it changes anything, so a refused edit leaves the
project exactly as it was.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from planner import PlannerError
from planner.model.base import Entity, ValidationError, ValidationIssue
from planner.model.project import ENTITY_BY_KIND, Change, Project
from planner.model.site import Site


class Command(Protocol):
    """An undoable change of a project: validated before anything changes."""
    text: str

    def do(self, project: Project) -> None: ...

    def undo(self, project: Project) -> None: ...


def _check(project: Project, entity: Entity) -> None:
    issues = entity.validate() + project.check_references(entity)
    if issues:
        raise ValidationError(issues)


class AddEntity:
    """Add one object (validated, references checked, id unique)."""

    def __init__(self, entity: Entity):
        self.entity = entity
        self.text = f"Add {entity.describe()}"

    def do(self, project: Project) -> None:
        _check(project, self.entity)
        project.add(self.entity)

    def undo(self, project: Project) -> None:
        project._remove(self.entity.KIND, self.entity.id)


class RemoveEntity:
    """Remove one object; refused while others refer to it (remove those first)."""

    def __init__(self, kind: str, id: str):
        self.kind, self.id = kind, id
        self.removed: Entity | None = None
        self.text = f"Remove {kind} '{id}'"

    def do(self, project: Project) -> None:
        entity = project.get(self.kind, self.id)
        users = project.referrers(self.kind, self.id)
        if users:
            names = ", ".join(u.describe() for u in users[:3])
            more = f" and {len(users) - 3} more" if len(users) > 3 else ""
            raise ValidationError([ValidationIssue(
                entity.describe(), None, f"cannot remove it while {names}{more} refer to it")])
        self.removed = project._remove(self.kind, self.id)
        self.text = f"Remove {entity.describe()}"

    def undo(self, project: Project) -> None:
        project.add(self.removed)


class UpdateEntity:
    """Change fields of one object (``geometry`` included); the id cannot change."""

    def __init__(self, kind: str, id: str, /, **changes: Any):
        if "id" in changes:
            raise ValueError("an object's id cannot be changed")
        self.kind, self.id, self.changes = kind, id, changes
        self.old: Entity | None = None
        self.text = f"Edit {kind} '{id}'"

    def do(self, project: Project) -> None:
        old = project.get(self.kind, self.id)
        new = dataclasses.replace(old, **self.changes)
        issues = project.check_change(old, new)
        if issues:
            raise ValidationError(issues)
        _check(project, new)
        self.old = old
        project._put(new)
        labels = {spec.name: spec.label for spec in new.field_specs()}
        self.text = f"Edit {new.describe()}: {', '.join(labels.get(k, k) for k in self.changes)}"

    def undo(self, project: Project) -> None:
        project._put(self.old)


class SetSite:
    """Move the project's site (position, time zone or CRS)."""

    def __init__(self, site: Site):
        self.site = site
        self.old: Site | None = None
        self.text = "Change site"

    def do(self, project: Project) -> None:
        issues = self.site.validate()
        if issues:
            raise ValidationError(issues)
        self.old, project.site = project.site, self.site
        project._notify(Change("project"))

    def undo(self, project: Project) -> None:
        project.site = self.old
        project._notify(Change("project"))


class SetStudy:
    """Change the study's assumptions (emission factor, upstream losses, discount rate, horizon, costs)."""

    def __init__(self, study):
        self.study = study
        self.old = None
        self.text = "Change the study settings"

    def do(self, project: Project) -> None:
        issues = self.study.validate()
        if issues:
            raise ValidationError(issues)
        self.old, project.study = project.study, self.study
        project._notify(Change("project"))

    def undo(self, project: Project) -> None:
        project.study = self.old
        project._notify(Change("project"))


class SetScenarios:
    """Replace the project's scenarios (named variants as overrides of the base)."""

    def __init__(self, scenarios):
        self.scenarios = tuple(scenarios)
        self.old = None
        self.text = "Change the scenarios"

    def do(self, project: Project) -> None:
        from planner.model.scenarios import validate_scenarios

        issues = validate_scenarios(self.scenarios)
        if issues:
            raise ValidationError(issues)
        self.old, project.scenarios = project.scenarios, self.scenarios
        project._notify(Change("project"))

    def undo(self, project: Project) -> None:
        project.scenarios = self.old
        project._notify(Change("project"))


class Batch:
    """Several commands as one step: all are done, or none (a failure undoes the done ones)."""

    def __init__(self, text: str, commands: list[Command]):
        self.text, self.commands = text, list(commands)

    def do(self, project: Project) -> None:
        done = []
        try:
            for c in self.commands:
                c.do(project)
                done.append(c)
        except Exception:
            for c in reversed(done):
                c.undo(project)
            raise

    def undo(self, project: Project) -> None:
        for c in reversed(self.commands):
            c.undo(project)


#: Kinds in the order new objects are added (referenced ones first); removals go the other way.
_ADD_ORDER = ("cable_type", "transformer_type", "bus", "transformer", "cable", "external_grid", "switch")


def commands_to_match(project: Project, target: Project, text: str) -> Batch:
    """One undoable step that turns ``project`` into ``target`` (a snapshot changed apart, such as a
    grid laid out in a worker): new types and buses first, then changed objects (consumers and units
    moved to their new buses), new branches, then what is gone, branches before their buses."""
    kinds = list(ENTITY_BY_KIND)
    order = [k for k in _ADD_ORDER if k in kinds] + [k for k in kinds if k not in _ADD_ORDER]
    adds, updates, removes = [], [], []
    for kind in order:
        old, new = project.items(kind), target.items(kind)
        for id_, entity in new.items():
            if id_ not in old:
                adds.append(AddEntity(entity))
            elif old[id_] != entity:
                changes = {f.name: getattr(entity, f.name) for f in dataclasses.fields(entity)
                           if f.name != "id" and getattr(entity, f.name) != getattr(old[id_], f.name)}
                updates.append(UpdateEntity(kind, id_, **changes))
    for kind in reversed(order):
        old, new = project.items(kind), target.items(kind)
        removes.extend(RemoveEntity(kind, id_) for id_ in old if id_ not in new)
    add_points = [c for c in adds if c.entity.KIND in ("cable_type", "transformer_type", "bus")]
    add_rest = [c for c in adds if c not in add_points]
    return Batch(text, add_points + add_rest + updates + removes)


class CommandStack:
    """A plain undo stack for scripts and the CLI (the GUI uses QUndoStack around the same commands)."""

    def __init__(self, project: Project):
        self.project = project
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean_index = 0

    def push(self, command: Command) -> None:
        command.do(self.project)
        self._done.append(command)
        self._undone.clear()

    def undo(self) -> None:
        command = self._done.pop()
        command.undo(self.project)
        self._undone.append(command)

    def redo(self) -> None:
        command = self._undone.pop()
        command.do(self.project)
        self._done.append(command)

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    def set_clean(self) -> None:
        self._clean_index = len(self._done)

    @property
    def is_clean(self) -> bool:
        return self._clean_index == len(self._done) and not (
            self._undone and self._clean_index > len(self._done))


def group_consumers(project: Project, consumer_ids, name: str, kind: str = "business") -> Batch:
    """One undoable step that makes ``consumer_ids`` the meters of one member (a business with
    several meters, a household's heat pump meter): a new member named ``name`` of ``kind``, or
    the member of that name the project has; members left with nothing (no consumer, unit,
    share, contract or parcel of theirs) go, as an import made them one per consumer."""
    from planner.model import Member

    consumer_ids = list(dict.fromkeys(consumer_ids))
    if not consumer_ids:
        raise PlannerError("no consumers to group: box some on the map (Shift and a drag)")
    name = (name or "").strip()
    if not name:
        raise PlannerError("the member needs a name")
    consumers = [project.get("consumer", c) for c in consumer_ids]
    existing = [m for m in project.items("member").values() if m.name == name]
    commands: list[Command] = []
    if existing:
        member_id = existing[0].id
    else:
        base = "m-" + "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
        member_id, n = base or "m-group", 1
        while member_id in project.items("member"):
            n += 1
            member_id = f"{base}-{n}"
        commands.append(AddEntity(Member(id=member_id, name=name, kind=kind,
                                         source=f"grouped by hand from {len(consumers)} consumers")))
    commands += [UpdateEntity("consumer", c.id, member_id=member_id) for c in consumers if c.member_id != member_id]
    grouped = set(consumer_ids)
    for old in {c.member_id for c in consumers if c.member_id and c.member_id != member_id}:
        others = [r for r in project.referrers("member", old) if not (r.KIND == "consumer" and r.id in grouped)]
        if not others:
            commands.append(RemoveEntity("member", old))
    return Batch(f"group {len(consumers)} consumers into {name}", commands)
