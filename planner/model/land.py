"""Land: parcels, buildings and streets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shapely.geometry.base import BaseGeometry

from planner.model.base import Entity, quantity

LAND_USES = ("residential", "commercial", "industrial", "agricultural", "public", "forest",
             "open", "water", "other")
BUILDING_USES = ("residential", "commercial", "industrial", "agricultural", "public", "other")


@dataclass(frozen=True, kw_only=True)
class Parcel(Entity):
    """A piece of land, where units stand and consumers live."""

    KIND: ClassVar[str] = "parcel"
    LABEL: ClassVar[str] = "Parcel"
    GEOMETRY: ClassVar[str | None] = "Polygon"

    geometry: BaseGeometry | None = None
    land_use: str = quantity("residential", label="land use", choices=LAND_USES)
    owner_id: str | None = quantity(None, label="owner", ref="member")


@dataclass(frozen=True, kw_only=True)
class Building(Entity):
    """A building footprint; its roof can carry PV."""

    KIND: ClassVar[str] = "building"
    LABEL: ClassVar[str] = "Building"
    GEOMETRY: ClassVar[str | None] = "Polygon"

    geometry: BaseGeometry | None = None
    use: str = quantity("residential", label="use", choices=BUILDING_USES)
    parcel_id: str | None = quantity(None, label="parcel", ref="parcel")
    height_m: float | None = quantity(None, label="height", unit="m", min=0, min_exclusive=True)
    osm_id: str | None = quantity(None, label="OpenStreetMap id")
    levels: int | None = quantity(None, label="storeys", min=1)
    roof_shape: str | None = quantity(None, label="roof shape")
    roof_tilt_deg: float | None = quantity(None, label="roof tilt", unit="deg", min=0, max=90)
    roof_azimuth_deg: float | None = quantity(None, label="roof azimuth (main face, 180 = south)", unit="deg",
                                              min=0, max=360)


@dataclass(frozen=True, kw_only=True)
class Street(Entity):
    """A street centre line, along which cables are laid."""

    KIND: ClassVar[str] = "street"
    LABEL: ClassVar[str] = "Street"
    GEOMETRY: ClassVar[str | None] = "LineString"

    geometry: BaseGeometry | None = None
    highway: str = quantity("residential", label="street class")
