"""The arguments of every ``planner`` sub-command, with their help (``planner --help``).

:mod:`planner.cli` runs the commands; this module only describes them.
"""

from __future__ import annotations

import argparse

from planner import __version__

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line."""

    def error(self, message: str):
        """Report a usage error in one line and exit 2."""
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command (``planner --help``)."""
    parser = _Parser(prog="planner", description="Peergrid Planner: plan local peer-to-peer "
                     "energy networks. Without a command, opens the app.")
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    p = sub.add_parser("gui", help="open the app (the default)")
    p.add_argument("project", nargs="?", help="project file (.gpkg) to open")
    p.add_argument("--screenshot", metavar="PNG",
                   help="save a picture of the window once the project is drawn, then quit")

    p = sub.add_parser("new", help="create an empty project at a site")
    p.add_argument("name", help="project name")
    p.add_argument("--lat", type=float, required=True, help="latitude [deg], WGS 84")
    p.add_argument("--lon", type=float, required=True, help="longitude [deg], WGS 84")
    p.add_argument("--timezone", help="IANA time zone (default: found from the position)")
    p.add_argument("--crs", help="projected CRS (default: the local UTM zone)")
    p.add_argument("-o", "--output", required=True, help="project file to write (.gpkg)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--weather", metavar="STATION|FILE",
                   help="a bundled station id (dwd-try2010-12, tmy3-723170, ...) or a weather file (EPW, TMY3, "
                        "TMY2, PVGIS, DWD TRY); default: the bundled station for the site, with its distance")
    p.add_argument("--tariff", metavar="PRESET", choices=["de-household-2025"],
                   help="start from a tariff preset with its sources (default in Germany: de-household-2025)")
    p.add_argument("--import-price", type=float, metavar="EUR_PER_KWH",
                   help="a tariff of your own: the import price per kWh, all included (use --vat for its VAT share)")
    p.add_argument("--export-price", type=float, default=0.0, metavar="EUR_PER_KWH",
                   help="export remuneration per kWh (0)")
    p.add_argument("--fixed-charge", type=float, default=0.0, metavar="EUR_PER_YEAR", help="fixed charge a year (0)")
    p.add_argument("--shared-energy", metavar="PRESET", default="public_grid_full",
                   choices=["public_grid_full", "community_grid", "at_local_community", "it_cacer"],
                   help="what energy shared between members pays (public_grid_full)")

    p = sub.add_parser("validate", help="check a project and list its problems")
    p.add_argument("project", help="project file (.gpkg)")

    p = sub.add_parser("info", help="say what a project holds")
    p.add_argument("project", help="project file (.gpkg)")
    p.add_argument("--json", action="store_true", help="print a JSON object")

    p = sub.add_parser("powerflow", help="annual power flow of a pandapower net driven by profiles")
    p.add_argument("net", metavar="NET.json", help="pandapower net as written by pandapower.to_json")
    p.add_argument("--profiles", required=True, metavar="FILE",
                   help="CSV or Parquet: column time (ISO 8601), then <element>.<variable>.<index> "
                        "columns (load|sgen|storage, p_mw|q_mvar), absolute values")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for summary.json and results")
    p.add_argument("--resolution-minutes", type=float,
                   help="step length [min] (default: the most common difference of the times)")
    p.add_argument("--three-phase", action="store_true",
                   help="the unbalanced three-phase flow (the net needs zero-sequence data, as for runpp_3ph): each "
                        "phase's voltage band and the voltage unbalance of every bus; profile columns also "
                        "asymmetric_load|asymmetric_sgen with p_a_mw, q_a_mvar, p_b_mw, ...")

    p = sub.add_parser("run", help="the whole simulation: generation, grid, balance, settlement")
    p.add_argument("project", help="project file (.gpkg)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the results")
    p.add_argument("--resolution", choices=["1h", "15min"], default=None,
                   help="time step (default: the project's, 1h unless its study settings say 15min)")
    p.add_argument("--subsidy", type=float, default=0.0, metavar="EUR_PER_KWH",
                   help="production subsidy per kWh generated, in the investment figures (0)")
    p.add_argument("--costs", metavar="CSV", help="a cost catalogue of your own (columns as in "
                   "resources/catalogue/costs.csv)")
    p.add_argument("--shared-energy", metavar="PRESET",
                   choices=["public_grid_full", "community_grid", "at_local_community", "it_cacer"],
                   help="what energy shared between members pays in grid fees, levies and taxes, instead "
                        "of the project's setting: public_grid_full, community_grid, at_local_community, it_cacer")
    p.add_argument("--no-report", action="store_true", help="leave out report.pdf (the PDF report of the run)")

    p = sub.add_parser("size-grid", help="lay out (where there is none), size or reinforce the grid by power "
                                         "flow; hosting capacity of every bus")
    p.add_argument("project", help="project file (.gpkg)")
    p.add_argument("-o", "--output", metavar="OUT.gpkg", help="write the sized project here (default: the project "
                   "file itself, saved atomically)")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object (progress on stderr)")
    p.add_argument("--new-layout", action="store_true", help="replace an existing grid by a new layout")
    p.add_argument("--no-year", action="store_true", help="check the planning cases only, not the simulated year")
    p.add_argument("--no-hosting", action="store_true", help="leave out the hosting capacity")

    p = sub.add_parser("phases", help="put small inverters, batteries and wallboxes on one phase each (spread "
                                      "or the worst case) for the three-phase flow, or back on three phases")
    p.add_argument("project", help="project file (.gpkg), saved atomically (or -o)")
    p.add_argument("--assign", required=True, choices=("spread", "worst", "three-phase"),
                   help="spread: L1, L2, L3 in turn in a seeded order; worst: all on L1; three-phase: all back on "
                        "three phases")
    p.add_argument("--kinds", default="pv_unit,battery,charging_point", metavar="K,K",
                   help="which objects (pv_unit, battery, charging_point, heat_pump, wind_turbine, chp_unit; "
                        "default pv_unit,battery,charging_point; heat pumps listed are all taken: their electric "
                        "power is known only after the run)")
    p.add_argument("--max-kw", type=float, default=4.6, metavar="KW",
                   help="only those rated at most this, AC (default 4.6 kW: VDE-AR-N 4105's single-phase limit)")
    p.add_argument("--households", action="store_true", help="each household's own load on one phase too")
    p.add_argument("--seed", type=int, default=0, help="the order of --assign spread (default 0)")
    p.add_argument("-o", "--output", metavar="OUT.gpkg", help="write the project here instead")

    p = sub.add_parser("optimise", help="the cheapest PV, batteries, CHP and wind turbines that meet the goals under "
                                        "the grid's limits (a mixed-integer linear programme, HiGHS)")
    p.add_argument("project", help="project file (.gpkg)")
    p.add_argument("--goal", choices=("cost", "co2"), default="cost", help="minimise the annualised cost (default) "
                   "or the CO2 (the import's and the new CHPs' net gas)")
    p.add_argument("--min-self-sufficiency", type=float, metavar="SHARE", help="at least this share of the demand "
                   "not imported (0..1)")
    p.add_argument("--co2-cap", type=float, metavar="T", help="the year's import and the new CHPs' gas (less "
                   "the boilers' gas their heat saves) emit at most this [t CO2]")
    p.add_argument("--no-chp", action="store_true", help="offer no CHP to the heat clusters")
    p.add_argument("--no-wind", action="store_true", help="build no turbines at the drawn wind sites")
    p.add_argument("--budget", type=float, metavar="EUR", help="the capex of what is added at most this")
    p.add_argument("--days", type=int, metavar="N", help="typical days standing for the year (default 16)")
    p.add_argument("--hourly", action="store_true", help="every hour of the year (slow: see the README)")
    p.add_argument("--time-limit", type=float, default=600.0, metavar="S", help="the solver's time limit [s]")
    p.add_argument("--pareto", action="store_true", help="cost against CO2 and self-sufficiency, 10 points")
    p.add_argument("--apply", action="store_true", help="add the proposed units to the project (saved) and check "
                   "them by simulating the year")
    p.add_argument("-o", "--output", metavar="DIR", help="write optimum.json, proposed_units.csv (and pareto.csv, "
                   "pareto.png) here")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object (progress on stderr)")

    p = sub.add_parser("report", help="the PDF report of the project's last results (simulating first when "
                                      "there are none or the project changed)")
    p.add_argument("project", help="project file (.gpkg); results are kept in NAME.results beside it")
    p.add_argument("-o", "--output", required=True, metavar="REPORT.pdf", help="the PDF to write")

    p = sub.add_parser("sweep", help="run many variants of a project (a sweep file) on this machine's cores or a "
                                     "Dask cluster; a table of their figures and plots")
    p.add_argument("project", help="the base project (.gpkg)")
    p.add_argument("sweep", help="the sweep file (.toml): parameters, their values and the design")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for variants.parquet, summary.json, "
                   "the plots and the cache of finished variants")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler (tcp://host:8786); default: a "
                   "LocalCluster on this machine")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes of the LocalCluster (default: the "
                   "machine's cores)")
    p.add_argument("--serial", action="store_true", help="run in this process, one variant after the other")
    p.add_argument("--kpi", help="the tornado chart's KPI (default: the sweep file's, else self_sufficiency)")

    p = sub.add_parser("scenarios", help="list, add, remove or run the project's scenarios (named overrides of "
                                         "the base, stored in the project) and compare them side by side")
    p.add_argument("project", help="project file (.gpkg)")
    p.add_argument("--add", metavar="NAME", help="add (or replace) a scenario with the --set overrides")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="an override of the scenario (the "
                   "parameters of a sweep: pv_share=0.5, battery_kwh=0, chp=false, benefit_scheme=mmr, ...)")
    p.add_argument("--description", help="what the scenario asks")
    p.add_argument("--remove", metavar="NAME", help="remove a scenario")
    p.add_argument("--run", action="store_true", help="run the base and every scenario and print them side by side")
    p.add_argument("--resolution", choices=("1h", "15min"), default=None,
                   help="the runs' step (default: the project's, 1h unless its study settings say 15min)")
    p.add_argument("--cluster", action="store_true", help="run on a LocalCluster (default: one after the other)")
    p.add_argument("--workers", type=int, metavar="N")
    p.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler (tcp://host:8786)")

    p = sub.add_parser("export", help="by extension: the grid as a pandapower net (.json), the results as a "
                                      "workbook (.xlsx), the map with its results (.geojson), the members (.csv)")
    p.add_argument("project", help="project file (.gpkg)")
    p.add_argument("-o", "--output", required=True, metavar="PATH", help="the file to write: .json, .xlsx, .geojson "
                   "or .csv")

    p = sub.add_parser("suitability", help="score every parcel for PV, wind and CHP, with the inputs")
    p.add_argument("project", help="project file (.gpkg)")
    p.add_argument("--json", action="store_true", help="print JSON records")

    p = sub.add_parser("import", help="bring parcels, buildings, streets, consumers, load profiles or a grid into "
                                      "a project")
    p.add_argument("project", help="project file (.gpkg), changed in place (atomically)")
    p.add_argument("file", help="GeoJSON, Shapefile (also zipped), GeoPackage, OSM PBF; or a pandapower net (JSON)")
    p.add_argument("--as", dest="what", required=True,
                   choices=["parcels", "buildings", "streets", "consumers", "profiles", "grid"],
                   help="what the file holds: parcels, buildings or streets (OSM: landuse=*, building=*, "
                        "highway=*); consumers: points or buildings with annual_kwh and optional profile (a BDEW "
                        "code or a load profile of the project) and name; profiles: a CSV of one year, a time "
                        "column and a column per load profile; or grid: a pandapower net (JSON as written by "
                        "pandapower.to_json)")
    p.add_argument("--layer", help="the layer to read from a file with several (GeoPackage)")
    p.add_argument("--crs", help="grid: CRS of the net's coordinates (default: WGS 84 when they look like it)")
    p.add_argument("--prefix", default="", help="prefix for the new objects' ids (to import a second file)")
    p.add_argument("--allow-far", action="store_true",
                   help="import even when the file lies more than 10 km from the site (refused by default)")

    assess = sub.add_parser("assess", help="what one unit would make here, before any project exists")
    kinds = assess.add_subparsers(dest="technology", parser_class=_Parser, metavar="TECHNOLOGY",
                                  required=True)
    p = kinds.add_parser("pv", help="annual and monthly energy of a PV array (PVWatts)")
    p.add_argument("--lat", type=float, required=True, help="latitude [deg], WGS 84")
    p.add_argument("--lon", type=float, required=True, help="longitude [deg], WGS 84")
    p.add_argument("--kwp", type=float, required=True, help="peak power [kWp]")
    p.add_argument("--tilt", type=float, default=30.0, help="tilt from horizontal [deg] (30)")
    p.add_argument("--azimuth", type=float, default=180.0,
                   help="azimuth clockwise from north [deg], 180 = south (180)")
    p.add_argument("--losses", type=float, default=14.0, help="system losses [%%] (14)")
    p.add_argument("--dc-ac-ratio", type=float, default=1.1, help="inverter loading ratio (1.1)")
    p.add_argument("--weather", metavar="FILE",
                   help="EPW, TMY3, TMY2, PVGIS TMY or DWD TRY file (default: the nearest bundled station)")
    p.add_argument("--json", action="store_true", help="print a JSON object")

    p = kinds.add_parser("wind", help="annual and monthly energy of a wind turbine (windpowerlib)")
    p.add_argument("--lat", type=float, required=True, help="latitude [deg], WGS 84")
    p.add_argument("--lon", type=float, required=True, help="longitude [deg], WGS 84")
    p.add_argument("--turbine", required=True,
                   help="windpowerlib turbine type (e.g. E-53/800), or 'custom' with --power-curve")
    p.add_argument("--hub-height", type=float, required=True, help="hub height [m]")
    p.add_argument("--power-curve", metavar="CSV",
                   help="CSV of wind speed [m/s] and power [kW], for --turbine custom")
    p.add_argument("--rated-kw", type=float, help="rated power [kW] of a custom turbine "
                   "(default: the curve's maximum)")
    p.add_argument("--roughness", type=float, default=0.1,
                   help="roughness length of the surroundings [m] (0.1: farmland)")
    p.add_argument("--weather", metavar="FILE",
                   help="EPW, TMY3, TMY2, PVGIS TMY or DWD TRY file (default: the nearest bundled station)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    return parser
