"""Subpackages of our dependencies that the planner never uses, loaded only when touched.

``import pandapower`` imports every one of its subpackages, among them ``pandapower.plotting``
(matplotlib's pyplot, plotly's helpers, colour maps: about a second here) and
``pandapower.estimation``; ``import pvlib`` imports ``pvlib.spectrum``, which brings
``scipy.integrate``. A run never calls them. :func:`defer` puts a stand-in for such a package in
``sys.modules`` before its parent is imported: its submodules import as usual (the stand-in has
the package's ``__path__``), and the first attribute anyone reads from the package itself runs
the package's real ``__init__`` into the stand-in, so code that does use it gets the whole
package, only later. Nothing is changed on disk, and a package already imported is left alone.

A whole namespace can wait the same way: ``pandapower``'s ``__init__`` imports every subpackage
(controllers, converters, the toolbox: about 0.9 s), so the package itself is a stand-in and the
planner's grid code imports the modules it calls (``planner.grid._pp``); a child of a stand-in
loads its parent first, as an import would. Two narrower tools serve the rest:
:data:`ANNOTATIONS_ONLY` (a module whose annotations alone name a heavy package) and
:data:`CALLED_LATE` (a function imported by name and called rarely, or found in a module of its own).
``bench/run.py`` measures what the command's imports take with and without all this.
"""

from __future__ import annotations

import __future__
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types

#: The subpackages deferred by :func:`defer_unused`, with why a run does without them.
UNUSED = {
    "pandapower.plotting": "plots of nets (matplotlib, plotly); the planner draws its own",
    "pandapower.estimation": "state estimation",
    "pandapower.grid_equivalents": "grid equivalents",
    "pandapower.shortcircuit": "short-circuit calculation",
    "pvlib.spectrum": "spectral mismatch models (scipy.integrate); PVWatts needs none",
    # pvlib's readers of weather files and services (requests, urllib3: 0.1-0.25 s); the planner
    # reads DWD's test reference years itself and touches them only for EPW, TMY and PVGIS files
    "pvlib.iotools": "pvlib's readers of weather files and web services",
    # fitting of single-diode models; its __init__ would import pvlib.pvsystem back while
    # pvsystem imports pvlib.singlediode, which needs pvlib.ivtools.utils alone
    "pvlib.ivtools": "pvlib's fitting of single-diode models to measured curves",
    # pvlib's __init__ imports every module (bifacial, ivtools, scaling, ...): see SUBMODULES_ON_READ
    "pvlib": "pvlib's namespace package: a module loads when it is read from it",
    # pandapower's controllers import it to plot characteristics; the planner draws with
    # matplotlib's object API only (planner.report.figures)
    "matplotlib.pyplot": "matplotlib's state machine, which the planner never uses",
    # deepdiff (pandapower.io_utils) imports it to hash polars frames; linopy reads it when it
    # optimises, which then imports it whole (about 0.25 s of every command otherwise)
    "polars": "polars data frames: only linopy (planner optimise) uses them",
    # pandapower's transformer functions import one function from it on every call, and call it
    # only for deprecated arguments; it imports pandapower.control (controllers, scipy's
    # interpolation, networkx, matplotlib: 0.8 s): see CALLED_LATE
    "pandapower.convert_format": "conversion of nets saved by older pandapower versions",
    # its children above are deferred before it: pandapower's own __init__ imports every
    # subpackage (controllers, converters, toolbox, file formats: 0.9 s); a run imports the
    # modules it uses (pandapower.create, .run, .std_types, .topology), and the package's
    # namespace (``pp.to_json``) loads whole on the first read
    "pandapower": "pandapower's namespace package: the modules a run uses import on their own",
    # pandapower.auxiliary imports pandera's typing for its annotations alone (0.35-0.45 s):
    # compiled with postponed annotations (PEP 563, see ANNOTATIONS_ONLY) it never reads them
    "pandera.typing": "pandera's typing: pandapower.auxiliary's annotations name it",
    "pandera": "pandera's data frame validation, which pandapower's network schemas use",
    # scipy's copy of array-api-compat reads every public name of numpy (``from numpy import *``),
    # which runs numpy's lazy imports of these two (0.1 s); no run compiles Fortran or tests numpy
    "numpy.f2py": "numpy's Fortran wrapper generator",
    "numpy.testing": "numpy's test helpers",
    # windpowerlib.data imports it to download turbine data from the oedb, which the planner never
    # does (it reads the data windpowerlib ships); 0.1 s with urllib3
    "requests": "HTTP requests: windpowerlib's download of turbine data",
    # the holidays package imports all of its 250 countries (0.15-0.2 s); a run needs one
    "holidays.countries": "holidays' countries package: each country module imports on its own",
    # pvlib's solar position, irradiance, IAM and single-diode modules import it (linear programming,
    # global optimisers, least squares: 0.15-0.3 s) for functions a run never calls; the run's
    # IRR and pvlib's single-diode model call root finders from their own module (CALLED_LATE);
    # hplib's fit of a heat pump (scipy.optimize.leastsq) loads it whole
    "scipy.optimize": "scipy's optimisers: pvlib's modules import them for functions a run does not call",
    # pvlib.irradiance imports splev for the DIRINDEX model, pvlib.iam two interpolators for its
    # interpolated IAM: scipy.interpolate brings scipy.spatial and scipy.special (docstrings parsed
    # at import: 0.3-0.7 s); a run's PV model calls neither (CALLED_LATE)
    "scipy.interpolate": "scipy's interpolators: pvlib's modules import them for models a run does not use",
}

