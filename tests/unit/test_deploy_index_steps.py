"""Upgrading a stage whose tables have fewer indexes: DynamoDB adds one GSI per table update, so `make deploy`
reaches the new template through intermediate ones that each add one (scripts.deploy.infra.staged_templates)."""

from __future__ import annotations

from typing import Any

from scripts.deploy import infra


def table(indexes: list[str]) -> dict[str, Any]:
    attributes = [{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")]
    gsis = []
    for name in indexes:
        attributes += [{"AttributeName": f"{name}pk", "AttributeType": "S"},
                       {"AttributeName": f"{name}sk", "AttributeType": "S"}]
        gsis.append({"IndexName": name, "Projection": {"ProjectionType": "ALL"},
                     "KeySchema": [{"AttributeName": f"{name}pk", "KeyType": "HASH"},
                                   {"AttributeName": f"{name}sk", "KeyType": "RANGE"}]})
    props: dict[str, Any] = {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                           {"AttributeName": "sk", "KeyType": "RANGE"}],
                             "AttributeDefinitions": attributes}
    if gsis:
        props["GlobalSecondaryIndexes"] = gsis
    return {"Type": "AWS::DynamoDB::Table", "Properties": props}


def template(main: list[str], audit: list[str], *, queue: bool = False) -> dict[str, Any]:
    resources = {"MainTable": table(main), "AuditTable": table(audit)}
    if queue:
        resources["Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    return {"Resources": resources}


def indexes(step: dict[str, Any], name: str) -> list[str]:
    return [g["IndexName"] for g in step["Resources"][name]["Properties"].get("GlobalSecondaryIndexes", [])]


def test_a_new_stack_is_created_in_one_step_with_every_index():
    target = template(["gsi1", "gsi2", "gsi3"], ["by_actor"])
    assert infra.staged_templates(None, target) == [target]


def test_an_upgrade_adds_one_index_per_table_per_step_and_ends_at_the_target():
    current = template(["gsi1", "gsi2", "gsi3", "gsi4"], [])
    target = template([f"gsi{n}" for n in range(1, 11)], ["by_subject", "by_actor"], queue=True)
    steps = infra.staged_templates(current, target)
    assert steps[-1] is target
    # gsi5..gsi10 one by one; the audit table's first comes with gsi10 (one index per table per update is the
    # rule, two tables may each gain one) and its second with the target: 5 + 1 + 1
    assert len(steps) == 7
    before = current
    for step in steps:
        for name in ("MainTable", "AuditTable"):
            added = set(indexes(step, name)) - set(indexes(before, name))
            assert len(added) <= 1, (name, added)
            assert set(indexes(before, name)) <= set(indexes(step, name))  # nothing is dropped on the way
            props = step["Resources"][name]["Properties"]
            used = {k["AttributeName"] for k in props["KeySchema"]}
            used |= {k["AttributeName"] for g in props.get("GlobalSecondaryIndexes", []) for k in g["KeySchema"]}
            assert {a["AttributeName"] for a in props["AttributeDefinitions"]} == used
        assert "Queue" in step["Resources"]  # everything else arrives with the first step
        before = step
    assert indexes(steps[-1], "MainTable") == [f"gsi{n}" for n in range(1, 11)]


def test_a_stack_that_already_has_every_index_is_one_step():
    target = template(["gsi1", "gsi2"], ["by_actor"])
    assert infra.staged_templates(template(["gsi1", "gsi2"], ["by_actor"]), target) == [target]
    assert len(infra.staged_templates(template(["gsi1"], ["by_actor"]), target)) == 1  # one index: one update
