"""Subpackages of our dependencies that the planner never uses, loaded only when touched.

``import pandapower`` imports every one of its subpackages, among them ``pandapower.plotting``
(matplotlib's pyplot, plotly's helpers, colour maps: about a second here) and
``pandapower.estimation``; ``import pvlib`` imports ``pvlib.spectrum``, which brings
``scipy.integrate``. A run never calls them. :func:`defer` puts a stand-in for such a package in
``sys.modules`` before its parent is imported: its submodules import as usual (the stand-in has
the package's ``__path__``), and the first attribute anyone reads from the package itself runs
the package's real ``__init__`` into the stand-in, so code that does use it gets the whole
package, only later. Nothing is changed on disk, and a package already imported is left alone.
"""

from __future__ import annotations

import importlib.abc
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
    # pandapower's controllers import it to plot characteristics; the planner draws with
    # matplotlib's object API only (planner.report.figures)
    "matplotlib.pyplot": "matplotlib's state machine, which the planner never uses",
    # deepdiff (pandapower.io_utils) imports it to hash polars frames; linopy reads it when it
    # optimises, which then imports it whole (about 0.25 s of every command otherwise)
    "polars": "polars data frames: only linopy (planner optimise) uses them",
}


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
        if attribute.startswith("_deferred_"):
            raise AttributeError(attribute)
        with self.__dict__["_deferred_lock"]:
            if not self.__dict__["_deferred_loaded"]:
                self.__dict__["_deferred_loaded"] = True
                self.__spec__.loader.exec_module(self)  # the package's own __init__, now
        try:
            return self.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {self.__name__!r} has no attribute {attribute!r}") from None


def defer(name: str) -> bool:
    """Defer the package ``name`` (``"parent.child"``, its parent not imported yet, or a top-level
    package); True if done."""
    if name in sys.modules:
        return False
    parent, _, child = name.rpartition(".")
    if not parent:  # a top-level package: found, not imported
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None or not spec.submodule_search_locations \
                or not (spec.origin or "").endswith("__init__.py"):
            return False  # only a package of Python source can run its __init__ into a stand-in
        sys.modules[name] = _Deferred(name, spec)
        return True
    if not parent or parent in sys.modules:
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
    """The parent package's own loader, which afterwards binds the deferred children as its
    attributes (``pandapower.plotting``), as an import would have."""

    def __init__(self, loader, children: list[str]):
        self._loader, self._children = loader, children

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        try:
            self._loader.exec_module(module)
        finally:
            for name in self._children:
                if name in sys.modules and not hasattr(module, name.rpartition(".")[2]):
                    setattr(module, name.rpartition(".")[2], sys.modules[name])

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


def defer_unused() -> list[str]:
    """Defer every package of :data:`UNUSED` that can still be deferred; returns their names."""
    done = [name for name in UNUSED if defer(name)]
    for name in done:
        if "." not in name:
            continue  # a top-level package has no parent to bind it
        _BINDER.parents.setdefault(name.rpartition(".")[0], []).append(name)
    if done and _BINDER not in sys.meta_path:
        sys.meta_path.insert(0, _BINDER)
    return done


__all__ = ["UNUSED", "defer", "defer_unused"]
