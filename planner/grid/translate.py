"""A project's grid to a pandapower net and back: pure translation, no sizing, no guessing.

Project to pandapower (:func:`to_pandapower`): buses, cables (length along the
route in the project's CRS unless given), transformers, switches and the
upstream connection; consumers become loads (static value: their mean power),
PV, wind and CHP units become static generators, batteries storage units, each
at its bus; geodata is written in WGS 84, as pandapower 3 keeps it.

pandapower to project (:func:`import_grid`): buses with their coordinates
(pandapower 3 ``geo`` GeoJSON or the older ``bus_geodata`` table), lines with
their routes (or straight between their buses), transformers, external grids
and switches, reprojected into the project's CRS. Line and transformer data
come from the elements themselves: a parameter set that pandapower's library
does not hold under its name becomes a project type. Loads, static generators
and storage are counted but not imported: what a load is (a household, a
business) is for the caller to say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner import PlannerError
from planner.model import (
    Bus, Cable, CableType, Consumer, ExternalGrid, Member, Project, Switch, Transformer, TransformerType,
)

_LINE_PARAMS = ("r_ohm_per_km", "x_ohm_per_km", "c_nf_per_km", "g_us_per_km", "max_i_ka")
_TRAFO_PARAMS = ("sn_mva", "vn_hv_kv", "vn_lv_kv", "vk_percent", "vkr_percent", "pfe_kw", "i0_percent",
                 "shift_degree", "tap_neutral", "tap_min", "tap_max", "tap_step_percent", "tap_step_degree")


class TranslationError(PlannerError):
    """A grid that cannot be translated; the message names the element."""


# --------------------------------------------------------------------------- import
@dataclass
class ImportReport:
    """What an import did: pandapower indexes to project ids, what was left out and why."""
    buses: dict[int, str] = field(default_factory=dict)  # pandapower bus -> project bus id
    cables: dict[int, str] = field(default_factory=dict)
    transformers: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    left_out: dict[str, int] = field(default_factory=dict)
    consumers: int = 0

    def describe(self) -> str:
        """One line for the user: counts and notes."""
        parts = [f"{len(self.buses)} buses", f"{len(self.cables)} cables",
                 f"{len(self.transformers)} transformers"] + ([f"{self.consumers} consumers"] if self.consumers else [])
        parts += [f"{n} {k} left out" for k, n in self.left_out.items() if n]
        return ", ".join(parts) + "".join(f"; {n}" for n in self.notes)


def _geometry(value):
    import shapely

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, dict):
        value = json.dumps(value)
    if isinstance(value, str):
        try:
            return shapely.from_geojson(value)
        except Exception:
            return None
    if hasattr(value, "geom_type"):
        return value
    return None


def bus_points(net) -> dict[int, tuple[float, float]]:
    """Bus coordinates as pandapower holds them: ``geo`` (pandapower 3) or ``bus_geodata``."""
    points = {}
    if "geo" in net.bus:
        for idx, value in net.bus.geo.items():
            g = _geometry(value)
            if g is not None and g.geom_type == "Point":
                points[int(idx)] = (g.x, g.y)
    if not points and "bus_geodata" in net and len(net.bus_geodata):
        for idx, row in net.bus_geodata.iterrows():
            if np.isfinite(row.x) and np.isfinite(row.y):
                points[int(idx)] = (float(row.x), float(row.y))
    return points


def _source_crs(points, given: str | None) -> str:
    if given:
        return given
    xy = np.array(list(points.values()))
    if (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all():
        return "EPSG:4326"
    raise TranslationError(f"the bus coordinates are not longitudes and latitudes (x up to "
                           f"{np.abs(xy[:, 0]).max():,.0f}): say which CRS they are in")


#: Branch elements a project cannot hold (it has cables and two-winding transformers): leaving
#: one out would cut buses off, so an import refuses them by name.
_UNHELD_BRANCHES = {"trafo3w": "three-winding transformer", "impedance": "impedance branch",
                    "dcline": "DC line", "tcsc": "series compensator", "vsc": "voltage-source converter"}


def _refuse_unheld_branches(net) -> None:
    for element, what in _UNHELD_BRANCHES.items():
        table = net.get(element)
        if table is None or not len(table):
            continue
        first = table.index[0]
        name = table.at[first, "name"] if "name" in table else None
        named = f" '{name}'" if isinstance(name, str) and name else ""
        raise TranslationError(
            f"the net has {len(table)} {what}{'s' * (len(table) > 1)} ({element} {int(first)}{named}); a project "
            f"holds cables and two-winding transformers only, so leaving {'them' if len(table) > 1 else 'it'} out "
            f"would cut buses off: replace {'them' if len(table) > 1 else 'it'} in the net first, or run the "
            f"net as it is with planner powerflow")


#: Annual energy of an imported load per kW of its pandapower p_mw [kWh/kW]: a net gives a design
#: power, not a year's energy; 3,000 kWh for a household of 2.1 kW (German average consumption,
#: BDEW "Stromverbrauch im Haushalt"), a stated assumption to edit.
ANNUAL_KWH_PER_LOAD_KW = 3000.0 / 2.1


def import_grid(project: Project, net, *, source_crs: str | None = None, prefix: str = "",
                keep_loads: bool = True, max_distance_km: float | None = None) -> ImportReport:
    """Add a pandapower net's grid to ``project`` (see the module docstring); returns what was done.

    Parameters
    ----------
    keep_loads : bool
        Keep the net's loads as consumers at their buses (BDEW H0 profile, annual energy
        :data:`ANNUAL_KWH_PER_LOAD_KW` per kW of p_mw, said in the report).
    max_distance_km : float, optional
        Refuse a net whose buses' middle lies farther from the site [km].
    """
    from planner.grid import _pp as pp
    import shapely
    from pyproj import Transformer as CrsTransformer

    report = ImportReport()
    _refuse_unheld_branches(net)
    points = bus_points(net)
    if not points:
        raise TranslationError("the net has no bus coordinates, so its buses cannot go on the map")
    crs = _source_crs(points, source_crs)
    to_project = CrsTransformer.from_crs(crs, project.site.crs, always_xy=True)

    def project_xy(xy):
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        x, y = to_project.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    placed = {b: tuple(project_xy(p)[0]) for b, p in points.items()}
    if max_distance_km is not None:
        from planner.weather.catalogue import distance_km

        xy = np.array(list(placed.values()))
        lon, lat = CrsTransformer.from_crs(project.site.crs, "EPSG:4326", always_xy=True).transform(
            float(np.median(xy[:, 0])), float(np.median(xy[:, 1])))
        far = distance_km(project.site.latitude, project.site.longitude, lat, lon)
        if far > max_distance_km:
            raise TranslationError(f"the net's buses lie {far:,.1f} km from the site's centre ({lat:.4f}, "
                                   f"{lon:.4f}), more than {max_distance_km:g} km: the wrong net or CRS? "
                                   f"(--allow-far imports it anyway)")
    at_trafo = 0
    for _, trafo in net.trafo.iterrows():
        hv, lv = int(trafo.hv_bus), int(trafo.lv_bus)
        for a, b in ((hv, lv), (lv, hv)):
            if a not in placed and b in placed:
                placed[a] = placed[b]
                at_trafo += 1
    if at_trafo:
        report.notes.append(f"{at_trafo} buses without coordinates placed at their transformer's other side")
    missing = [int(b) for b in net.bus.index if int(b) not in placed]
    if missing:
        raise TranslationError(f"{len(missing)} buses have no coordinates (first: bus {missing[0]}, "
                               f"'{net.bus.at[missing[0], 'name']}')")

    library = pp.create_empty_network().std_types
    new_entities = []
    for idx, row in net.bus.iterrows():
        bid = f"{prefix}b{int(idx)}"
        report.buses[int(idx)] = bid
        zone = row.get("zone")
        new_entities.append(Bus(
            id=bid, name=str(row["name"]) if isinstance(row["name"], str) else "",
            geometry=shapely.Point(placed[int(idx)]), vn_kv=float(row.vn_kv),
            kind="mv" if row.vn_kv > 1.0 else "node",
            zone=str(zone) if isinstance(zone, str) else None, in_service=bool(row.in_service)))

    cable_types, new_cable_types = _types(net.line, _LINE_PARAMS, library["line"], "line")
    for idx, row in net.line.iterrows():
        route = _geometry(row.get("geo")) if "geo" in net.line else None
        if route is not None and route.geom_type == "LineString":
            route = shapely.LineString(project_xy(np.asarray(route.coords)[:, :2]))
        else:
            route = shapely.LineString([placed[int(row.from_bus)], placed[int(row.to_bus)]])
        if route.length == 0:  # both ends at one point: keep it drawable
            x, y = route.coords[0]
            route = shapely.LineString([(x, y), (x + 0.5, y)])
        cid = f"{prefix}l{int(idx)}"
        report.cables[int(idx)] = cid
        new_entities.append(Cable(
            id=cid, name=str(row["name"]) if isinstance(row["name"], str) else "", geometry=route,
            from_bus=report.buses[int(row.from_bus)], to_bus=report.buses[int(row.to_bus)],
            std_type=cable_types[int(idx)], length_km=float(row.length_km),
            parallel=int(row.parallel), in_service=bool(row.in_service)))

    trafo_types, new_trafo_types = _types(net.trafo, _TRAFO_PARAMS, library["trafo"], "trafo")
    for idx, row in net.trafo.iterrows():
        tid = f"{prefix}t{int(idx)}"
        report.transformers[int(idx)] = tid
        new_entities.append(Transformer(
            id=tid, name=str(row["name"]) if isinstance(row["name"], str) else "",
            geometry=shapely.Point(placed[int(row.lv_bus)]), hv_bus=report.buses[int(row.hv_bus)],
            lv_bus=report.buses[int(row.lv_bus)], std_type=trafo_types[int(idx)],
            tap_pos=int(round(float(row.tap_pos))) if pd.notna(row.tap_pos) else 0,
            parallel=int(row.parallel), in_service=bool(row.in_service)))

    for idx, row in net.ext_grid.iterrows():
        new_entities.append(ExternalGrid(
            id=f"{prefix}x{int(idx)}", name=str(row["name"]) if isinstance(row["name"], str) else "",
            geometry=shapely.Point(placed[int(row.bus)]), bus_id=report.buses[int(row.bus)],
            vm_pu=float(row.vm_pu)))

    skipped_switches = 0
    for idx, row in net.switch.iterrows():
        if row.et not in ("l", "b"):
            skipped_switches += 1
            continue
        kind = "cable" if row.et == "l" else "bus"
        element = report.cables[int(row.element)] if kind == "cable" else report.buses[int(row.element)]
        new_entities.append(Switch(
            id=f"{prefix}s{int(idx)}", name=str(row["name"]) if isinstance(row["name"], str) else "",
            bus_id=report.buses[int(row.bus)], element_kind=kind, element_id=element, closed=bool(row.closed)))
    if skipped_switches:
        report.notes.append(f"{skipped_switches} transformer switches left out")
    loads = _loads_with_phases(net) if keep_loads else []
    for element, idx, bus, name, p_mw, phase in loads:
        bus_id = report.buses[bus]
        member_id = f"{prefix}m{'a' if element == 'asymmetric_load' else ''}{idx}"  # each load a household (issue 28)
        if member_id in project.items("member"):
            raise PlannerError(f"the project has a member '{member_id}' already: give a --prefix")
        what = "asymmetric load" if element == "asymmetric_load" else "load"
        new_entities.append(Member(id=member_id, name=name or f"Household {idx}", kind="household",
                                   source=f"derived: the net's {what} {idx}, a member of its own"))
        new_entities.append(Consumer(
            id=f"{prefix}c{'a' if element == 'asymmetric_load' else ''}{idx}", name=name,
            geometry=shapely.Point(placed[bus]), bus_id=bus_id, profile="H0", member_id=member_id,
            annual_kwh=round(max(p_mw, 0.0) * 1000.0 * ANNUAL_KWH_PER_LOAD_KW, 1), phase=phase))
    if loads:
        report.consumers = len(loads)
        one_phase = sum(1 for *_, phase in loads if phase != "3ph")
        report.notes.append(f"{len(loads)} loads kept as consumers with the BDEW H0 profile and "
                            f"{ANNUAL_KWH_PER_LOAD_KW:,.0f} kWh a year per kW of their p_mw (an assumption: "
                            f"edit each consumer's annual energy), each a household member of its own"
                            + (f"; {one_phase} on the one phase the net gives them" if one_phase else ""))
        uneven = sum(1 for e, *_, phase in loads if e == "asymmetric_load" and phase == "3ph")
        if uneven:
            report.notes.append(f"{uneven} asymmetric loads draw on more than one phase, unevenly: taken as three-phase "
                                f"(balanced) consumers of their total")
    for element in ("load", "sgen", "storage", "gen", "shunt", "ward", "xward", "motor", "asymmetric_load",
                    "asymmetric_sgen"):
        if element in ("load", "asymmetric_load") and keep_loads:
            continue
        if element in net and len(net[element]):
            report.left_out[element] = len(net[element])

    for entity in [*new_cable_types, *new_trafo_types]:
        if (entity.KIND, entity.id) in project:
            if project.get(entity.KIND, entity.id) != entity:
                raise TranslationError(f"{entity.describe()} exists in the project with other figures")
            continue
        project.add(entity)
    for entity in new_entities:
        project.add(entity)
    if new_cable_types or new_trafo_types:
        report.notes.append(f"{len(new_cable_types)} cable and {len(new_trafo_types)} transformer types "
                            f"added from the net's data")
    return report


def _loads_with_phases(net) -> list[tuple[str, int, int, str, float, str]]:
    """The net's loads as (element, index, bus, name, p_mw, phase): a load three-phase; an
    asymmetric load on its one phase where only one has power (as in the IEEE European LV Test
    Feeder), else three-phase with the phases' total."""
    out = []
    for element in ("load", "asymmetric_load"):
        table = net.get(element)
        if table is None or not len(table):
            continue
        for idx, row in table.iterrows():
            name = str(row["name"]).strip() if isinstance(row["name"], str) else ""
            if element == "load":
                out.append((element, int(idx), int(row.bus), name, float(row.p_mw), "3ph"))
                continue
            powers = [float(row.get(f"p_{p}_mw", 0.0) or 0.0) for p in "abc"]
            used = [k for k, value in enumerate(powers) if abs(value) > 0.0]
            phase = f"L{used[0] + 1}" if len(used) == 1 else "3ph"
            out.append((element, int(idx), int(row.bus), name, sum(powers), phase))
    return out


