"""Qt-free domain model: project, site, land, members, units, grid, tariffs; validation; commands."""

from planner.model.base import Entity, FieldSpec, ValidationError, ValidationIssue
from planner.model.catalogue import CableType, TransformerType
from planner.model.electrification import ChargingPoint, HeatPump
from planner.model.grid import Bus, Cable, ExternalGrid, GridInvestment, GridLayout, Switch, Transformer
from planner.model.land import Building, Parcel, Street
from planner.model.people import (Consumer, Contract, EfficiencyMeasure, LoadProfile, Member, OwnershipShare,
                                   Tariff)
from planner.model.project import ENTITY_BY_KIND, ENTITY_TYPES, Change, Project
from planner.model.sharing import PRESETS as SHARED_ENERGY_PRESETS, SharedEnergy
from planner.model.site import Site, timezone_at, utm_crs
from planner.model.units import Battery, CHPUnit, PVUnit, WindSite, WindTurbine

__all__ = [
    "Battery", "Building", "Bus", "CHPUnit", "Cable", "ChargingPoint", "HeatPump", "CableType", "TransformerType",
    "EfficiencyMeasure", "OwnershipShare", "Change", "Consumer", "Contract", "LoadProfile",
    "ENTITY_BY_KIND", "ENTITY_TYPES", "Entity", "ExternalGrid", "FieldSpec", "GridInvestment", "GridLayout",
    "Member", "PVUnit", "Parcel", "Project", "SHARED_ENERGY_PRESETS", "SharedEnergy", "Site", "Street", "Switch", "Tariff",
    "Transformer", "ValidationError", "ValidationIssue", "WindSite", "WindTurbine", "timezone_at", "utm_crs",
]
