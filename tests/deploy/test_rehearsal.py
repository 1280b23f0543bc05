"""``make deploy`` rehearsed against an embedded AWS: what it creates, what the upgrade keeps, what destroy removes.

See conftest.py for how the rehearsal runs. Each test reads what AWS held after a step.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts.deploy.grants import declared_grants, differences, required_grants, table_key
from scripts.deploy.infra import load_permissions
from tests.deploy.conftest import FIRST_SETTINGS, STAGE, UPGRADED_SETTINGS, Rehearsal, make

ROOT = Path(__file__).resolve().parents[2]
RECORDING = ROOT / "build" / "dynamodb-operations.json"


def model_indexes() -> dict[str, list[str]]:
    """The GSIs the PynamoDB models declare, per table resource (read in a child: models read settings at import)."""
    code = ("import json; from chalicelib.models.base import MainItem, AuditItem; print(json.dumps({"
            "'MainTable': sorted(i['index_name'] for i in MainItem._get_schema()['global_secondary_indexes']),"
            "'AuditTable': sorted(i['index_name'] for i in AuditItem._get_schema()['global_secondary_indexes'])}))")
    return json.loads(_child(code))


def app_routes() -> list[str]:
    """Every "METHOD /path" the app declares."""
    code = ("import json, app; print(json.dumps(sorted(f'{m} {p}' for p, entries in app.app.routes.items() "
            "for m in entries)))")
    return json.loads(_child(code))


def _child(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMLINE_")}
    env["TEAMLINE_STAGE"] = "local"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True, timeout=120)
    return result.stdout.strip().splitlines()[-1]


def function_named(photo: dict[str, Any], chalice_name: str) -> dict[str, Any]:
    name = f"teamline-{STAGE}" if chalice_name == "api_handler" else f"teamline-{STAGE}-{chalice_name}"
    return photo["functions"][name]


# --- the first deployment ------------------------------------------------------------------------------------


def test_deploy_stops_with_a_clear_message_when_settings_are_placeholders(rehearsal: Rehearsal, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMLINE_")}
    result = subprocess.run(make("deploy", "STAGE=prod", f"SETTINGS={ROOT / 'deploy' / 'example.json'}"),
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode != 0
    assert "vapid_subject" in result.stderr and "alarm_email" in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_deploy_stops_with_a_clear_message_without_aws_credentials(rehearsal: Rehearsal, tmp_path: Path):
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps(FIRST_SETTINGS))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEAMLINE_", "AWS_"))}
    env.update({"AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                "AWS_EC2_METADATA_DISABLED": "true"})
    result = subprocess.run(make("deploy", "STAGE=prod", f"SETTINGS={settings}"), cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode != 0
    assert "No usable AWS credentials" in result.stderr, result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_both_tables_have_their_indexes_ttl_pitr_stream_and_deletion_protection(deployed: dict[str, Any]):
    tables = deployed["tables"]
    assert set(tables) == {"MainTable", "AuditTable"}
    for logical, indexes in model_indexes().items():
        table = tables[logical]
        assert table["indexes"] == indexes
        assert table["ttl"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
        assert table["pitr"] == "ENABLED"
        assert table["deletion_protection"] is True
    assert tables["MainTable"]["stream"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert not tables["AuditTable"]["stream"].get("StreamEnabled")


def test_every_function_is_deployed_with_its_memory_timeout_role_and_settings(rehearsal: Rehearsal,
                                                                             deployed: dict[str, Any]):
    from scripts.deploy.stage import parse

    settings = parse(STAGE, FIRST_SETTINGS)
    assert len(deployed["functions"]) == len(rehearsal.functions)
    for function in rehearsal.functions:
        found = function_named(deployed, function.name)
        size = settings.size_of(function.name)
        assert (found["memory"], found["timeout"]) == (size.memory_mb, size.timeout_s), function.name
        assert found["role"] == rehearsal.outputs[f"{function.logical_id}RoleArn"]
        environment = found["environment"]
        assert environment["TEAMLINE_STAGE"] == STAGE
        assert environment["TEAMLINE_MAIN_TABLE"] == rehearsal.outputs["MainTableName"]
        assert environment["TEAMLINE_AUDIT_TABLE"] == rehearsal.outputs["AuditTableName"]
        assert environment["TEAMLINE_MAIN_STREAM_ARN"] == rehearsal.outputs["MainTableStreamArn"]
        assert environment["TEAMLINE_EXPORT_BUCKET"] == rehearsal.outputs["ExportBucketName"]
        assert environment["TEAMLINE_VAPID_SUBJECT"] == FIRST_SETTINGS["vapid_subject"]
        assert environment["TEAMLINE_VAPID_PUBLIC_KEY"]
    # The stream handler outlasts the API: it sends pushes with retries to several devices.
    assert function_named(deployed, "deliver_push")["timeout"] > function_named(deployed, "api_handler")["timeout"]


def test_the_deployed_environment_passes_the_apps_own_settings_checks(deployed: dict[str, Any]):
    from chalicelib.settings import load_settings

    settings = load_settings(function_named(deployed, "api_handler")["environment"])
    assert settings.deployed and settings.stage == STAGE


def test_every_schedule_the_app_declares_is_a_rule_that_runs_its_function(rehearsal: Rehearsal,
                                                                          deployed: dict[str, Any]):
    schedules = [f for f in rehearsal.functions if f.kind == "schedule"]
    assert schedules
    for function in schedules:
        arn = function_named(deployed, function.name)["arn"]
        rules = [r for r in deployed["rules"].values() if arn in r["targets"]]
        assert [r["schedule"] for r in rules] == [function.detail], function.name


def test_the_stream_mapping_retries_a_limited_number_of_times_bisects_and_sends_failures_to_the_queue(
        rehearsal: Rehearsal, deployed: dict[str, Any]):
    (mapping,) = deployed["mappings"]
    assert mapping["function"] == f"teamline-{STAGE}-deliver_push"
    assert mapping["source"] == rehearsal.outputs["MainTableStreamArn"]
    assert mapping["retries"] == 5
    assert mapping["bisect"] is True
    assert mapping["max_age"] == 3600
    assert mapping["on_failure"] == rehearsal.outputs["StreamFailureQueueArn"]
    assert deployed["queue"] is not None


def deployed_dynamodb_grants(role: dict[str, Any]) -> dict[str, set[str]]:
    """The DynamoDB table and index grants of a role's policies, by permissions key (stream grants apart)."""
    grants: dict[str, set[str]] = {}
    for document in role["documents"]:
        for statement in document["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for resource in resources:
                if ":dynamodb:" not in resource or "/stream/" in resource:
                    continue
                path = resource.split(":table/", 1)[1]
                table, _, index = path.partition("/index/")
                grants.setdefault(table_key(table, index), set()).update(actions)
    return grants


def test_roles_allow_exactly_the_dynamodb_operations_the_code_performs(rehearsal: Rehearsal,
                                                                       deployed: dict[str, Any]):
    assert RECORDING.exists(), (
        f"{RECORDING.relative_to(ROOT)} is missing: run the functional tier with the recorder first "
        "(make test-functional, or make test, which does it before this tier)")
    recording = json.loads(RECORDING.read_text())
    assert recording["tests"] > 100, "the recording is from a partial functional run; run the whole tier"
    permissions = load_permissions()
    # The declared policy is what the code did under the functional suite: nothing missing, nothing spare.
    assert differences(required_grants(recording), declared_grants(permissions)) == []
    # ... and it is what the deployed roles got, each role only its own function's policy.
    for function in rehearsal.functions:
        role = deployed["roles"][rehearsal.outputs[f"{function.logical_id}RoleArn"]]
        assert role["attached"] == [rehearsal.outputs[f"{function.logical_id}PolicyArn"]]
        assert role["inline"] == []
        assert deployed_dynamodb_grants(role) == {
            key: set(actions) for key, actions in permissions[function.name]["dynamodb"].items()}, function.name


def test_no_deployed_policy_has_a_wildcard_action(deployed: dict[str, Any]):
    actions = [action for role in deployed["roles"].values() for document in role["documents"]
               for statement in document["Statement"]
               for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])]
    assert actions
    assert [a for a in actions if "*" in a or "?" in a] == []


