"""Variants of a project: the base with named overrides (a sweep's variants, a project's scenarios).

Each parameter of :data:`PARAMETERS` says what it changes, its unit, the values it takes and
how it is applied; :func:`check` refuses an unknown name or a value out of range before
anything runs, and :func:`apply` returns the changed copy of the project (the base is never
touched) with the cost catalogue's multipliers and what the change did, in words.

PV on a share of roofs (``pv_share``): the households (consumers with a member) are ranked,
those that carry rooftop PV now first, the rest in a fixed pseudo-random order (a hash of
their id), so a larger share always adds roofs to a smaller share's. Roofs that lose their PV
lose the unit; roofs that gain one get a copy of the project's own rooftop units in turn
(peak power, tilt, azimuth, losses), at the consumer's place and bus, owned by its member.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from planner import PlannerError
from planner.model import Project
from planner.model.scenarios import CAPEX_TECHNOLOGIES, PARAMETERS, Parameter, check
from planner.model.units import Battery, PVUnit

__all__ = ["PARAMETERS", "Parameter", "Variant", "apply", "check"]


@dataclass
class Variant:
    """The base project changed by ``overrides``, ready to simulate."""

    project: Project
    overrides: dict
    catalogue_factors: dict = field(default_factory=dict)  # technology -> capex factor
    notes: list = field(default_factory=list)

    def catalogue(self, base: pd.DataFrame) -> pd.DataFrame:
        """``base`` (the cost catalogue) with this variant's capex factors."""
        if not self.catalogue_factors:
            return base
        out = base.copy()
        for technology, factor in self.catalogue_factors.items():
            if technology in out.index:
                out.loc[technology, "capex_eur_per_unit"] = out.loc[technology, "capex_eur_per_unit"] * factor
        return out


def apply(base: Project, overrides: Mapping) -> Variant:
    """The base project with ``overrides`` (see :data:`PARAMETERS`); the base is left as it was.

    Raises
    ------
    PlannerError
        Naming the parameter: an unknown one, a value out of range, or a change the project
        cannot take (CHP power for a project without CHP).
    """
    problems = check(overrides)
    if problems:
        raise PlannerError("; ".join(problems))
    project = base.snapshot()
    variant = Variant(project, dict(overrides))
    for name in PARAMETERS:  # a fixed order: pv_share before pv_scale, chp before chp_kw
        if name in overrides:
            _APPLY.get(name, _study_or_factor)(variant, name, overrides[name])
    return variant


def _remove_unit(project: Project, kind: str, unit_id: str) -> None:
    """A unit and the ownership shares in it (nothing else refers to a unit)."""
    for share in list(project.items("ownership_share").values()):
        if share.unit_kind == kind and share.unit_id == unit_id:
            project._remove("ownership_share", share.id)
    project._remove(kind, unit_id)


def _rank(consumer_id: str) -> str:
    return hashlib.sha256(consumer_id.encode()).hexdigest()


