import pytest
from shapely.geometry import Point

from planner.model import Member, PVUnit, Site, ValidationError
from planner.model.commands import (
    AddEntity, Batch, CommandStack, RemoveEntity, SetSite, UpdateEntity,
)


def test_add_undo_redo(small_project):
    stack = CommandStack(small_project)
    unit = PVUnit(id="pv9", name="Roof 9", peak_kw=4.0, bus_id="b1", geometry=Point(1, 2))
    stack.push(AddEntity(unit))
    assert small_project.get("pv_unit", "pv9") is unit
    stack.undo()
    assert ("pv_unit", "pv9") not in small_project
    stack.redo()
    assert ("pv_unit", "pv9") in small_project


def test_invalid_update_changes_nothing(small_project):
    before = small_project.get("pv_unit", "pv1")
    stack = CommandStack(small_project)
    with pytest.raises(ValidationError, match="PV unit 'Roof 1': peak power must be positive, got -5 kW"):
        stack.push(UpdateEntity("pv_unit", "pv1", peak_kw=-5.0))
    assert small_project.get("pv_unit", "pv1") is before
    assert not stack.can_undo


def test_update_checks_references(small_project):
    with pytest.raises(ValidationError, match="grid bus 'nowhere' does not exist"):
        UpdateEntity("pv_unit", "pv1", bus_id="nowhere").do(small_project)


def test_update_and_undo(small_project):
    stack = CommandStack(small_project)
    stack.set_clean()
    stack.push(UpdateEntity("pv_unit", "pv1", peak_kw=12.0, tilt_deg=20.0))
    assert small_project.get("pv_unit", "pv1").peak_kw == 12.0
    assert not stack.is_clean
    stack.undo()
    assert small_project.get("pv_unit", "pv1").peak_kw == 9.9
    assert stack.is_clean


def test_id_cannot_change():
    with pytest.raises(ValueError):
        UpdateEntity("pv_unit", "pv1", id="other")


def test_remove_refused_while_referenced(small_project):
    with pytest.raises(ValidationError, match="cannot remove it while"):
        RemoveEntity("member", "m1").do(small_project)
    assert ("member", "m1") in small_project


def test_remove_and_undo(small_project):
    stack = CommandStack(small_project)
    stack.push(RemoveEntity("contract", "k1"))
    assert ("contract", "k1") not in small_project
    stack.undo()
    assert small_project.get("contract", "k1").price_eur_per_kwh == 0.22


def test_batch_is_all_or_nothing(small_project):
    good = AddEntity(Member(id="m9", name="New"))
    bad = UpdateEntity("pv_unit", "pv1", peak_kw=-1.0)
    with pytest.raises(ValidationError):
        Batch("two edits", [good, bad]).do(small_project)
    assert ("member", "m9") not in small_project


def test_set_site_validates_and_undoes(small_project):
    old = small_project.site
    with pytest.raises(ValidationError):
        SetSite(Site(latitude=100, longitude=0, timezone="UTC", crs="EPSG:32632")).do(small_project)
    command = SetSite(Site.at(36.1, -79.9))
    command.do(small_project)
    assert small_project.site.crs == "EPSG:32617"
    command.undo(small_project)
    assert small_project.site is old


def test_views_are_told_of_changes(small_project):
    seen = []

    class View:
        def on_change(self, change):
            seen.append((change.action, change.kind, change.id))

    view = View()
    small_project.subscribe(view.on_change)
    UpdateEntity("pv_unit", "pv1", peak_kw=3.0).do(small_project)
    RemoveEntity("contract", "k1").do(small_project)
    assert seen == [("changed", "pv_unit", "pv1"), ("removed", "contract", "k1")]
    del view  # a closed view does not linger: the project holds it weakly
    UpdateEntity("pv_unit", "pv1", peak_kw=4.0).do(small_project)
    assert len(seen) == 2


def test_items_are_read_only(small_project):
    with pytest.raises(TypeError):
        small_project.items("pv_unit")["x"] = None


def test_cooperative_share_rules(small_project):
    from planner.model import OwnershipShare

    # the coop owns pv2; a non-resident may not hold a cooperative share
    UpdateEntity("member", "m2", local_resident=False).do(small_project)
    found = [str(i) for i in small_project.validate()]
    assert any("is not a local resident: cooperative shares are only for local residents" in m for m in found)
    UpdateEntity("member", "m2", local_resident=True).do(small_project)
    with pytest.raises(ValidationError, match="add up to 1.1, more than 1"):
        AddEntity(OwnershipShare(id="sh9", unit_kind="pv_unit", unit_id="pv2", member_id="m1", share=0.6)).do(small_project)
    with pytest.raises(ValidationError, match="cooperative shares are not transferable"):
        UpdateEntity("ownership_share", "sh1", member_id="m2").do(small_project)
    with pytest.raises(ValidationError, match="pv unit 'nope' does not exist"):
        AddEntity(OwnershipShare(id="sh8", unit_kind="pv_unit", unit_id="nope", member_id="m1", share=0.1)).do(small_project)
    # removing a unit is refused while shares refer to it
    with pytest.raises(ValidationError, match="cannot remove it while Ownership share"):
        RemoveEntity("pv_unit", "pv2").do(small_project)
    # a share of a unit the coop does not own may be passed on
    AddEntity(OwnershipShare(id="sh7", unit_kind="pv_unit", unit_id="pv1", member_id="m2", share=0.5)).do(small_project)
    UpdateEntity("ownership_share", "sh7", member_id="coop").do(small_project)


def test_grouping_consumers_removes_the_members_left_with_nothing(small_project):
    """Households imported one member each, then grouped: their own members go, one undo brings
    them back; a member who still owns something stays."""
    from planner.model import Consumer, Member
    from planner.model.commands import AddEntity, Batch, group_consumers

    p = small_project
    for k in (1, 2):
        Batch("import", [AddEntity(Member(id=f"m-h{k}", name=f"Household {k}")),
                         AddEntity(Consumer(id=f"h{k}", member_id=f"m-h{k}", annual_kwh=3000.0,
                                            geometry=p.get("consumer", "c-anna").geometry))]).do(p)
    batch = group_consumers(p, ["h1", "h2", "c-anna"], "The Müllers", kind="household")
    batch.do(p)
    new = next(m for m in p.items("member").values() if m.name == "The Müllers")
    assert new.kind == "household" and {p.get("consumer", c).member_id for c in ("h1", "h2", "c-anna")} == {new.id}
    assert "m-h1" not in p.items("member") and "m-h2" not in p.items("member")
    assert "m1" in p.items("member")  # Anna's member still owns her roof's PV
    batch.undo(p)
    assert p.get("consumer", "h1").member_id == "m-h1" and new.id not in p.items("member")
    assert not p.validate()
    # grouping into a member of that name that exists joins it; bad requests say why
    group_consumers(p, ["h1"], "Bakery").do(p)
    assert p.get("consumer", "h1").member_id == "m2"
    import pytest
    from planner import PlannerError

    with pytest.raises(PlannerError, match="no consumers"):
        group_consumers(p, [], "x")
    with pytest.raises(PlannerError, match="needs a name"):
        group_consumers(p, ["h1"], "  ")