def _types(table, params, library, element) -> tuple[dict[int, str], list]:
    """Type name per element, and the new types: parameter sets pandapower's library does not
    hold under the element's type name."""
    out: dict[int, str] = {}
    created: dict[tuple, str] = {}
    new_types = []
    for idx, row in table.iterrows():
        name = str(row.std_type) if isinstance(row.std_type, str) and row.std_type else f"{element} {idx}"
        values = tuple(float(row[p]) if p in row and pd.notna(row[p]) else 0.0 for p in params)
        if element == "line":
            values = values[:-1] + (values[-1] * float(row.get("df", 1.0) or 1.0),)
        known = library.get(name)
        if known is not None and all(np.isclose(float(known.get(p, 0.0) or 0.0), v, rtol=1e-9, atol=1e-12)
                                     for p, v in zip(params, values)):
            out[int(idx)] = name
            continue
        key = (name, values)
        if key not in created:
            same_name = sum(1 for k in created if k[0] == name)
            type_name = name if same_name == 0 else f"{name} ({same_name + 1})"
            created[key] = type_name
            new_types.append(_make_type(element, type_name, dict(zip(params, values)), row))
        out[int(idx)] = created[key]
    return out, new_types


def _make_type(element, name, values, row):
    if element == "line":
        kind = row.get("type") if row.get("type") in ("cs", "ol") else "cs"
        return CableType(id=name, kind=kind, source="imported from a pandapower net", **values)
    tap_side = row.get("tap_side") if row.get("tap_side") in ("hv", "lv") else None
    return TransformerType(id=name, tap_side=tap_side, source="imported from a pandapower net", **values)