def _pv_share(variant: Variant, name: str, share: float) -> None:
    project = variant.project
    members = project.items("member")
    households = [c for c in project.items("consumer").values() if c.member_id in members]
    if not households:
        raise PlannerError("pv_share: the project has no consumer with a member (no household roof to put PV on)")
    rooftop: dict[str, PVUnit] = {}  # member id -> its (first) rooftop unit
    for unit in sorted(project.items("pv_unit").values(), key=lambda u: u.id):
        parcel = project.items("parcel").get(unit.parcel_id) if unit.parcel_id else None
        if unit.owner_id in members and not (parcel and parcel.land_use in ("agricultural", "open")):
            rooftop.setdefault(unit.owner_id, unit)
    order = sorted(households, key=lambda c: (c.member_id not in rooftop, _rank(c.id)))
    target = round(share * len(households))
    templates = [rooftop[m] for m in sorted(rooftop)] or [PVUnit(id="template", peak_kw=5.0)]
    kept = added = removed = 0
    for position, consumer in enumerate(order):
        has = consumer.member_id in rooftop
        if position < target and not has:
            template = templates[added % len(templates)]
            unit_id = f"pv-variant-{consumer.id}"
            project.add(dataclasses.replace(template, id=unit_id, name=f"Rooftop PV of {consumer.name or consumer.id} "
                                            f"(added by pv_share)", geometry=consumer.geometry,
                                            parcel_id=consumer.parcel_id, owner_id=consumer.member_id,
                                            bus_id=consumer.bus_id))
            rooftop[consumer.member_id] = project.get("pv_unit", unit_id)
            added += 1
        elif position >= target and has:
            for unit in [u for u in project.items("pv_unit").values() if u.owner_id == consumer.member_id]:
                _remove_unit(project, "pv_unit", unit.id)
            removed += 1
        elif has:
            kept += 1
    variant.notes.append(f"pv_share {share:g}: {kept + added} of {len(households)} household roofs carry PV "
                         f"({added} added as copies of the project's rooftop units, {removed} removed)")


def _pv_scale(variant: Variant, name: str, factor: float) -> None:
    for unit in list(variant.project.items("pv_unit").values()):
        variant.project._put(dataclasses.replace(unit, peak_kw=unit.peak_kw * factor))
    variant.notes.append(f"pv_scale {factor:g}: every PV unit's peak power times {factor:g}")


def _battery(variant: Variant, name: str, kwh: float) -> None:
    project = variant.project
    shared = [b for b in project.items("battery").values() if b.shared]
    total = sum(b.capacity_kwh for b in shared)
    if kwh == 0:
        for b in shared:
            _remove_unit(project, "battery", b.id)
        variant.notes.append(f"battery_kwh 0: {len(shared)} shared batter{'y' if len(shared) == 1 else 'ies'} removed")
        return
    if shared:
        factor = kwh / total
        for b in shared:
            project._put(dataclasses.replace(b, capacity_kwh=b.capacity_kwh * factor, power_kw=b.power_kw * factor))
        variant.notes.append(f"battery_kwh {kwh:g}: the shared batteries' capacity and power times {factor:.3g}")
        return
    site = _community_site(project)
    project.add(Battery(id="battery-variant", name="Shared battery (added by battery_kwh)", geometry=site[0],
                        bus_id=site[1], capacity_kwh=float(kwh), power_kw=float(kwh) / 2.0, shared=True))
    variant.notes.append(f"battery_kwh {kwh:g}: a shared battery of {kwh:g} kWh and {kwh / 2:g} kW (C-rate 0.5, an "
                         f"assumption) added at {site[2]}")


def _community_site(project: Project):
    """Where a community unit goes: the busbar of the station that serves a CHP's bus (a
    community battery stands at the substation, not on a house connection), else the CHP's own
    place, else the busbar of the station with the most consumers behind it, else the project's
    site without a bus."""
    from collections import Counter

    buses = project.items("bus")
    stations = [(t, buses[t.lv_bus]) for t in sorted(project.items("transformer").values(), key=lambda t: t.id)
                if t.lv_bus in buses]
    for chp in sorted(project.items("chp_unit").values(), key=lambda u: u.id):
        zone = buses[chp.bus_id].zone if chp.bus_id in buses else None
        for trafo, busbar in stations:
            if zone is not None and busbar.zone == zone:
                return busbar.geometry, busbar.id, f"the busbar of {trafo.describe()}, which serves {chp.describe()}"
        return chp.geometry, chp.bus_id, f"the site of {chp.describe()}"
    if stations:
        served = Counter(buses[c.bus_id].zone for c in project.items("consumer").values() if c.bus_id in buses)
        trafo, busbar = max(stations, key=lambda s: served.get(s[1].zone, 0))  # ties: the first by id
        return busbar.geometry, busbar.id, f"the low-voltage busbar of {trafo.describe()}, the station with the most " \
                                           f"consumers"
    return None, None, "the site, without a grid bus"