#: Modules compiled with postponed evaluation of annotations (``from __future__ import
#: annotations``) when imported after :func:`defer_unused`: their annotations stay strings, so
#: the deferred package they name only there is never loaded. A module that reads its
#: annotations at run time (dataclasses' ``ClassVar``, pydantic) must not be listed.
ANNOTATIONS_ONLY = {"pandapower.auxiliary": "pandera"}

#: Deferred packages whose ``__init__`` only imports their modules: reading a module from the
#: package (``pvlib.irradiance``, ``from pvlib import atmosphere``) imports that module alone,
#: as the package would have had it; any other attribute loads the package whole.
SUBMODULES_ON_READ = {"pvlib", "scipy.optimize"}

#: Functions that a deferred module hands out before it is loaded: ``from module import name``
#: binds a stand-in function that, when called, calls the function of the submodule named here
#: (the very function the package re-exports), or with None loads the module whole and calls its
#: own (pandapower's ``create_transformer`` imports ``convert_trafo_pst_logic`` on every call and
#: calls it only for the deprecated ``tap_phase_shifter`` argument).
CALLED_LATE = {"pandapower.convert_format": {"convert_trafo_pst_logic": None},
               # pvlib.irradiance, .iam, .singlediode, hplib and scipy.interpolate import these by
               # name. The root finders (the IRR's, the single-diode model's) come from their module
               # alone, which imports none of the package's names (test_lazy); the others load the
               # package whole when called, as a module of theirs may import names from it
               "scipy.optimize": {"bisect": "_zeros_py", "brentq": "_zeros_py", "newton": "_zeros_py",
                                  "minimize": None, "minimize_scalar": None, "curve_fit": None},
               # pvlib.irradiance and pvlib.iam import these (interp1d a class, only ever called there)
               "scipy.interpolate": {"splev": None, "make_interp_spline": None, "interp1d": None}}


class _Deferred(types.ModuleType):
    """A package (or module) whose code runs on the first read of an attribute it does not have."""

    def __init__(self, name: str, spec):
        super().__init__(name)
        self.__spec__ = spec
        package = spec.submodule_search_locations is not None
        if package:
            self.__path__ = list(spec.submodule_search_locations)
        self.__file__ = spec.origin
        self.__package__ = name if package else name.rpartition(".")[0]  # relative imports start here
        self.__dict__["_deferred_lock"] = threading.RLock()
        self.__dict__["_deferred_loaded"] = False

    def __getattr__(self, attribute: str):
        if attribute.startswith("_deferred_") or attribute == "__path__":  # a module, not a package
            raise AttributeError(attribute)  # (``from module import name`` asks for it first)
        if not self.__dict__["_deferred_loaded"]:
            if attribute in CALLED_LATE.get(self.__name__, ()):
                return self._deferred_function(attribute)
            if self.__name__ in SUBMODULES_ON_READ and not attribute.startswith("__") and \
                    importlib.machinery.PathFinder.find_spec(f"{self.__name__}.{attribute}", self.__path__):
                return importlib.import_module(f"{self.__name__}.{attribute}")  # bound to the package
        self._deferred_load()
        try:
            return self.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {self.__name__!r} has no attribute {attribute!r}") from None

    def _deferred_function(self, name: str):
        """A function that calls ``name`` of its submodule in :data:`CALLED_LATE`, or else loads
        the module and calls the module's own."""
        module, home = self, CALLED_LATE[self.__name__][name]

        def called_late(*args, **kwargs):
            if home is not None and not module.__dict__["_deferred_loaded"]:
                return getattr(importlib.import_module(f"{module.__name__}.{home}"), name)(*args, **kwargs)
            module._deferred_load()
            return module.__dict__[name](*args, **kwargs)

        called_late.__name__ = called_late.__qualname__ = name
        return called_late

    def _deferred_load(self) -> None:
        """Run the module's own code into it, once; a deferred parent's first, as an import
        would have (the parent's ``__init__`` may import this one, which then loads inside it)."""
        parent = self.__name__.rpartition(".")[0]
        if _unloaded_stand_in(parent):
            sys.modules[parent]._deferred_load()
        with self.__dict__["_deferred_lock"]:
            if not self.__dict__["_deferred_loaded"]:
                self.__dict__["_deferred_loaded"] = True
                self.__spec__.loader.exec_module(self)  # the package's own __init__, now
                _bind_children(self)


