"""From DynamoDB operations the code was seen to perform to the IAM actions that allow them.

IAM authorises most DynamoDB API calls by an action of the same name on the table (or index) named in
the call. The exceptions matter: ``TransactWriteItems`` and ``TransactGetItems`` are not IAM actions;
each item in them is authorised by its own item action (a Put by ``dynamodb:PutItem``, a
ConditionCheck by ``dynamodb:ConditionCheckItem``...) on its own table. A Query on an index is
authorised on ``<table ARN>/index/<name>``, not on the table.

Recordings come from ``tests/support/dynamodb_recorder.py``; keys are the ones ``infra/permissions.json``
uses (``MainTable``, ``AuditTable/index/by_actor``).
"""

from __future__ import annotations

from typing import Any

#: What authorises each item of a transaction.
TRANSACT_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                         "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
#: How a table name ends, per logical table (names are teamline-<stage>-main / -audit).
TABLE_SUFFIXES = {"-main": "MainTable", "-audit": "AuditTable"}
UNATTRIBUTED = "unattributed"


def iam_action(operation: str) -> str:
    """The IAM action that authorises a recorded operation (``TransactWriteItems.Put`` -> ``dynamodb:PutItem``)."""
    name, _, part = operation.partition(".")
    if name in ("TransactWriteItems", "TransactGetItems"):
        return f"dynamodb:{TRANSACT_ITEM_ACTIONS[part]}"
    return f"dynamodb:{name}"


def table_key(table_name: str, index: str = "") -> str:
    """The permissions key of a table name (and index): ``MainTable`` or ``MainTable/index/gsi1``."""
    for suffix, logical in TABLE_SUFFIXES.items():
        if table_name.endswith(suffix):
            return f"{logical}/index/{index}" if index else logical
    raise ValueError(f"{table_name!r} is not one of Teamline's tables")


def required_grants(recording: dict[str, Any]) -> dict[str, dict[str, set[str]]]:
    """Per function, per table or index, the IAM actions the recorded calls need."""
    grants: dict[str, dict[str, set[str]]] = {}
    for call in recording["calls"]:
        if call["function"] == UNATTRIBUTED:
            continue
        key = table_key(call["table"], call["index"])
        grants.setdefault(call["function"], {}).setdefault(key, set()).add(iam_action(call["operation"]))
    return grants


def declared_grants(permissions: dict[str, Any]) -> dict[str, dict[str, set[str]]]:
    """Per function, per table or index, the actions ``infra/permissions.json`` grants."""
    return {function: {key: set(actions) for key, actions in spec.get("dynamodb", {}).items()}
            for function, spec in permissions.items()}


def differences(required: dict[str, dict[str, set[str]]], declared: dict[str, dict[str, set[str]]]) -> list[str]:
    """Sentences for every action used but not granted, and granted but never used."""
    problems = []
    for function in sorted(set(required) | set(declared)):
        used, granted = required.get(function, {}), declared.get(function, {})
        for key in sorted(set(used) | set(granted)):
            for action in sorted(used.get(key, set()) - granted.get(key, set())):
                problems.append(f"{function} performs {action} on {key} but infra/permissions.json does not grant it")
            for action in sorted(granted.get(key, set()) - used.get(key, set())):
                problems.append(f"{function} is granted {action} on {key} but the functional suite never saw it used")
    return problems
