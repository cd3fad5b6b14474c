"""The pandapower functions the planner calls, imported from the modules that define them.

``import pandapower`` runs the package's ``__init__``, which imports every subpackage
(controllers, converters, the toolbox, file formats: about 0.9 s); the ``planner`` command defers
it (:mod:`planner._lazy`), so reading ``pandapower.runpp`` would load all of it. The run's grid
code calls pandapower through this module instead, ``from planner.grid import _pp as pp``, which
imports only pandapower's modules of nets, standard types and the power flow.
"""

from __future__ import annotations

from pandapower.create import (
    create_asymmetric_load,
    create_asymmetric_sgen,
    create_buses,
    create_empty_network,
    create_ext_grid,
    create_lines,
    create_loads,
    create_sgens,
    create_storage,
    create_switches,
    create_transformer,
)
from pandapower.run import runpp
from pandapower.std_types import change_std_type, create_std_type

__all__ = ["change_std_type", "create_asymmetric_load", "create_asymmetric_sgen", "create_buses",
           "create_empty_network", "create_ext_grid", "create_lines", "create_loads", "create_sgens",
           "create_std_type", "create_storage", "create_switches", "create_transformer", "runpp"]
