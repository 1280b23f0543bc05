"""Submodules that are loaded when first used rather than when first named.

Every request to the Lambda, a young person's home page included, waits for every module the app names
at import time, and the API layer names every service. Most services serve one kind of staff page. So a
package whose ``__getattr__`` is :func:`submodule` hands ``from package import name`` a stand-in for the
module, and the module itself is imported on the stand-in's first use, in whichever request first
needs it.

The stand-in imports through ``importlib.import_module``, so the import system's own per-module locks
(and their deadlock detection) govern two threads that first use a module at once. Reads, writes and
deletes of attributes all go to the real module, so monkeypatching through either behaves as usual;
only identity differs (``sys.modules`` holds the real module, importers that went through the package
hold the stand-in).

What it does not change: ``from package.name import thing`` and ``import package.name`` still load
``name`` at once, as they must. A module with an error fails on first use rather than at import, so
``tests/unit/test_lazy_modules.py`` imports every one of them.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any


class _Deferred:
    """Stands in for a module until its first use, then forwards every attribute to it."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_module", None)

    def _load(self) -> types.ModuleType:
        module: types.ModuleType | None = object.__getattribute__(self, "_module")
        if module is None:
            module = importlib.import_module(object.__getattribute__(self, "_name"))
            object.__setattr__(self, "_module", module)
        return module

    def __getattribute__(self, attr: str) -> Any:
        return getattr(_Deferred._load(self), attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        setattr(_Deferred._load(self), attr, value)

    def __delattr__(self, attr: str) -> None:
        delattr(_Deferred._load(self), attr)

    def __repr__(self) -> str:
        name = object.__getattribute__(self, "_name")
        return f"<deferred module {name!r}>"


def submodule(package: str, name: str) -> Any:
    """``package.name`` if already imported, else a stand-in that imports it on first use.

    For a package's module-level ``__getattr__`` (PEP 562), which Python calls only for names the
    package does not have yet.
    """
    if name.startswith("__"):  # dunder lookups (``__path__`` probes, pickling...) are not submodules
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    fullname = f"{package}.{name}"
    loaded = sys.modules.get(fullname)
    if loaded is not None:
        return loaded
    if importlib.util.find_spec(fullname) is None:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    stand_in = _Deferred(fullname)
    # Kept on the package so the next importer gets it without a second search; importing the module
    # for real replaces it there with the module itself.
    setattr(sys.modules[package], name, stand_in)
    return stand_in
