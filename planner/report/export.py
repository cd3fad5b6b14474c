"""Hand the results over in open formats (``planner export PROJECT -o PATH``, by extension):

* ``.xlsx``: sheets Summary, Members, Member statements, Units and Grid, units in the headers
  (xlsxwriter in constant-memory mode: rows stream to the file);
* ``.geojson``: every object of the project in WGS 84 with a ``layer`` property and its results
  (cables' and transformers' highest loading, buses' voltage range, units' energy, consumers' demand);
* ``.csv``: the members under every scheme, units in the headers.

Every file is written whole: a temporary beside it, then renamed.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from planner.report.kpis import KPIS
from planner.report.results import Results

#: Column names with their units, for headers a client reads.
UNITS = {"kwh": "kWh", "eur": "EUR", "kw": "kW", "percent": "%", "years": "years", "km": "km", "pu": "p.u.",
         "eur_per_kwh": "EUR/kWh", "eur_per_year": "EUR/a", "kwh_per_year": "kWh/a"}


def header(name: str) -> str:
    """``demand_kwh`` -> ``demand (kWh)``; ``bill_sharing_eur`` -> ``bill sharing (EUR)``."""
    for suffix in sorted(UNITS, key=len, reverse=True):
        if name.endswith("_" + suffix):
            return f"{name[:-len(suffix) - 1].replace('_', ' ')} ({UNITS[suffix]})"
    return name.replace("_", " ")


@contextmanager
def _whole(target: Path):
    tmp = target.with_name(f".{target.name}.writing-{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_sheet(book, name: str, frame: pd.DataFrame | None, bold) -> None:
    sheet = book.add_worksheet(name)
    if frame is None:
        sheet.write(0, 0, "(no data in these results)")
        return
    columns = list(frame.columns)
    for j, column in enumerate(columns):
        sheet.write(0, j, header(str(column)), bold)
        sheet.set_column(j, j, max(10, min(40, len(header(str(column))) + 2)))
    sheet.freeze_panes(1, 0)
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        for j, value in enumerate(row):
            if value is None or (isinstance(value, float) and value != value):
                continue
            sheet.write(i, j, value)
    if len(frame):
        sheet.autofilter(0, 0, len(frame), len(columns) - 1)


def export_xlsx(project, results_folder, target) -> Path:
    """The workbook a consultant hands to a client."""
    import xlsxwriter

    res = Results(results_folder)
    target = Path(target)
    summary = [("Project", project.name, ""), ("Resolution", f"{res.summary.get('resolution_minutes', 60)} min", "")]
    summary += [(label, get(res.summary), meaning) for label, get, meaning in KPIS]
    summary_frame = pd.DataFrame(summary, columns=["figure", "value", "what it is"])
    statements = pd.read_csv(res.folder / "member_statements.csv") if (res.folder / "member_statements.csv").exists() \
        else None
    with _whole(target) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False})
        bold = book.add_format({"bold": True, "bg_color": "#eef3f9"})
        _write_sheet(book, "Summary", summary_frame, bold)
        _write_sheet(book, "Members", res.members, bold)
        _write_sheet(book, "Member statements", statements, bold)
        _write_sheet(book, "Units", res.unit_finance, bold)
        _write_sheet(book, "Grid", res.grid_elements, bold)
        book.close()
    return target


def export_members_csv(project, results_folder, target) -> Path:
    """The members under every scheme, with units in the headers."""
    res = Results(results_folder)
    target = Path(target)
    frame = res.members if res.members is not None else pd.DataFrame()
    frame = frame.rename(columns={c: header(c) for c in frame.columns})
    with _whole(target) as tmp:
        frame.to_csv(tmp, index=False)
    return target


def export_geojson(project, results_folder, target) -> Path:
    """Every object with a place, in WGS 84, with a ``layer`` property and its results."""
    import geopandas as gpd

    res = Results(results_folder) if results_folder is not None else None
    worst = {}
    if res is not None and res.grid_elements is not None:
        for r in res.grid_elements.itertuples():
            key = re.sub(r"[^a-z]+", "_", r.figure.replace("%", "percent")).strip("_")
            worst.setdefault((r.kind, str(r.id)), {})[key] = float(r.value)
    energy = res.units_kw.sum() * res.step_h if res is not None and res.units_kw is not None else pd.Series(dtype=float)
    demand = (res.consumers_kw.sum() * res.step_h if res is not None and res.consumers_kw is not None
              else pd.Series(dtype=float))
    rows, shapes = [], []
    for entity in project.all_entities():
        geometry = getattr(entity, "geometry", None)
        if geometry is None or geometry.is_empty:
            continue
        props = {"layer": entity.KIND, "id": entity.id, "name": getattr(entity, "name", "") or ""}
        for field in ("std_type", "parallel", "vn_kv", "peak_kw", "rated_kw", "p_el_kw", "capacity_kwh",
                      "annual_kwh", "profile", "hosting_capacity_kw", "use", "land_use", "highway"):
            value = getattr(entity, field, None)
            if value is not None:
                props[field] = value
        props.update(worst.get((entity.KIND, entity.id), {}))
        if entity.id in energy.index:
            props["energy_kwh"] = float(energy[entity.id])
        if entity.KIND == "consumer" and entity.id in demand.index:
            props["demand_kwh"] = float(demand[entity.id])
        rows.append(props)
        shapes.append(geometry)
    frame = gpd.GeoDataFrame(rows, geometry=shapes, crs=project.site.crs).to_crs("EPSG:4326")
    target = Path(target)
    with _whole(target) as tmp:
        frame.to_file(tmp, driver="GeoJSON")
    return target
