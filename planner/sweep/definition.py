"""A sweep file: which parameters vary, over which values, and how the variants are chosen.

A sweep is a TOML file (docs: the README's "Scenario sweeps")::

    [sweep]
    design = "grid"              # grid | list | latin_hypercube | morris
    samples = 32                 # latin_hypercube: variants; morris: trajectories
    seed = 1                     # the samples' random seed
    levels = 4                   # morris: grid levels of each parameter
    resolution_minutes = 60      # 60 or 15; default: the project's own step (study settings)
    kpi = "self_sufficiency"     # the tornado chart's KPI

    [parameters]
    pv_share = [0.2, 0.35, 0.5, 0.7]             # values: the grid's axis, or choices to sample
    battery_kwh = {min = 0, max = 800}            # a range: sampled designs (grid: with steps = n)
    chp = [true, false]

    [[variants]]                  # design = "list": one table per variant
    pv_share = 0.5

Parameter names and their bounds are :data:`planner.simulation.overrides.PARAMETERS`. Every
variant is checked before anything runs.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from planner import PlannerError
from planner.simulation.overrides import PARAMETERS, check

DESIGNS = ("grid", "list", "latin_hypercube", "morris")
#: The KPIs a tornado chart may show (columns of ``variants.parquet``).
DEFAULT_KPI = "self_sufficiency"


@dataclass(frozen=True)
class Axis:
    """One varied parameter: a list of values, or a range (``low``..``high``)."""

    name: str
    values: tuple = ()
    low: float | None = None
    high: float | None = None
    steps: int | None = None

    @property
    def is_range(self) -> bool:
        return self.low is not None

    def at(self, u: float):
        """The value at ``u`` in [0, 1]: a point of the range, or one of the values (equal shares)."""
        if self.is_range:
            value = self.low + u * (self.high - self.low)
            return int(round(value)) if PARAMETERS[self.name].kind == "integer" else float(value)
        return self.values[min(int(u * len(self.values)), len(self.values) - 1)]

    def grid_values(self) -> tuple:
        if not self.is_range:
            return self.values
        return tuple(self.at(k / (self.steps - 1)) for k in range(self.steps)) if self.steps > 1 else (self.at(0.0),)


@dataclass
class Sweep:
    """A parsed, checked sweep file."""

    design: str
    axes: list[Axis]
    listed: list[dict] = field(default_factory=list)
    samples: int = 0
    seed: int = 0
    levels: int = 4
    resolution_minutes: int | None = None
    kpi: str = DEFAULT_KPI
    source: str = "sweep"
    morris_delta: float | None = None

    def variants(self) -> list[dict]:
        """Every variant's overrides, in a fixed order (the same file gives the same list)."""
        if self.design == "list":
            return [dict(v) for v in self.listed]
        if self.design == "grid":
            names = [a.name for a in self.axes]
            return [dict(zip(names, combo)) for combo in itertools.product(*(a.grid_values() for a in self.axes))]
        unit = latin_hypercube(len(self.axes), self.samples, self.seed) if self.design == "latin_hypercube" \
            else morris_trajectories(len(self.axes), self.samples, self.levels, self.seed)
        return [{a.name: a.at(float(u)) for a, u in zip(self.axes, row)} for row in unit]

    def unit_points(self) -> np.ndarray | None:
        """Morris: the variants' points in the unit cube (for the elementary effects)."""
        if self.design != "morris":
            return None
        return morris_trajectories(len(self.axes), self.samples, self.levels, self.seed)