def test_only_the_push_function_can_read_the_stream_and_the_vapid_key(rehearsal: Rehearsal, deployed: dict[str, Any]):
    for function in rehearsal.functions:
        role = deployed["roles"][rehearsal.outputs[f"{function.logical_id}RoleArn"]]
        text = json.dumps(role["documents"])
        reads_stream = "dynamodb:GetRecords" in text
        reads_key = "vapid-private-key" in text
        assert reads_stream == (function.kind == "dynamodb"), function.name
        assert reads_key == bool(load_permissions()[function.name]["vapid_key"]), function.name


def test_the_api_serves_every_route_the_app_declares_behind_the_custom_domain(rehearsal: Rehearsal,
                                                                             deployed: dict[str, Any]):
    (rest_api,) = deployed["api"]["apis"].values()
    assert rest_api["routes"] == app_routes()
    assert rest_api["endpoint"] == ["REGIONAL"]
    assert set(rest_api["gateway_responses"]) == {"MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"}
    domain = deployed["api"]["domains"][FIRST_SETTINGS["custom_domain"]["domain_name"]]
    assert domain["certificate"] == FIRST_SETTINGS["custom_domain"]["certificate_arn"]
    (rest_api_id,) = deployed["api"]["apis"]
    assert ("(none)", rest_api_id, "v1") in [tuple(m) for m in domain["mappings"]]


