"""Entry point of ``planner`` and ``python -m planner``: the CLI, with the GUI as its launcher.

This is the one place that joins the Qt-free command line and the Qt app.
"""

from __future__ import annotations

import sys


def launch_gui(project: str | None, screenshot: str | None) -> int:
    """Open the app (the only place the CLI reaches Qt); return its exit code."""
    from planner.gui.app import run

    return run(project, screenshot=screenshot)


def main(argv=None) -> int:
    """The ``planner`` command: the CLI with the app as its launcher."""
    from planner._lazy import defer_unused

    defer_unused()  # subpackages of pandapower and pvlib that no command uses: imported when touched
    import planner.cli
    from planner.cli import main as cli_main

    planner.cli.REPORT_HELPER = True  # the command's own process: a helper may draw half the report
    code = cli_main(argv, launch_gui=launch_gui)
    # the process ends now: the cyclic garbage collector need not walk a year of results and the
    # project's objects once more on the way out (0.8 s of a run's exit here, 0.15 s without it);
    # exit handlers still run and the system takes the memory back
    import gc

    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(main())
