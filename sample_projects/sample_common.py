"""What the sample build scripts share: writing the project and saying what was built."""

from __future__ import annotations

from pathlib import Path


def save_sample(build, output: Path, argv) -> int:
    """Build, validate and save a sample project (to ``argv[0]`` if given, else ``output``)."""
    from planner.io import save_project

    out = Path(argv[0]) if argv else output
    project = build()
    issues = project.validate()
    if issues:
        raise SystemExit(f"the built project is invalid: {issues[0]} ({len(issues)} problems)")
    save_project(project, out, keep_foreign=False)
    counts = ", ".join(f"{n} {kind}" for kind, n in project.counts().items() if n)
    print(f"wrote {out}: {counts}; weather {project.weather}")
    return 0
