"""Property-based round trip: any storable object of any kind comes back from the file unchanged."""

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from planner.io import load_project, save_project
from planner.model import ENTITY_TYPES, Project, Site

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
COORD = st.floats(-1e6, 1e7, allow_nan=False, allow_infinity=False)


def value_strategy(spec):
    if spec.choices is not None:
        base = st.sampled_from(spec.choices)
    elif spec.type is float:
        lo = spec.min if spec.min is not None else -1e9
        hi = spec.max if spec.max is not None else 1e9
        base = st.floats(lo, hi, allow_nan=False, allow_infinity=False,
                         exclude_min=spec.min_exclusive, exclude_max=spec.max_exclusive)
    elif spec.type is int:
        base = st.integers(int(spec.min) if spec.min is not None else -10**6, 10**6)
    elif spec.type is bool:
        base = st.booleans()
    else:
        base = TEXT
    return st.one_of(st.none(), base) if spec.optional else base


def geometry_strategy(kind):
    if kind == "Point":
        return st.builds(Point, COORD, COORD)
    if kind == "LineString":
        return st.lists(st.tuples(COORD, COORD), min_size=2, max_size=6, unique=True).map(LineString)
    return st.builds(lambda x, y, w, h: Polygon([(x, y), (x + w, y), (x + w, y + h), (x, y + h)]),
                     COORD, COORD, st.floats(0.5, 1e4), st.floats(0.5, 1e4))


def entity_strategy(entity_type):
    fields = {s.name: value_strategy(s) for s in entity_type.field_specs() if s.name != "id"}
    if entity_type.GEOMETRY is not None:
        fields["geometry"] = geometry_strategy(entity_type.GEOMETRY)
    return st.fixed_dictionaries(fields)


@st.composite
def projects(draw):
    project = Project(draw(TEXT.filter(str.strip)), Site(48.0, 8.0, "Europe/Berlin", "EPSG:32632"),
                      description=draw(TEXT), weather=draw(st.one_of(st.none(), TEXT)))
    for entity_type in ENTITY_TYPES:
        for n, values in enumerate(draw(st.lists(entity_strategy(entity_type), max_size=3))):
            project.add(entity_type(id=f"{entity_type.KIND}-{n}", **values))
    return project


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(project=projects())
def test_any_project_round_trips(tmp_path, project):
    path = tmp_path / "prop.gpkg"
    save_project(project, path)
    back = load_project(path)
    assert (back.name, back.description, back.weather) == (project.name, project.description, project.weather)
    assert back.counts() == project.counts()
    for entity in project.all_entities():
        other = back.get(entity.KIND, entity.id)
        for f in dataclasses.fields(entity):
            a, b = getattr(entity, f.name), getattr(other, f.name)
            if f.name == "geometry":
                assert b.equals_exact(a, 0.0) or b.equals(a), (entity, other)
            else:
                assert a == b and type(a) is type(b), (entity.describe(), f.name, a, b)


@pytest.mark.parametrize("entity_type", ENTITY_TYPES, ids=lambda t: t.KIND)
def test_strategies_cover_every_field(entity_type):
    # A new field without a file column would be lost silently: every field is in field_specs.
    names = {f.name for f in dataclasses.fields(entity_type)} - {"geometry"}
    assert names == {s.name for s in entity_type.field_specs()}