def _bind_children(module) -> None:
    """Bind the submodules already in ``sys.modules`` as the package's attributes, as their imports
    would have (an import finds a deferred child in ``sys.modules`` and binds nothing)."""
    prefix = module.__name__ + "."
    for name, child in list(sys.modules.items()):
        if name.startswith(prefix) and "." not in name[len(prefix):] and name[len(prefix):] not in module.__dict__:
            setattr(module, name[len(prefix):], child)


def _unloaded_stand_in(name: str) -> bool:
    module = sys.modules.get(name)
    return isinstance(module, _Deferred) and not module.__dict__["_deferred_loaded"]


def defer(name: str) -> bool:
    """Defer the package ``name`` (``"parent.child"``, its parent not imported yet or a stand-in
    itself, or a top-level package); True if done."""
    if name in sys.modules:
        return False
    parent, _, child = name.rpartition(".")
    if not parent:  # a top-level package: found, not imported
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not spec.submodule_search_locations \
                or not (spec.origin or "").endswith("__init__.py"):
            return False  # only a package of Python source can run its __init__ into a stand-in
        sys.modules[name] = module = _Deferred(name, spec)
        _bind_children(module)  # children deferred before it
        return True
    if _unloaded_stand_in(parent):  # ``import parent.child as c`` reads the child from the parent
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return False
        sys.modules[name] = module = _Deferred(name, spec)
        setattr(sys.modules[parent], child, module)
        return True
    if parent in sys.modules:
        return False  # the parent's __init__ has run (or runs now): the package is imported already
    parent_spec = importlib.util.find_spec(parent)  # a top-level package: found, not imported
    if parent_spec is None or not parent_spec.submodule_search_locations:
        return False
    folder = os.path.join(next(iter(parent_spec.submodule_search_locations)), child)
    init = os.path.join(folder, "__init__.py")
    if os.path.isfile(init):  # a package: its submodules import as usual meanwhile
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[folder])
    elif os.path.isfile(folder + ".py"):  # a plain module
        spec = importlib.util.spec_from_file_location(name, folder + ".py")
    else:
        return False
    if spec is None or spec.loader is None:
        return False
    sys.modules[name] = _Deferred(name, spec)
    return True


class _Loader(importlib.abc.Loader):
    """The parent package's own loader, which binds the deferred children as its attributes
    (``pandapower.plotting``), as an import would have: before its ``__init__`` runs (a package
    whose module ``__getattr__`` imports a child, as numpy's does, would otherwise ask for it
    again and again) and after it, where the ``__init__`` replaced one."""

    def __init__(self, loader, children: list[str]):
        self._loader, self._children = loader, children

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def _bind(self, module) -> None:
        for name in self._children:
            child = name.rpartition(".")[2]
            if name in sys.modules and child not in module.__dict__:
                setattr(module, child, sys.modules[name])

    def exec_module(self, module) -> None:
        self._bind(module)
        try:
            self._loader.exec_module(module)
        finally:
            self._bind(module)

    def __getattr__(self, attribute):  # get_resource_reader, get_data, ...: the real loader's
        return getattr(self._loader, attribute)


class _BindChildren(importlib.abc.MetaPathFinder):
    """Finds a deferred package's parent as the other finders do, with :class:`_Loader`."""

    def __init__(self):
        self.parents: dict[str, list[str]] = {}

    def find_spec(self, fullname, path, target=None):
        children = self.parents.pop(fullname, None)
        if children is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader, children)
                return spec
        return None


_BINDER = _BindChildren()


class _PostponedAnnotationsLoader(importlib.machinery.SourceFileLoader):
    """Compiles a module's source as if it began with ``from __future__ import annotations``
    (from the source each time: its cached bytecode evaluates the annotations)."""

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        return compile(self.get_data(path), path, "exec", dont_inherit=True,
                       flags=__future__.annotations.compiler_flag)


class _PostponedAnnotations(importlib.abc.MetaPathFinder):
    """Finds the modules of :data:`ANNOTATIONS_ONLY` with :class:`_PostponedAnnotationsLoader`
    while the package their annotations name is still deferred."""

    def find_spec(self, fullname, path, target=None):
        if not _unloaded_stand_in(ANNOTATIONS_ONLY.get(fullname, "")):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or not (spec.origin or "").endswith(".py"):
            return spec
        spec.loader = _PostponedAnnotationsLoader(fullname, spec.origin)
        return spec


_ANNOTATIONS = _PostponedAnnotations()


def defer_unused() -> list[str]:
    """Defer every package of :data:`UNUSED` that can still be deferred; returns their names."""
    done = [name for name in UNUSED if defer(name)]
    for name in done:
        if "." not in name:
            continue  # a top-level package has no parent to bind it
        _BINDER.parents.setdefault(name.rpartition(".")[0], []).append(name)
    if done and _BINDER not in sys.meta_path:
        sys.meta_path.insert(0, _BINDER)
    if any(_unloaded_stand_in(name) for name in ANNOTATIONS_ONLY.values()) and _ANNOTATIONS not in sys.meta_path:
        sys.meta_path.insert(0, _ANNOTATIONS)
    return done


__all__ = ["ANNOTATIONS_ONLY", "CALLED_LATE", "SUBMODULES_ON_READ", "UNUSED", "defer", "defer_unused"]
