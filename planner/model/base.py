"""Entities, field descriptions and validation shared by every model object.

A model object is a frozen dataclass. Each field is described once (label, unit,
bounds, choices, reference to another kind); validation, the project file and
the GUI's inspector read those descriptions instead of repeating them.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from planner import PlannerError

#: How a consumer or unit connects to the low-voltage grid: all three phases (balanced), or one
#: phase to neutral (L1, L2, L3). The balanced power flow spreads every load over the three
#: phases; the three-phase flow (planner.grid.powerflow3ph) puts a one-phase load on its phase.
PHASES = ("3ph", "L1", "L2", "L3")
_PHASE_DOC = ("3ph: balanced over the three phases; L1, L2, L3: one phase to neutral (single-phase "
              "inverters up to 4.6 kVA, VDE-AR-N 4105)")


def phase_field() -> Any:
    """The ``phase`` field consumers and units share."""
    return quantity("3ph", label="connection (phase)", choices=PHASES, doc=_PHASE_DOC)


#: Geometry kinds a spatial entity may have, and the shapely types each accepts.
GEOMETRY_TYPES: dict[str, tuple[str, ...]] = {
    "Point": ("Point",),
    "LineString": ("LineString",),
    "Polygon": ("Polygon", "MultiPolygon"),
}


@dataclass(frozen=True)
class ValidationIssue:
    """One problem with one object: says which object, which field and why."""

    subject: str
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


class ValidationError(PlannerError):
    """Raised when an edit or a file would leave the model invalid."""

    def __init__(self, issues: list[ValidationIssue]):
        self.issues = list(issues)
        first = str(self.issues[0]) if self.issues else "invalid input"
        more = len(self.issues) - 1
        super().__init__(first + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""))


def quantity(
    default: Any = dataclasses.MISSING,
    *,
    label: str,
    unit: str = "",
    min: float | None = None,
    max: float | None = None,
    min_exclusive: bool = False,
    max_exclusive: bool = False,
    choices: tuple[str, ...] | None = None,
    ref: str | None = None,
    doc: str = "",
) -> Any:
    """Describe a model field: its label and unit for messages, its bounds, choices or reference.

    ``ref`` names the kind of entity whose id the field holds (``"member"``).
    """
    metadata = {
        "label": label,
        "unit": unit,
        "min": min,
        "max": max,
        "min_exclusive": min_exclusive,
        "max_exclusive": max_exclusive,
        "choices": choices,
        "ref": ref,
        "doc": doc,
    }
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class FieldSpec:
    """What the file, the validator and the inspector need to know about one field."""

    name: str
    type: type
    optional: bool
    label: str
    unit: str
    min: float | None
    max: float | None
    min_exclusive: bool
    max_exclusive: bool
    choices: tuple[str, ...] | None
    ref: str | None
    doc: str


def _base_type(annotation: Any) -> tuple[type, bool]:
    """Return ``(type, optional)`` for an annotation such as ``float | None``."""
    args = typing.get_args(annotation)
    if args:
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) == 1:
            return non_none[0], len(non_none) < len(args)
    return annotation, False


def _format_number(value: float, unit: str) -> str:
    text = f"{value:g}"
    return f"{text} {unit}" if unit else text


@dataclass(frozen=True, kw_only=True)
class Entity:
    """Base of every model object: an id unique within its kind and a display name."""

    KIND: ClassVar[str] = "entity"
    LABEL: ClassVar[str] = "Object"
    #: ``None`` for plain tables, else a key of :data:`GEOMETRY_TYPES`.
    GEOMETRY: ClassVar[str | None] = None

    id: str = quantity(label="id")
    name: str = quantity("", label="name")
    #: Where the object and its values come from: the data set, or ``"derived: ..."`` /
    #: ``"assumed: ..."`` for what a script or the planner made up (the map draws those dashed).
    source: str | None = quantity(None, label="source")

    @property
    def is_derived(self) -> bool:
        """True when :attr:`source` says the object is derived or assumed, not surveyed data."""
        text = (self.source or "").lstrip().lower()
        return text.startswith(("derived", "assumed"))

    @classmethod
    def count_label(cls, n: int) -> str:
        """``"3 PV units"``, ``"1 bus"``: the kind in running text, acronyms kept."""
        words = [w if w.isupper() else w.lower() for w in cls.LABEL.split()]
        if n != 1:
            last = words[-1]
            words[-1] = last + ("es" if last.endswith(("s", "ch")) else "s")
            if last.endswith("y") and last[-2:-1] not in "aeiou":
                words[-1] = last[:-1] + "ies"
        return f"{n} {' '.join(words)}"

    @property
    def display_name(self) -> str:
        """The name, or the id where there is no name."""
        return self.name or self.id

    def describe(self) -> str:
        """The object as messages name it: ``PV unit 'Roof 12'``."""
        return f"{self.LABEL} '{self.display_name}'"

    @classmethod
    def field_specs(cls) -> tuple[FieldSpec, ...]:
        """The described fields (all but ``geometry``), in declaration order."""
        cached = cls.__dict__.get("_field_specs_cache")
        if cached is not None:
            return cached
        hints = typing.get_type_hints(cls)
        specs = []
        for f in dataclasses.fields(cls):
            if f.name == "geometry":
                continue
            typ, optional = _base_type(hints[f.name])
            m = f.metadata
            specs.append(
                FieldSpec(
                    name=f.name,
                    type=typ,
                    optional=optional,
                    label=m.get("label", f.name.replace("_", " ")),
                    unit=m.get("unit", ""),
                    min=m.get("min"),
                    max=m.get("max"),
                    min_exclusive=m.get("min_exclusive", False),
                    max_exclusive=m.get("max_exclusive", False),
                    choices=m.get("choices"),
                    ref=m.get("ref"),
                    doc=m.get("doc", ""),
                )
            )
        result = tuple(specs)
        setattr(cls, "_field_specs_cache", result)
        return result

    def validate(self) -> list[ValidationIssue]:
        """Check every field against its description, then the object's own rules."""
        issues: list[ValidationIssue] = []
        subject = self.describe()
        if not isinstance(self.id, str) or not self.id.strip():
            issues.append(ValidationIssue(subject, "id", "id must be a non-empty text"))
        for spec in self.field_specs():
            if spec.name == "id":
                continue
            message = check_value(spec, getattr(self, spec.name))
            if message:
                issues.append(ValidationIssue(subject, spec.name, message))
        if self.GEOMETRY is not None:
            message = check_geometry(self.GEOMETRY, getattr(self, "geometry", None))
            if message:
                issues.append(ValidationIssue(subject, "geometry", message))
        if not issues:
            issues.extend(ValidationIssue(subject, f, m) for f, m in self._check())
        return issues

    def _check(self) -> list[tuple[str | None, str]]:
        """Rules that involve several fields: ``[(field, message), ...]``."""
        return []

    def references(self) -> list[tuple[FieldSpec, str]]:
        """The ids this object points to: ``[(field spec, id), ...]`` (set fields only)."""
        out = []
        for spec in self.field_specs():
            if spec.ref is not None:
                value = getattr(self, spec.name)
                if value is not None and value != "":
                    out.append((spec, value))
        return out


