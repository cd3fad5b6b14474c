"""The project's settings that are objects (what shared energy pays, the grid investment, the
study's assumptions, the scenarios), read from a project file's settings table and checked."""

from __future__ import annotations

from pathlib import Path

def _error(message: str):
    from planner.io.project_file import ProjectFileError  # (defined there; imported late: no cycle)

    return ProjectFileError(message)


def _shared_energy(path: Path, settings: dict):
    from planner.model.sharing import SharedEnergy

    raw = settings.get("shared_energy")
    if raw is None:
        return SharedEnergy()
    if not isinstance(raw, dict):
        raise _error(f"{path}: setting 'shared_energy' must be an object, got {raw!r}")
    unknown = set(raw) - set(SharedEnergy.__dataclass_fields__)
    if unknown:
        raise _error(f"{path}: setting 'shared_energy' has unknown keys {sorted(unknown)}")
    setting = SharedEnergy.from_dict(raw)
    issues = setting.validate()
    if issues:
        raise _error(f"{path}: setting 'shared_energy': {issues[0].message}")
    return setting


def _study(path: Path, settings: dict):
    from planner.model.study import StudySettings

    raw = settings.get("study")
    if raw is None:
        return StudySettings()
    fields = set(StudySettings.__dataclass_fields__)
    if not isinstance(raw, dict) or set(raw) - fields:
        raise _error(f"{path}: setting 'study' must be an object with at most {sorted(fields)}, got {raw!r}")
    setting = StudySettings.from_dict(raw)
    issues = setting.validate()
    if issues:
        raise _error(f"{path}: setting 'study': {issues[0].message}")
    return setting


def _grid_investment(path: Path, settings: dict):
    from planner.model.grid import GridInvestment

    raw = settings.get("grid_investment")
    if raw is None:
        return None
    fields = set(GridInvestment.__dataclass_fields__)
    if not isinstance(raw, dict) or set(raw) - fields or "capex_eur" not in raw:
        raise _error(f"{path}: setting 'grid_investment' must be an object with capex_eur and at most "
                               f"{sorted(fields)}, got {raw!r}")
    setting = GridInvestment.from_dict(raw)
    issues = setting.validate()
    if issues:
        raise _error(f"{path}: setting 'grid_investment': {issues[0].message}")
    return setting


def _scenarios(path: Path, settings: dict) -> tuple:
    from planner.model.scenarios import Scenario, validate_scenarios

    raw = settings.get("scenarios")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, dict) and isinstance(x.get("name"), str)
                                            and set(x) <= {"name", "overrides", "description"} for x in raw):
        raise _error(f"{path}: setting 'scenarios' must be a list of objects with a name, overrides and a "
                     f"description, got {raw!r}"[:400])
    scenarios = tuple(Scenario.from_dict(x) for x in raw)
    issues = validate_scenarios(scenarios)
    if issues:
        raise _error(f"{path}: setting 'scenarios': {issues[0]}")
    return scenarios
