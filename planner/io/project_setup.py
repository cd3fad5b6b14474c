"""A new project with what it needs to run: site, weather, a tariff, the shared-energy setting.

``planner new`` and the app's New dialog both call :func:`create_project`, so a project made
either way holds the same and says what was chosen.
"""

from __future__ import annotations

from pathlib import Path

from planner.model import Project, SharedEnergy, Site, Tariff, ValidationError
from planner.model.people import TARIFF_PRESETS


def weather_choices(latitude: float, longitude: float) -> list[tuple[str, str, float]]:
    """The bundled stations by distance from a site: ``(id, label, distance_km)``, nearest first
    (a German site's own test-reference region first)."""
    from planner.weather import nearest_station, stations
    from planner.weather.catalogue import distance_km

    chosen = nearest_station(latitude, longitude).station.id
    rows = [(s.id, s.name, distance_km(latitude, longitude, s.latitude, s.longitude)) for s in stations()]
    rows.sort(key=lambda r: (r[0] != chosen, r[2]))
    return rows


def create_project(name: str, latitude: float, longitude: float, *, timezone: str | None = None,
                   crs: str | None = None, weather: str | None = None, tariff_preset: str | None = None,
                   import_price: float | None = None, export_price: float = 0.0, fixed_charge: float = 0.0,
                   shared_energy: str = "public_grid_full") -> tuple[Project, list[str]]:
    """A new project and the lines that say what was chosen for it.

    Parameters
    ----------
    name : str
    latitude, longitude : float
        The site [deg], WGS 84; its time zone and UTM CRS are found offline unless given.
    weather : str, optional
        A bundled station id or a weather file (checked to hold a whole year); default: the
        bundled station for the site.
    tariff_preset : str, optional
        One of :data:`~planner.model.people.TARIFF_PRESETS`; default for a German site:
        ``de-household-2025``; elsewhere none unless ``import_price`` is given; ``"none"``: no tariff.
    import_price, export_price, fixed_charge : float
        A tariff of one's own [EUR/kWh, EUR/kWh, EUR/a] (replaces the preset).
    shared_energy : str
        A shared-energy preset.

    Raises
    ------
    PlannerError
        For an impossible site, weather file or tariff, each named.
    """
    from planner.weather import nearest_station, station, stations, try_region_at

    site = Site.at(latitude, longitude, timezone=timezone, crs=crs)
    issues = site.validate()
    if issues:
        raise ValidationError(issues)
    project = Project(name, site, shared_energy=SharedEnergy.from_preset(shared_energy))
    lines = []
    if weather:
        if weather in {s.id for s in stations()}:
            project.weather = station(weather).id
            lines.append(f"weather   {station(weather).name} (bundled)")
        else:
            from planner.weather import check_full_year, fit_warnings, read_weather

            data, meta = read_weather(weather)
            check_full_year(data, meta)
            project.weather = str(Path(weather).resolve())
            lines.append(f"weather   {meta.describe()} from {project.weather}")
            lines += [f"warning   {w}" for w in fit_warnings(site.latitude, site.longitude, meta.latitude,
                                                           meta.longitude)]
    else:
        choice = nearest_station(site.latitude, site.longitude)
        project.weather = choice.station.id
        lines.append(f"weather   {choice.describe()}")
    if import_price is not None:
        tariff = Tariff(id="default", name="Own tariff", import_price_eur_per_kwh=import_price,
                        export_price_eur_per_kwh=export_price, fixed_eur_per_year=fixed_charge,
                        source="given when the project was made")
    else:
        preset = tariff_preset or ("de-household-2025" if try_region_at(site.latitude, site.longitude) else None)
        tariff = Tariff(id="default", **TARIFF_PRESETS[preset]) if preset and preset != "none" else None
    if tariff is not None:
        issues = tariff.validate()
        if issues:
            raise ValidationError(issues)
        project.add(tariff)
        lines.append(f"tariff    {tariff.name}: {tariff.gross_import_price():.4f} EUR/kWh in, "
                     f"{tariff.export_price_eur_per_kwh:.4f} out, {tariff.fixed_eur_per_year:g} EUR a year"
                     + (f" ({tariff.source})" if tariff.source else ""))
    else:
        lines.append("tariff    none yet: a run needs one (give an import price, or a tariff preset)")
    lines.append(f"shared    {project.shared_energy.describe()}")
    return project, lines