def test_log_groups_alarms_bucket_and_keys_exist(rehearsal: Rehearsal, deployed: dict[str, Any]):
    for function in rehearsal.functions:
        name = function_named(deployed, function.name)["arn"].rsplit(":", 1)[-1]
        assert deployed["log_groups"][f"/aws/lambda/{name}"] == 365
        assert f"teamline-{STAGE}-{function.name}-errors" in deployed["alarms"]
        assert f"teamline-{STAGE}-{function.name}-throttles" in deployed["alarms"]
    for name in ("api-5xx", "stream-failures", "deliver_push-falling-behind", "main-table-read-throttles",
                 "main-table-write-throttles", "audit-table-read-throttles", "audit-table-write-throttles"):
        assert f"teamline-{STAGE}-{name}" in deployed["alarms"]
    topic = rehearsal.outputs["AlarmTopicArn"]
    assert all(alarm["actions"] == [topic] for alarm in deployed["alarms"].values())
    assert rehearsal.outputs["ExportBucketName"] in deployed["buckets"]
    # moto's S3 ignores a template's encryption and public access block (checked in the template by
    # tests/unit/test_infra.py); here only that the bucket exists and its name reached the functions.
    assert deployed["parameters"][f"/teamline/{STAGE}/vapid-private-key"] == "SecureString"
    assert deployed["parameters"][f"/teamline/{STAGE}/vapid-public-key"] == "String"


def test_the_first_trust_admin_is_created_against_the_deployed_stage(rehearsal: Rehearsal, upgraded: dict[str, Any]):
    step = rehearsal.steps["create_admin"]
    assert step.returncode == 0, step.output[-3000:]
    assert "Trust admin alex.admin@northfield.nhs.uk" in step.output
    assert rehearsal.photos["deployed"]["tables"]["MainTable"]["items"] == 0
    assert upgraded["tables"]["MainTable"]["items"] > 0 and upgraded["tables"]["AuditTable"]["items"] > 0


# --- the upgrade --------------------------------------------------------------------------------------------


def test_the_upgrade_replaced_nothing_that_holds_data_or_that_users_reach(rehearsal: Rehearsal,
                                                                         deployed: dict[str, Any],
                                                                         upgraded: dict[str, Any]):
    for logical in ("MainTable", "AuditTable"):
        before, after = deployed["tables"][logical], upgraded["tables"][logical]
        assert (after["arn"], after["created"], after["stream_arn"]) == (
            before["arn"], before["created"], before["stream_arn"])
    assert upgraded["buckets"] == deployed["buckets"]
    assert upgraded["queue"] == deployed["queue"]
    assert {n: f["arn"] for n, f in upgraded["functions"].items()} == {
        n: f["arn"] for n, f in deployed["functions"].items()}
    assert set(upgraded["api"]["apis"]) == set(deployed["api"]["apis"])  # same API id: same URL
    assert [m["uuid"] for m in upgraded["mappings"]] == [m["uuid"] for m in deployed["mappings"]]
    # The admin made before the upgrade is still there: the same email is refused.
    again = rehearsal.steps["create_admin_again"]
    assert again.returncode == 1 and "already has a Teamline account" in again.output, again.output[-2000:]


def test_the_upgrade_applied_the_changed_settings(rehearsal: Rehearsal, upgraded: dict[str, Any]):
    push = function_named(upgraded, "deliver_push")
    wanted = UPGRADED_SETTINGS["functions"]["deliver_push"]
    assert (push["memory"], push["timeout"]) == (wanted["memory_mb"], wanted["timeout_s"])
    assert set(upgraded["log_groups"].values()) == {UPGRADED_SETTINGS["log_retention_days"]}
    (mapping,) = upgraded["mappings"]
    assert (mapping["retries"], mapping["bisect"]) == (5, True)


# --- tearing down -------------------------------------------------------------------------------------------


def test_destroy_removes_the_app_and_keeps_the_tables_buckets_and_keys(rehearsal: Rehearsal,
                                                                       upgraded: dict[str, Any]):
    step = rehearsal.steps["destroy"]
    assert step.returncode == 0, step.output[-3000:]
    gone = rehearsal.photos["destroyed"]
    assert gone["functions"] == {} and gone["api"]["apis"] == {} and gone["rules"] == {}
    assert gone["tables"]["MainTable"]["arn"] == upgraded["tables"]["MainTable"]["arn"]
    assert gone["tables"]["MainTable"]["items"] == upgraded["tables"]["MainTable"]["items"]
    assert gone["buckets"] == upgraded["buckets"]
    assert f"/teamline/{STAGE}/vapid-private-key" in gone["parameters"]


@pytest.mark.parametrize("step", ["deploy", "upgrade", "destroy"])
def test_deploys_leave_nothing_in_the_checkout_outside_build(rehearsal: Rehearsal, step: str):
    """Chalice writes its state and caches next to the config it runs with: that must be build/deploy/, not here."""
    assert rehearsal.steps[step].returncode == 0, rehearsal.steps[step].output[-3000:]
    assert not (ROOT / ".chalice" / "deployed").exists()
    assert not (ROOT / "vendor").exists()
    changed = subprocess.run(["git", "status", "--porcelain", "--", ".chalice", "infra", "deploy"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    assert changed == ""
