"""What a cold start loads: services on first use (``chalicelib.lazy``), item kinds on first read
(``models.base.KindAttribute``), and the app's import with the collector off (``app.py``)."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

import chalicelib
from chalicelib.models import base

ROOT = Path(__file__).resolve().parents[2]

# --- chalicelib.lazy, on a package of its own ---------------------------------------------------------------


@pytest.fixture
def lazypkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[types.SimpleNamespace]:
    """A package whose submodules load on first use; ``gated`` waits in its body until released."""
    package = tmp_path / "lazypkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from chalicelib import lazy\n\n\ndef __getattr__(name):\n    return lazy.submodule(__name__, name)\n")
    (package / "plain.py").write_text("VALUE = 1\n")
    (package / "gated.py").write_text("import lazypkg_gate as gate\n\ngate.entered.set()\n"
                                      "assert gate.release.wait(30)\nVALUE = 42\n")
    gate = types.ModuleType("lazypkg_gate")
    gate.entered, gate.release = threading.Event(), threading.Event()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "lazypkg_gate", gate)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield types.SimpleNamespace(gate=gate)
    for name in [n for n in sys.modules if n == "lazypkg" or n.startswith("lazypkg.")]:
        del sys.modules[name]


def test_from_package_import_defers_the_module_until_first_use(lazypkg: types.SimpleNamespace) -> None:
    from lazypkg import plain  # type: ignore[import-not-found]

    assert "lazypkg.plain" not in sys.modules
    assert plain.VALUE == 1
    assert sys.modules["lazypkg.plain"].VALUE == 1
    assert sys.modules["lazypkg"].plain is sys.modules["lazypkg.plain"]  # the package now holds the module itself
    from lazypkg import plain as again  # type: ignore[import-not-found]

    assert again is sys.modules["lazypkg.plain"]


def test_writes_and_deletes_through_the_stand_in_reach_the_module(lazypkg: types.SimpleNamespace) -> None:
    from lazypkg import plain  # type: ignore[import-not-found]

    plain.VALUE = 2
    assert sys.modules["lazypkg.plain"].VALUE == 2
    del plain.VALUE
    assert not hasattr(sys.modules["lazypkg.plain"], "VALUE")
    assert not hasattr(plain, "VALUE")


def test_a_name_that_is_no_submodule_fails_at_import(lazypkg: types.SimpleNamespace) -> None:
    with pytest.raises(ImportError):
        from lazypkg import nothing_here  # type: ignore[import-not-found]  # noqa: F401
    with pytest.raises(AttributeError):
        sys.modules["lazypkg"].__wrapped__  # noqa: B018 - a dunder probe is never a submodule


def test_a_thread_waits_for_a_module_another_thread_is_still_loading(lazypkg: types.SimpleNamespace) -> None:
    from lazypkg import gated  # type: ignore[import-not-found]

    seen: dict[str, object] = {}

    def read(who: str) -> None:
        try:
            seen[who] = gated.VALUE
        except Exception as exc:  # noqa: BLE001 - a half-built module would show up here
            seen[who] = exc

    first = threading.Thread(target=read, args=("first",))
    first.start()
    assert lazypkg.gate.entered.wait(30)  # the first thread is inside the module's code
    second = threading.Thread(target=read, args=("second",))
    second.start()
    second.join(timeout=0.3)
    assert second.is_alive(), f"the second thread did not wait for the module: {seen}"
    lazypkg.gate.release.set()
    first.join(30)
    second.join(30)
    assert seen == {"first": 42, "second": 42}


# --- every product module, eagerly -------------------------------------------------------------------------


def test_every_product_module_imports() -> None:
    """A module loaded on first use would otherwise show an import error only to the request that needs it."""
    names = [m.name for m in pkgutil.walk_packages(chalicelib.__path__, "chalicelib.")]
    assert {"chalicelib.services.dashboard", "chalicelib.models.stats", "chalicelib.api.patient"} <= set(names)
    for name in names:
        importlib.import_module(name)


# --- the kind table ------------------------------------------------------------------------------------------


def _kinds() -> dict[str, str]:
    for info in pkgutil.iter_modules(importlib.import_module("chalicelib.models").__path__):
        importlib.import_module(f"chalicelib.models.{info.name}")
    found: dict[str, str] = {}
    pending = list(base.MainItem.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        kind = base.MainItem.kind.get_discriminator(cls)
        if kind is not None and cls.__module__.startswith("chalicelib."):  # not a test's own kind
            found[kind] = cls.__module__.removeprefix("chalicelib.models.")
    return found


def test_the_kind_table_names_the_module_of_every_kind() -> None:
    assert _kinds() == base.KIND_MODULES


def test_a_read_that_meets_a_kind_not_yet_loaded_builds_its_class() -> None:
    code = """
import sys
from chalicelib.models.base import MainItem
assert "chalicelib.models.stats" not in sys.modules
item = MainItem.from_raw_data({"pk": {"S": "TEAM#t1"}, "sk": {"S": "DAY#2026-12-01"}, "kind": {"S": "team_day"}})
print(type(item).__module__, type(item).__name__)
try:
    MainItem.from_raw_data({"pk": {"S": "X"}, "sk": {"S": "Y"}, "kind": {"S": "no_such_kind"}})
except ValueError as error:
    print("refused", error)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=os.environ.copy(), capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out == ["chalicelib.models.stats TeamDayItem", "refused Unknown discriminator value: no_such_kind"]


# --- the app's import ------------------------------------------------------------------------------------------


def test_importing_the_app_loads_no_staff_service_and_leaves_the_collector_on() -> None:
    code = """
import gc, json, sys
import app
print(json.dumps({"modules": sorted(m for m in sys.modules if m.startswith("chalicelib.")),
                  "gc_enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))
"""
    out = json.loads(subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=os.environ.copy(),
                                    capture_output=True, text=True, check=True).stdout)
    loaded = set(out["modules"])
    staff_only = {"chalicelib.services.dashboard", "chalicelib.services.accounts", "chalicelib.services.records",
                  "chalicelib.services.trust_admin", "chalicelib.services.audit_log", "chalicelib.services.signin",
                  "chalicelib.services.workflow", "chalicelib.models.stats", "chalicelib.models.records"}
    assert not loaded & staff_only
    assert "chalicelib.api.patient" in loaded and "chalicelib.api.dashboard" in loaded  # every route is registered
    assert out["gc_enabled"] is True
    assert out["frozen"] > 10_000  # what the import made is frozen out of later collections