def latin_hypercube(dimensions: int, samples: int, seed: int) -> np.ndarray:
    """``samples`` points in [0, 1)^dimensions, one in each of ``samples`` equal slices of every
    axis (scipy's LatinHypercube)."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=dimensions, rng=np.random.default_rng(seed)).random(samples)


def morris_trajectories(dimensions: int, trajectories: int, levels: int, seed: int) -> np.ndarray:
    """Morris (1991) one-at-a-time design: ``trajectories`` runs of ``dimensions + 1`` points on a
    grid of ``levels`` levels in [0, 1], each point moving one parameter by
    delta = levels / (2 (levels - 1)) from the one before.
    """
    rng = np.random.default_rng(seed)
    delta = levels / (2.0 * (levels - 1))
    starts = np.arange(levels) / (levels - 1)
    starts = starts[starts <= 1.0 - delta + 1e-12]
    points = []
    for _ in range(trajectories):
        x = rng.choice(starts, size=dimensions)
        points.append(x.copy())
        for i in rng.permutation(dimensions):
            x[i] += delta
            points.append(x.copy())
    return np.array(points).reshape(trajectories * (dimensions + 1), dimensions)


def morris_effects(unit: np.ndarray, y: np.ndarray, dimensions: int) -> dict[int, tuple[float, float]]:
    """Each parameter's mean absolute elementary effect mu* and their standard deviation sigma,
    on the unit scale (Campolongo et al. 2007); trajectories with a failed variant are skipped."""
    effects: dict[int, list[float]] = {i: [] for i in range(dimensions)}
    for start in range(0, len(unit), dimensions + 1):
        block, values = unit[start:start + dimensions + 1], y[start:start + dimensions + 1]
        for k in range(dimensions):
            step = block[k + 1] - block[k]
            i = int(np.flatnonzero(step)[0])
            if np.isfinite(values[k]) and np.isfinite(values[k + 1]):
                effects[i].append((values[k + 1] - values[k]) / step[i])
    return {i: (float(np.mean(np.abs(e))) if e else float("nan"), float(np.std(e, ddof=1)) if len(e) > 1 else float("nan"))
            for i, e in effects.items()}


def read_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep file.

    Raises
    ------
    PlannerError
        Naming the file and the entry: unreadable TOML, an unknown design or parameter, a value
        out of the parameter's range, a range without bounds, a grid range without ``steps``,
        a design without its ``samples``, no parameters.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlannerError(f"{path}: no such sweep file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PlannerError(f"{path}: not a readable TOML file ({error})") from None
    return parse_sweep(raw, str(path))


def parse_sweep(raw: dict, source: str = "sweep") -> Sweep:
    """A :class:`Sweep` from the TOML's tables (see :func:`read_sweep`)."""
    def fail(message):
        raise PlannerError(f"{source}: {message}")

    head = raw.get("sweep", {})
    unknown = set(raw) - {"sweep", "parameters", "variants"}
    if unknown:
        fail(f"unknown table {sorted(unknown)[0]!r}; a sweep has [sweep], [parameters] and [[variants]]")
    known = {"design", "samples", "seed", "levels", "resolution_minutes", "kpi"}
    if set(head) - known:
        fail(f"unknown [sweep] entry {sorted(set(head) - known)[0]!r}; known: {', '.join(sorted(known))}")
    design = head.get("design", "list" if "variants" in raw and "parameters" not in raw else "grid")
    if design not in DESIGNS:
        fail(f"design is one of {', '.join(DESIGNS)}, got {design!r}")
    resolution = head.get("resolution_minutes")
    if resolution is not None and resolution not in (60, 15):
        fail(f"resolution_minutes is 60 or 15, got {resolution!r}")
    seed = head.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        fail(f"seed is a whole number of at least 0, got {seed!r}")
    levels = head.get("levels", 4)
    if not isinstance(levels, int) or isinstance(levels, bool) or not 2 <= levels <= 20 or levels % 2:
        fail(f"levels is an even whole number from 2 to 20, got {levels!r}")
    kpi = head.get("kpi", DEFAULT_KPI)
    check_kpi(kpi, fail)
    axes = []
    for name, spec in raw.get("parameters", {}).items():
        if name not in PARAMETERS:
            fail(f"unknown parameter {name!r}; known: {', '.join(PARAMETERS)}")
        axes.append(_axis(name, spec, design, fail))
    samples = head.get("samples")
    listed = []
    if design == "list":
        listed = raw.get("variants", [])
        if not isinstance(listed, list) or not listed:
            fail("design 'list' needs [[variants]] tables, one per variant")
        for k, variant in enumerate(listed, 1):
            problems = check(variant) if isinstance(variant, dict) else ["not a table"]
            if problems:
                fail(f"variant {k}: {problems[0]}")
    else:
        if "variants" in raw:
            fail(f"[[variants]] belong to design 'list', not {design!r}")
        if not axes:
            fail("no parameters: name at least one in [parameters]")
        if design in ("latin_hypercube", "morris"):
            if not isinstance(samples, int) or isinstance(samples, bool) or not 1 <= samples <= 100_000:
                fail(f"design {design!r} needs samples, a whole number from 1 "
                     f"({'variants' if design == 'latin_hypercube' else 'trajectories'}), got {samples!r}")
    sweep = Sweep(design, axes, listed, samples or 0, seed, levels, resolution, kpi, source)
    count = len(sweep.variants())
    if count > 100_000:
        fail(f"{count:,} variants: more than 100,000; use a sampled design")
    if design == "morris":
        sweep.morris_delta = levels / (2.0 * (levels - 1))
    return sweep