# --------------------------------------------------------------------------- export
def to_pandapower(project: Project):
    """The project's grid and what connects to it as a pandapower net.

    Returns ``(net, ids)``, ``ids[kind][project id] = pandapower index`` for kinds ``bus``,
    ``cable``, ``transformer``, ``consumer`` (loads), ``pv_unit``, ``wind_turbine``, ``chp_unit``
    (static generators) and ``battery`` (storage).
    """
    from planner.grid import _pp as pp
    from pyproj import Transformer as CrsTransformer

    net = pp.create_empty_network(name=project.name)
    library = {"line": set(net.std_types["line"]), "trafo": set(net.std_types["trafo"])}
    for t in project.items("cable_type").values():
        pp.create_std_type(net, {"r_ohm_per_km": t.r_ohm_per_km, "x_ohm_per_km": t.x_ohm_per_km,
                                 "c_nf_per_km": t.c_nf_per_km, "g_us_per_km": t.g_us_per_km,
                                 "max_i_ka": t.max_i_ka, "type": t.kind, "q_mm2": t.q_mm2},
                           t.id, element="line", overwrite=True)
    for t in project.items("transformer_type").values():
        pp.create_std_type(net, {"sn_mva": t.sn_mva, "vn_hv_kv": t.vn_hv_kv, "vn_lv_kv": t.vn_lv_kv,
                                 "vk_percent": t.vk_percent, "vkr_percent": t.vkr_percent,
                                 "pfe_kw": t.pfe_kw, "i0_percent": t.i0_percent,
                                 "shift_degree": t.shift_degree, "tap_side": t.tap_side,
                                 "tap_neutral": t.tap_neutral, "tap_min": t.tap_min, "tap_max": t.tap_max,
                                 "tap_step_percent": t.tap_step_percent, "tap_step_degree": t.tap_step_degree,
                                 "tap_changer_type": "Ratio" if t.tap_side else None},
                           t.id, element="trafo", overwrite=True)
    known = {"line": library["line"] | set(project.items("cable_type")),
             "trafo": library["trafo"] | set(project.items("transformer_type"))}
    to_wgs = CrsTransformer.from_crs(project.site.crs, "EPSG:4326", always_xy=True)
    ids: dict[str, dict[str, int]] = {k: {} for k in (
        "bus", "cable", "transformer", "external_grid", "switch", "consumer", "pv_unit", "wind_turbine",
        "chp_unit", "battery")}
    buses = list(project.items("bus").values())
    if buses:
        lon, lat = to_wgs.transform([b.geometry.x for b in buses], [b.geometry.y for b in buses])
        index = pp.create_buses(net, len(buses), vn_kv=[b.vn_kv for b in buses], name=[b.id for b in buses],
                                zone=[b.zone for b in buses], in_service=[b.in_service for b in buses],
                                geodata=list(zip(lon, lat)))
        ids["bus"] = dict(zip((b.id for b in buses), (int(i) for i in index)))
    cables = list(project.items("cable").values())
    for cable in cables:
        if cable.std_type not in known["line"]:
            raise TranslationError(f"{cable.describe()}: cable type '{cable.std_type}' is neither in "
                                   f"pandapower's library nor among the project's cable types")
    if cables:
        routes = []
        for cable in cables:
            coords = np.asarray(cable.geometry.coords)[:, :2]
            lon, lat = to_wgs.transform(coords[:, 0], coords[:, 1])
            routes.append(list(zip(lon, lat)))
        index = pp.create_lines(
            net, [ids["bus"][c.from_bus] for c in cables], [ids["bus"][c.to_bus] for c in cables],
            [c.route_length_km() for c in cables], [c.std_type for c in cables], name=[c.id for c in cables],
            parallel=[c.parallel for c in cables], in_service=[c.in_service for c in cables], geodata=routes)
        ids["cable"] = dict(zip((c.id for c in cables), (int(i) for i in index)))
    for trafo in project.items("transformer").values():
        if trafo.std_type not in known["trafo"]:
            raise TranslationError(f"{trafo.describe()}: transformer type '{trafo.std_type}' is neither in "
                                   f"pandapower's library nor among the project's transformer types")
        ids["transformer"][trafo.id] = pp.create_transformer(
            net, ids["bus"][trafo.hv_bus], ids["bus"][trafo.lv_bus], trafo.std_type, name=trafo.id,
            tap_pos=trafo.tap_pos, parallel=trafo.parallel, in_service=trafo.in_service)
    for grid in project.items("external_grid").values():
        ids["external_grid"][grid.id] = pp.create_ext_grid(net, ids["bus"][grid.bus_id], vm_pu=grid.vm_pu,
                                                           name=grid.id)
    switches = list(project.items("switch").values())
    if switches:
        index = pp.create_switches(
            net, [ids["bus"][s.bus_id] for s in switches],
            [ids["cable"][s.element_id] if s.element_kind == "cable" else ids["bus"][s.element_id] for s in switches],
            et=["l" if s.element_kind == "cable" else "b" for s in switches],
            closed=[s.closed for s in switches], name=[s.id for s in switches])
        ids["switch"] = dict(zip((s.id for s in switches), (int(i) for i in index)))
    consumers = [c for c in project.items("consumer").values() if c.bus_id]
    if consumers:
        index = pp.create_loads(net, [ids["bus"][c.bus_id] for c in consumers],
                                p_mw=[c.annual_kwh / 8760.0 / 1000.0 for c in consumers],
                                name=[c.id for c in consumers])
        ids["consumer"] = dict(zip((c.id for c in consumers), (int(i) for i in index)))
    for kind, rating, label in (("pv_unit", lambda u: u.peak_kw / u.dc_ac_ratio, "PV"),
                                ("wind_turbine", lambda u: u.rated_kw, "WP"),
                                ("chp_unit", lambda u: u.p_el_kw, "CHP")):
        units = [u for u in project.items(kind).values() if u.bus_id]
        if units:
            index = pp.create_sgens(net, [ids["bus"][u.bus_id] for u in units], p_mw=0.0,
                                    sn_mva=[rating(u) / 1000.0 for u in units], type=label,
                                    name=[u.id for u in units])
            ids[kind] = dict(zip((u.id for u in units), (int(i) for i in index)))
    for battery in project.items("battery").values():
        if battery.bus_id:
            ids["battery"][battery.id] = pp.create_storage(
                net, ids["bus"][battery.bus_id], p_mw=0.0, max_e_mwh=battery.capacity_kwh / 1000.0,
                sn_mva=battery.power_kw / 1000.0, name=battery.id)
    return net, ids
