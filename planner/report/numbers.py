"""Figures as text, where a figure may be missing.

A summary holds ``None`` (or NaN) where a figure is not defined: a Gini index without members who
save, an IRR without a sign change, a voltage range without buses. Every line that a person reads
(the report, the command's printout, the app) formats through :func:`num`, so a missing figure
reads as a dash or as what the caller says instead of raising ``TypeError`` in a format string.
"""

from __future__ import annotations

import math
from numbers import Real

#: What a missing figure reads as, unless the caller says why it is missing.
MISSING = "—"


def is_missing(value) -> bool:
    """True for ``None``, NaN, infinities and anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return True
    return not math.isfinite(float(value))


def num(value, spec: str = "g", *, unit: str = "", scale: float = 1.0, empty: str = MISSING) -> str:
    """``value * scale`` formatted with ``spec`` (``",.1f"``, ``".1%"``), then ``unit``; ``empty``
    where the value is missing (see :func:`is_missing`).

    >>> num(1234.5, ",.0f", unit="EUR"), num(None, ".2f"), num(float("nan"), ".1%", empty="not defined")
    ('1,234 EUR', '—', 'not defined')
    """
    if is_missing(value):
        return empty
    text = format(float(value) * scale, spec)
    return f"{text} {unit}" if unit else text


__all__ = ["MISSING", "is_missing", "num"]