def check_type(spec: FieldSpec, value: Any) -> str | None:
    """Return a message when ``value`` is not of the field's type (bounds aside), else ``None``."""
    label = spec.label
    if value is None:
        return None if spec.optional else f"{label} is required"
    if spec.type is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{label} must be a number, got {value!r}"
        if not math.isfinite(value):
            return f"{label} must be a finite number, got {value}"
    elif spec.type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{label} must be a whole number, got {value!r}"
    elif spec.type is bool:
        if not isinstance(value, bool):
            return f"{label} must be true or false, got {value!r}"
    elif spec.type is str:
        if not isinstance(value, str):
            return f"{label} must be a text, got {value!r}"
    return None


def check_value(spec: FieldSpec, value: Any) -> str | None:
    """Return a message when ``value`` does not fit ``spec`` (type, choices, bounds), else ``None``."""
    message = check_type(spec, value)
    if message or value is None:
        return message
    label = spec.label
    if spec.type is str:
        if spec.choices is not None and value not in spec.choices:
            return f"{label} must be one of {', '.join(spec.choices)}; got '{value}'"
        return None
    if spec.type in (float, int):
        lo, hi = spec.min, spec.max
        lo_ok = lo is None or (value > lo if spec.min_exclusive else value >= lo)
        hi_ok = hi is None or (value < hi if spec.max_exclusive else value <= hi)
        if lo_ok and hi_ok:
            return None
        got = _format_number(value, spec.unit)
        if lo == 0 and spec.min_exclusive and hi is None:
            return f"{label} must be positive, got {got}"
        if lo == 0 and hi is None:
            return f"{label} must not be negative, got {got}"
        if hi is None:
            word = "above" if spec.min_exclusive else "at least"
            return f"{label} must be {word} {_format_number(lo, spec.unit)}, got {got}"
        if lo is None:
            word = "below" if spec.max_exclusive else "at most"
            return f"{label} must be {word} {_format_number(hi, spec.unit)}, got {got}"
        return (
            f"{label} must be between {_format_number(lo, '')} and "
            f"{_format_number(hi, spec.unit)}, got {got}"
        )
    return None


def check_geometry(kind: str, geometry: Any) -> str | None:
    """Return a message when ``geometry`` is missing, of the wrong type, empty or invalid."""
    if geometry is None:
        return "geometry is missing"
    if not isinstance(geometry, BaseGeometry):
        return f"geometry must be a {kind}, got {type(geometry).__name__}"
    if geometry.geom_type not in GEOMETRY_TYPES[kind]:
        return f"geometry must be a {kind}, got a {geometry.geom_type}"
    if geometry.is_empty:
        return "geometry is empty"
    coords = shapely.get_coordinates(geometry)
    if not np.isfinite(coords).all():
        return "geometry has coordinates that are not finite"
    if not geometry.is_valid:
        return f"invalid {kind.lower()}: {shapely.is_valid_reason(geometry)}"
    return None


def value_from_text(spec: FieldSpec, text) -> Any:
    """A field's value from what a user typed: a number, a whole number, text, or empty (None).

    Raises
    ------
    ValueError
        Saying what the field needs (``"peak power must be a number, got '7kW'"``); bounds and
        the object's own rules are for :func:`check_value` and ``validate``.
    """
    text = "" if text is None else str(text).strip()
    if text == "":
        if spec.optional:
            return None
        if spec.type is str:
            return ""
        raise ValueError(f"{spec.label} is needed")
    if spec.type is float:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{spec.label} must be a number, got '{text}'") from None
    if spec.type is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{spec.label} must be a whole number, got '{text}'") from None
    if spec.type is bool:
        if text.lower() in ("yes", "true", "1"):
            return True
        if text.lower() in ("no", "false", "0"):
            return False
        raise ValueError(f"{spec.label} must be yes or no, got '{text}'")
    return text
