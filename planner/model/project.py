"""The project: a site and the collections of every kind of object, with change events."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from planner.model.base import Entity, ValidationError, ValidationIssue
from planner.model.catalogue import CableType, TransformerType
from planner.model.grid import Bus, Cable, ExternalGrid, GridLayout, Switch, Transformer
from planner.model.land import Building, Parcel, Street
from planner.model.sharing import SharedEnergy
from planner.model.people import (Consumer, Contract, EfficiencyMeasure, LoadProfile, Member, OwnershipShare,
                                   Tariff)
from planner.model.site import Site
from planner.model.units import Battery, CHPUnit, PVUnit, WindSite, WindTurbine
from planner.model.electrification import ChargingPoint, HeatPump

#: Every kind of object a project holds, in the order files and views list them.
ENTITY_TYPES: tuple[type[Entity], ...] = (
    Parcel, Building, Street,
    Member, Tariff, Contract, LoadProfile, Consumer,
    PVUnit, WindTurbine, CHPUnit, Battery, HeatPump, ChargingPoint, WindSite,
    Bus, Cable, Transformer, ExternalGrid, Switch,
    CableType, TransformerType,
    OwnershipShare, EfficiencyMeasure,
)
ENTITY_BY_KIND: dict[str, type[Entity]] = {t.KIND: t for t in ENTITY_TYPES}


@dataclass(frozen=True)
class Change:
    """What an edit changed: ``action`` is ``added``, ``removed``, ``changed`` or ``project``."""

    action: str
    kind: str | None = None
    id: str | None = None


class Project:
    """A community energy project: site, land, members, units and grid.

    Objects are immutable; the project maps ``kind -> id -> object``. Edit through
    :mod:`planner.model.commands` so that every change can be undone and views are told.
    """

    def __init__(self, name: str, site: Site, *, description: str = "",
                 weather: str | None = None, attribution: str = "",
                 shared_energy: SharedEnergy | None = None, default_tariff: str | None = None,
                 grid_investment=None, study=None, scenarios=()):
        from planner.model.study import StudySettings

        self.name = name
        #: The study's assumptions: emission factor, upstream losses, discount rate, horizon, costs.
        self.study = study if study is not None else StudySettings()
        #: Named variants of the project, each the base with overrides (:mod:`planner.model.scenarios`).
        self.scenarios = tuple(scenarios)
        #: What the community spends on its own grid (``planner size-grid``), or None.
        self.grid_investment = grid_investment
        #: What energy shared between members pays in grid fees, levies and taxes.
        self.shared_energy = shared_energy if shared_energy is not None else SharedEnergy()
        #: The tariff of members that name none (default: the first tariff by id).
        self.default_tariff = default_tariff
        self.site = site
        self.description = description
        #: Credit that the data's licence asks the app to show ("© OpenStreetMap contributors").
        self.attribution = attribution
        #: Which weather the project uses (a station id or a file name), recorded for results.
        self.weather = weather
        self._items: dict[str, dict[str, Entity]] = {k: {} for k in ENTITY_BY_KIND}
        self._listeners: list[Callable[[], Any]] = []

    def snapshot(self) -> "Project":
        """A copy to work on apart (a long job in a worker): same settings and objects (which are
        immutable, so shared), no listeners."""
        copy = Project(self.name, self.site, description=self.description, weather=self.weather,
                       attribution=self.attribution, shared_energy=self.shared_energy,
                       default_tariff=self.default_tariff, grid_investment=self.grid_investment,
                       study=self.study, scenarios=self.scenarios)
        for kind, items in self._items.items():
            copy._items[kind] = dict(items)
        return copy

    # ------------------------------------------------------------------ access
    def items(self, kind: str) -> MappingProxyType[str, Entity]:
        """The objects of one kind, by id (a read-only view: edit through commands)."""
        return MappingProxyType(self._items[_kind(kind)])

    def get(self, kind: str, id: str) -> Entity:
        """The object of ``kind`` with ``id`` (KeyError naming both when absent)."""
        try:
            return self._items[_kind(kind)][id]
        except KeyError:
            raise KeyError(f"no {ENTITY_BY_KIND[kind].LABEL.lower()} with id '{id}'") from None

    def __contains__(self, key: tuple[str, str]) -> bool:
        kind, id = key
        return id in self._items.get(kind, {})

    def all_entities(self) -> Iterator[Entity]:
        """Every object of the project, kind by kind."""
        for items in self._items.values():
            yield from items.values()

    def counts(self) -> dict[str, int]:
        """How many objects of each kind."""
        return {kind: len(items) for kind, items in self._items.items()}

    def grid_layout(self) -> GridLayout:
        """The project's grid as one object (buses, cables, transformers, connections)."""
        return GridLayout(
            buses=tuple(self._items["bus"].values()),
            cables=tuple(self._items["cable"].values()),
            transformers=tuple(self._items["transformer"].values()),
            external_grids=tuple(self._items["external_grid"].values()),
            switches=tuple(self._items["switch"].values()),
        )

    # ---------------------------------------------------------------- building
    def add(self, entity: Entity) -> None:
        """Add an object without validation or undo (loaders and builders; the GUI uses commands)."""
        items = self._items[_kind(entity.KIND)]
        if entity.id in items:
            raise ValidationError([ValidationIssue(
                entity.describe(), "id", f"id '{entity.id}' is already used by another "
                f"{entity.LABEL.lower()}")])
        items[entity.id] = entity
        self._notify(Change("added", entity.KIND, entity.id))

    def add_all(self, entities) -> None:
        """Add several objects (each validated and checked for references)."""
        for e in entities:
            self.add(e)

    def _put(self, entity: Entity) -> None:
        self._items[entity.KIND][entity.id] = entity
        self._notify(Change("changed", entity.KIND, entity.id))

    def _remove(self, kind: str, id: str) -> Entity:
        entity = self._items[kind].pop(id)
        self._notify(Change("removed", kind, id))
        return entity

    # -------------------------------------------------------------- validation
    def validate(self) -> list[ValidationIssue]:
        """Every problem in the project: fields, geometry, references and duplicates."""
        issues = list(self.site.validate())
        issues.extend(self.shared_energy.validate())
        if self.grid_investment is not None:
            issues.extend(self.grid_investment.validate())
        issues.extend(self.study.validate())
        from planner.model.scenarios import validate_scenarios

        issues.extend(validate_scenarios(self.scenarios))
        if self.default_tariff is not None and self.default_tariff not in self.items("tariff"):
            issues.append(ValidationIssue("Project", "default_tariff",
                                          f"default tariff '{self.default_tariff}' is not a tariff of the project"))
        if not isinstance(self.name, str) or not self.name.strip():
            issues.append(ValidationIssue("Project", "name", "name must not be empty"))
        centre = None if issues else self._centre()
        entities = list(self.all_entities())
        # every object's distance at once (one call per object took 0.2 s of loading the sample)
        far = self._distances(entities, centre) if centre is not None else None
        for entity, distance in zip(entities, far if far is not None else [None] * len(entities)):
            entity_issues = entity.validate()
            issues.extend(entity_issues)
            issues.extend(self.check_references(entity))
            if distance is not None and not entity_issues and entity.GEOMETRY is not None:
                issues.extend(self._check_extent(entity, distance))
        return issues

    def _centre(self):
        try:
            return self.site.centre_xy()
        except Exception:  # an unknown CRS is the site's own issue, reported by its validation
            return None

    @staticmethod
    def _distances(entities, centre):
        """Each object's farthest bound from ``centre`` along x or y [m] (NaN without a geometry)."""
        import numpy as np
        import shapely

        geometries = np.array([g if isinstance(g := getattr(e, "geometry", None), shapely.Geometry) else None
                               for e in entities],
                              dtype=object)
        bounds = shapely.bounds(geometries)  # NaN rows for None and empty geometries
        with np.errstate(invalid="ignore"):
            return np.abs(bounds - np.array([centre[0], centre[1], centre[0], centre[1]])).max(axis=1)

    def _check_extent(self, entity: Entity, far: float) -> list[ValidationIssue]:
        """An object far beyond the site: a wrong CRS or a typo in a coordinate (``far``, its
        farthest bound from the site's centre along x or y [m], from :meth:`_distances`)."""
        from planner.model.site import SITE_RADIUS_M

        if not far > SITE_RADIUS_M:  # within, or NaN: no geometry to place
            return []
        return [ValidationIssue(entity.describe(), "geometry",
                                f"geometry lies {far / 1000:,.4g} km from the site's centre; a project reaches "
                                f"at most {SITE_RADIUS_M / 1000:,.0f} km (a coordinate typo, or another CRS "
                                f"than {self.site.crs}?)")]

    def check_references(self, entity: Entity) -> list[ValidationIssue]:
        """Issues for ids in ``entity`` that name no object of the referenced kind."""
        issues = []
        for spec, ref_id in entity.references():
            if not isinstance(ref_id, str) or ref_id not in self._items[spec.ref]:
                issues.append(ValidationIssue(
                    entity.describe(), spec.name,
                    f"{spec.label} '{ref_id}' does not exist"))
        if isinstance(entity, OwnershipShare):
            issues.extend(self._check_share(entity))
        if isinstance(entity, Switch):
            target = "cable" if entity.element_kind == "cable" else "bus"
            if entity.element_id not in self._items[target]:
                issues.append(ValidationIssue(
                    entity.describe(), "element_id",
                    f"switched {target} '{entity.element_id}' does not exist"))
        return issues

    def _check_share(self, share: OwnershipShare) -> list[ValidationIssue]:
        unit = self._items[share.unit_kind].get(share.unit_id)
        if unit is None:
            return [ValidationIssue(share.describe(), "unit_id",
                                    f"{share.unit_kind.replace('_', ' ')} '{share.unit_id}' does not exist")]
        issues = []
        total = sum(s.share for s in self._items["ownership_share"].values()
                    if s.unit_kind == share.unit_kind and s.unit_id == share.unit_id and s.id != share.id)
        if total + share.share > 1.0 + 1e-9:
            issues.append(ValidationIssue(share.describe(), "share",
                                          f"the shares of {unit.describe()} add up to {total + share.share:g}, more than 1"))
        if self.is_cooperative_unit(unit):
            member = self._items["member"].get(share.member_id)
            if member is not None and not member.local_resident:
                issues.append(ValidationIssue(share.describe(), "member_id",
                                              f"{member.describe()} is not a local resident: cooperative shares are "
                                              f"only for local residents"))
        return issues

    def is_cooperative_unit(self, unit) -> bool:
        """Whether a unit belongs to the community as a whole (no owner, or the cooperative)."""
        owner = self._items["member"].get(getattr(unit, "owner_id", None) or "")
        return owner is not None and owner.kind == "cooperative"

    def check_change(self, old: Entity, new: Entity) -> list[ValidationIssue]:
        """Rules about changing an object, beyond what the new state must satisfy."""
        if isinstance(old, OwnershipShare) and old.member_id != new.member_id:
            unit = self._items[old.unit_kind].get(old.unit_id)
            if unit is not None and self.is_cooperative_unit(unit):
                return [ValidationIssue(old.describe(), "member_id",
                                        "cooperative shares are not transferable: remove the share (it returns to "
                                        "the cooperative) and give the cooperative's new share to the member")]
        return []

    def referrers(self, kind: str, id: str) -> list[Entity]:
        """Objects that refer to the object ``(kind, id)``."""
        out = []
        for entity in self.all_entities():
            if any(spec.ref == kind and ref == id for spec, ref in entity.references()):
                out.append(entity)
            elif (isinstance(entity, Switch) and entity.element_id == id
                  and entity.element_kind == kind):
                out.append(entity)
            elif isinstance(entity, OwnershipShare) and entity.unit_kind == kind and entity.unit_id == id:
                out.append(entity)
        return out

    # ------------------------------------------------------------------ events
    def subscribe(self, callback: Callable[[Change], Any]) -> None:
        """Call ``callback(change)`` after every change; bound methods are held weakly."""
        ref = weakref.WeakMethod(callback) if hasattr(callback, "__self__") else (lambda: callback)
        self._listeners.append(ref)

    def unsubscribe(self, callback: Callable[[Change], Any]) -> None:
        """Stop telling ``callback`` about changes."""
        self._listeners = [r for r in self._listeners if r() not in (None, callback)]

    def _notify(self, change: Change) -> None:
        alive = []
        for ref in self._listeners:
            callback = ref()
            if callback is not None:
                alive.append(ref)
                callback(change)
        self._listeners = alive

    def __repr__(self) -> str:
        held = ", ".join(ENTITY_BY_KIND[k].count_label(n) for k, n in self.counts().items() if n)
        return f"<Project {self.name!r} at {self.site.latitude:.4f}, {self.site.longitude:.4f}: {held or 'empty'}>"