def check_kpi(kpi, fail) -> None:
    """Refuse a KPI that is no figure of a variant's row, naming the known ones."""
    from planner.sweep.table import kpi_names

    if kpi not in kpi_names():
        fail(f"kpi {kpi!r} is no figure of a variant; known: {', '.join(kpi_names())}")


def _axis(name: str, spec, design: str, fail) -> Axis:
    parameter = PARAMETERS[name]
    if isinstance(spec, list):
        if not spec:
            fail(f"{name}: an empty list of values")
        for value in spec:
            why = parameter.check(value)
            if why:
                fail(why)
        if len(set(map(repr, spec))) != len(spec):
            fail(f"{name}: a value appears twice")
        return Axis(name, tuple(spec))
    if isinstance(spec, dict):
        if parameter.kind not in ("number", "integer"):
            fail(f"{name}: a range needs a numeric parameter; give a list of values")
        if set(spec) - {"min", "max", "steps"} or not {"min", "max"} <= set(spec):
            fail(f"{name}: a range is {{min = .., max = ..}} (and steps = n for a grid)")
        low, high = spec["min"], spec["max"]
        for value in (low, high):
            why = parameter.check(value)
            if why:
                fail(why)
        if not high > low:
            fail(f"{name}: max must be above min, got {low!r}..{high!r}")
        steps = spec.get("steps")
        if design == "grid" and (not isinstance(steps, int) or isinstance(steps, bool) or steps < 1):
            fail(f"{name}: a range in a grid needs steps = n (a whole number of at least 1)")
        return Axis(name, (), float(low), float(high), steps)
    why = parameter.check(spec)
    if why:
        fail(why)
    return Axis(name, (spec,))  # one fixed value for every variant


def describe(sweep: Sweep) -> str:
    """One line: design, parameters and the number of variants."""
    count = len(sweep.variants())
    return (f"{count} variant{'s' * (count != 1)}, design {sweep.design}"
            + (f" ({', '.join(a.name for a in sweep.axes)})" if sweep.axes else "")
            + (f", seed {sweep.seed}" if sweep.design in ("latin_hypercube", "morris") else ""))


def variant_label(overrides: dict) -> str:
    """``pv_share=0.5, chp=false`` (TOML spelling)."""
    def spell(v):
        if isinstance(v, bool):
            return str(v).lower()
        if isinstance(v, float):
            return f"{v:.4g}" if math.isfinite(v) else str(v)
        return str(v)
    return ", ".join(f"{k}={spell(v)}" for k, v in overrides.items()) or "the base project"
