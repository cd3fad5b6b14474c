"""Weather files made from the bundled real data, in the formats users bring (EPW, PVGIS, CSV)."""

import json

import pandas as pd
import pytest

from planner.weather import read_station


@pytest.fixture(scope="session")
def greensboro():
    return read_station("tmy3-723170")


@pytest.fixture(scope="session")
def mannheim():
    return read_station("dwd-try2010-12")


def write_epw(path, data: pd.DataFrame, *, lat, lon, tz_hours, elevation, city="Greensboro"):
    """An EnergyPlus weather file (hour ending 1-24, local standard time) holding ``data``."""
    header = [
        f"LOCATION,{city},NC,USA,TMY3,723170,{lat},{lon},{tz_hours},{elevation}",
        "DESIGN CONDITIONS,0", "TYPICAL/EXTREME PERIODS,0", "GROUND TEMPERATURES,0",
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0", "COMMENTS 1,made from pvlib's 723170TYA.CSV",
        "COMMENTS 2,test file", "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
    ]
    lines = []
    for t, row in data.iterrows():
        end = t + pd.Timedelta(hours=1)  # hour ending
        hour = 24 if end.hour == 0 else end.hour
        day = t if end.hour == 0 else end
        fields = [day.year, day.month, day.day, hour, 60, "?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9*9",
                  row.temp_air, 5.0, 70, row.pressure, 0, 0, 300, row.ghi, row.dni, row.dhi, 0, 0, 0, 0,
                  row.get("wind_direction", 180), row.wind_speed, 5, 5, 16.1, 77777, 9, 999999999, 1.5, 0.1, 0, 88,
                  0.2, 0, 1]
        lines.append(",".join(str(f) for f in fields))
    path.write_text("\n".join(header + lines) + "\n")
    return path


def pvgis_rows(data: pd.DataFrame):
    utc = data.tz_convert("UTC") if hasattr(data, "tz_convert") else data
    for t, row in utc.iterrows():
        yield {"time(UTC)": t.strftime("%Y%m%d:%H%M"), "T2m": row.temp_air, "RH": 70.0,
               "G(h)": row.ghi, "Gb(n)": row.dni, "Gd(h)": row.dhi, "IR(h)": 300.0,
               "WS10m": row.wind_speed, "WD10m": row.get("wind_direction", 180.0), "SP": row.pressure}


def write_pvgis_csv(path, data, *, lat, lon, elevation):
    lines = [f"Latitude (decimal degrees): {lat}", f"Longitude (decimal degrees): {lon}",
             f"Elevation (m): {elevation}", "Irradiance Time Offset (h): 0.1761", "month,year"]
    lines += [f"{m},{2010 + m % 5}" for m in range(1, 13)]
    lines.append("time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,WD10m,SP")
    for r in pvgis_rows(data):
        lines.append(",".join(str(v) for v in r.values()))
    lines += ["T2m: 2-m air temperature (degree Celsius)", "PVGIS (c) European Union, 2001-2024"]
    path.write_text("\r\n".join(lines) + "\r\n")
    return path


def write_pvgis_json(path, data, *, lat, lon, elevation):
    doc = {
        "inputs": {"location": {"latitude": lat, "longitude": lon, "elevation": elevation},
                   "meteo_data": {"radiation_db": "PVGIS-SARAH3"}},
        "outputs": {"months_selected": [{"month": m, "year": 2010 + m % 5} for m in range(1, 13)],
                    "tmy_hourly": list(pvgis_rows(data))},
        "meta": {"inputs": {"location": {"description": "Selected location"}}},
    }
    path.write_text(json.dumps(doc))
    return path