def _kind(kind: str) -> str:
    if kind not in ENTITY_BY_KIND:
        raise KeyError(f"unknown kind of object '{kind}'; known: {', '.join(ENTITY_BY_KIND)}")
    return kind


def summarize(project: Project) -> dict:
    """What a project holds, as plain data (for ``planner info`` and the GUI)."""
    items = project.items
    grid = project.grid_layout()
    cable_km = grid.total_cable_length_km()
    return {
        "name": project.name,
        "description": project.description,
        "site": {"latitude": project.site.latitude, "longitude": project.site.longitude,
                 "timezone": project.site.timezone, "crs": project.site.crs},
        "weather": project.weather,
        "counts": project.counts(),
        "demand": {
            "annual_kwh": sum(c.annual_kwh for c in items("consumer").values()),
            "annual_heat_kwh": sum(c.annual_heat_kwh for c in items("consumer").values()),
        },
        "capacity": {
            "pv_peak_kw": sum(u.peak_kw for u in items("pv_unit").values()),
            "wind_rated_kw": sum(u.rated_kw for u in items("wind_turbine").values()),
            "chp_el_kw": sum(u.p_el_kw for u in items("chp_unit").values()),
            "battery_kwh": sum(u.capacity_kwh for u in items("battery").values()),
        },
        "grid": {
            "buses": len(grid.buses),
            "cable_length_km": round(cable_km, 3),
            "transformers": len(grid.transformers),
            "upstream_connections": len(grid.external_grids),
            "open_switches": sum(1 for s in grid.switches if not s.closed),
            # connections on one phase, per phase (the run adds the three-phase year where any is)
            "one_phase": {phase: sum(1 for kind in ("consumer", "pv_unit", "wind_turbine", "chp_unit", "battery",
                                                    "heat_pump", "charging_point")
                                     for e in items(kind).values() if e.phase == phase)
                          for phase in ("L1", "L2", "L3")},
        },
    }
