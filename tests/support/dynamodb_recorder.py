"""A pytest plugin that records which DynamoDB operations each Lambda function's code performs.

The deployed functions' IAM policies list DynamoDB actions by hand (``infra/permissions.json``), and a
hand-written list drifts: a new call without a permission fails only in a Trust's account, and a
permission nobody uses any more is never noticed. So ``make test`` loads this plugin into the
functional tier (``-p tests.support.dynamodb_recorder``), which watches every DynamoDB call the app
makes and writes what it saw to ``build/dynamodb-operations.json``; the deploy rehearsal
(``tests/deploy``) then fails unless the deployed policies allow exactly those actions.

*Which function* made a call is read from the Python stack when the call is made: the outermost
frame that is one of a function's entry points (``infra/permissions.json``: Chalice's REST handler
for the API function, the scheduled and stream handlers and the service functions they delegate to
for the others). Calls made outside every entry point, by fixtures seeding data, are kept apart as
``unattributed`` and grant nothing.

It hooks botocore's ``before-parameter-build`` event the way ``chalicelib.models.db`` hooks
``before-call`` (a built-in handler, so every session PynamoDB creates later has it): the API
parameters are still a dict there, so transactions and batches can be split into their tables and
item actions. Under pytest-xdist each worker writes ``build/dynamodb-operations/<worker>.json``; the
controller merges them when the session ends.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from botocore import handlers as _botocore_handlers

ROOT = Path(__file__).resolve().parents[2]
PERMISSIONS = ROOT / "infra" / "permissions.json"
OUTPUT = ROOT / "build" / "dynamodb-operations.json"
PARTS = ROOT / "build" / "dynamodb-operations"
UNATTRIBUTED = "unattributed"

#: "module.qualname" of an entry-point frame -> the Lambda function (Chalice name) it belongs to.
_entry_points: dict[str, str] = {}
_seen: Counter[tuple[str, str, str, str]] = Counter()  # (function, operation, table, index)
_lock = threading.Lock()
_active = False


def load_entry_points(path: Path = PERMISSIONS) -> dict[str, str]:
    """Read each function's entry points from the permissions file."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return {entry: function for function, spec in document["functions"].items() for entry in spec["entry_points"]}


def attribute(frame: Any, entry_points: dict[str, str]) -> str:
    """The function whose entry point is the outermost matching frame of ``frame``'s stack."""
    found = UNATTRIBUTED
    while frame is not None:
        code = frame.f_code
        key = f"{frame.f_globals.get('__name__', '')}.{getattr(code, 'co_qualname', code.co_name)}"
        function = entry_points.get(key)
        if function is not None:
            found = function  # keep walking outwards: the outermost entry point wins
        frame = frame.f_back
    return found


def split_call(operation: str, params: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(operation, table, index) for each table a call touches; transactions by item action."""
    if operation in ("TransactWriteItems", "TransactGetItems"):
        parts = []
        for item in params.get("TransactItems", []):
            for action, body in item.items():
                parts.append((f"{operation}.{action}", body.get("TableName", ""), ""))
        return parts
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(operation, table, "") for table in params.get("RequestItems", {})]
    return [(operation, params.get("TableName", ""), params.get("IndexName", ""))]


def _on_parameter_build(params: dict[str, Any] | None = None, model: Any = None, **_: Any) -> None:
    if not _active or model is None or params is None:
        return
    function = attribute(sys._getframe(1), _entry_points)
    with _lock:
        for operation, table, index in split_call(model.name, params):
            _seen[(function, operation, table, index)] += 1


if ("before-parameter-build.dynamodb", _on_parameter_build) not in _botocore_handlers.BUILTIN_HANDLERS:
    _botocore_handlers.BUILTIN_HANDLERS.append(("before-parameter-build.dynamodb", _on_parameter_build))


def as_document(seen: Counter[tuple[str, str, str, str]], tests: int) -> dict[str, Any]:
    """The recording as JSON-ready data: {"tests": n, "calls": [{function, operation, table, index, count}]}."""
    calls = [{"function": f, "operation": o, "table": t, "index": i, "count": n}
             for (f, o, t, i), n in sorted(seen.items())]
    return {"tests": tests, "calls": calls}


def merge(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Add several recordings together."""
    seen: Counter[tuple[str, str, str, str]] = Counter()
    tests = 0
    for document in documents:
        tests += document["tests"]
        for call in document["calls"]:
            seen[(call["function"], call["operation"], call["table"], call["index"])] += call["count"]
    return as_document(seen, tests)


class _Recorder:
    def __init__(self, config: pytest.Config) -> None:
        self.worker = getattr(config, "workerinput", {}).get("workerid")
        self.tests = 0

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        self.tests += 1
        yield

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.worker is not None:  # an xdist worker: leave a part for the controller
            PARTS.mkdir(parents=True, exist_ok=True)
            (PARTS / f"{self.worker}.json").write_text(json.dumps(as_document(_seen, self.tests)), encoding="utf-8")
            return
        parts = sorted(PARTS.glob("*.json")) if PARTS.is_dir() else []
        documents = [json.loads(p.read_text(encoding="utf-8")) for p in parts]
        if not documents:  # not distributed: this process ran the tests
            documents = [as_document(_seen, self.tests)]
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        OUTPUT.write_text(json.dumps(merge(documents), indent=1) + "\n", encoding="utf-8")
        for part in parts:
            part.unlink()


def pytest_configure(config: pytest.Config) -> None:
    global _active
    _entry_points.update(load_entry_points())
    _active = True
    if not hasattr(config, "workerinput"):
        # The controller (or a plain run) starts clean: stale parts of an interrupted run must not count.
        for part in PARTS.glob("*.json") if PARTS.is_dir() else []:
            part.unlink()
        OUTPUT.unlink(missing_ok=True)
    config.pluginmanager.register(_Recorder(config), "dynamodb-recorder")


__all__ = ["attribute", "split_call", "merge", "load_entry_points", "OUTPUT", "UNATTRIBUTED"]