def _chp(variant: Variant, name: str, keep: bool) -> None:
    if keep:
        return
    units = list(variant.project.items("chp_unit"))
    for unit_id in units:
        _remove_unit(variant.project, "chp_unit", unit_id)
    variant.notes.append(f"chp false: {len(units)} CHP unit{'s' * (len(units) != 1)} removed")


def _chp_kw(variant: Variant, name: str, kw: float) -> None:
    units = list(variant.project.items("chp_unit").values())
    if not units:
        if variant.overrides.get("chp") is False:
            return  # no CHP in this variant: its size does not matter
        raise PlannerError("chp_kw: the project has no CHP unit to size")
    total = sum(u.p_el_kw for u in units)
    for u in units:
        variant.project._put(dataclasses.replace(u, p_el_kw=u.p_el_kw * kw / total))
    variant.notes.append(f"chp_kw {kw:g}: the CHP units' electrical power {total:g} kW -> {kw:g} kW")


def _equip(variant: Variant, name: str, share: float) -> None:
    from planner.model.electrification import equip_share, households

    project = variant.project
    kind = "heat_pump" if name == "heat_pump_share" else "charging_point"
    fields = {"strategy": variant.overrides["ev_charging"]} if kind == "charging_point" and \
        "ev_charging" in variant.overrides else {}
    added, removed = equip_share(project, kind, share, **fields)
    for device_id in removed:
        project._remove(kind, device_id)
    for device in added:
        project.add(device)
    homes = len(households(project, kind))
    what = "heat pumps" if kind == "heat_pump" else "charging points"
    variant.notes.append(f"{name} {share:g}: {round(share * homes)} of {homes} households with {what} "
                         f"({len(added)} added, {len(removed)} removed)")


def _ev_charging(variant: Variant, name: str, strategy: str) -> None:
    points = list(variant.project.items("charging_point").values())
    for point in points:
        variant.project._put(dataclasses.replace(point, strategy=strategy))
    variant.notes.append(f"ev_charging {strategy}: {len(points)} charging point(s) charge '{strategy}'")


def _phases(variant: Variant, name: str, mode: str) -> None:
    from planner.grid.three_phase import assign_phases

    changes = assign_phases(variant.project, mode)
    for kind, oid, phase in changes:
        variant.project._put(dataclasses.replace(variant.project.get(kind, oid), phase=phase))
    variant.notes.append(f"phases {mode}: {len(changes)} connection(s) changed")


def _tariffs(variant: Variant, name: str, value: float) -> None:
    for t in list(variant.project.items("tariff").values()):
        if name == "import_price_factor":
            tou = ";".join(f"{float(p) * value:.6g}" for p in t.tou_prices.split(";")) if t.tou_prices else None
            new = dataclasses.replace(t, import_price_eur_per_kwh=t.import_price_eur_per_kwh * value, tou_prices=tou)
        else:
            new = dataclasses.replace(t, export_price_eur_per_kwh=float(value))
        variant.project._put(new)
    variant.notes.append(f"{name} {value:g} on every tariff")


def _weather(variant: Variant, name: str, value: str) -> None:
    variant.project.weather = value


def _study_or_factor(variant: Variant, name: str, value) -> None:
    if name in CAPEX_TECHNOLOGIES:
        for technology in CAPEX_TECHNOLOGIES[name]:
            variant.catalogue_factors[technology] = float(value)
        return
    variant.project.study = dataclasses.replace(variant.project.study, **{name: value})


_APPLY: dict[str, Callable] = {
    "pv_share": _pv_share, "pv_scale": _pv_scale, "battery_kwh": _battery, "chp": _chp, "chp_kw": _chp_kw,
    "import_price_factor": _tariffs, "export_price_eur_per_kwh": _tariffs, "weather": _weather,
    "heat_pump_share": _equip, "ev_share": _equip, "ev_charging": _ev_charging, "phases": _phases,
}
