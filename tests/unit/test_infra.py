"""The deployment templates against the code they deploy.

``make deploy`` deploys two things per stage: the infrastructure stack (``infra/teamline.json`` plus one
role, policy, log group and alarms per function, built by ``scripts/deploy/infra.py``) and the Chalice
app (``chalice deploy`` with a generated config naming those roles). These tests build both in-process
for a dev and a prod stage, without AWS: the infrastructure template as the deploy builds it, and the
SAM template ``chalice package`` would make from the generated config (no zip, no pip, no network).
Both must pass cfn-lint, and the tables must match the PynamoDB models. ``tests/deploy`` then deploys
them for real against moto.

Chalice and the app are imported inside fixtures, not at module level: PynamoDB reads settings at
import, and the functional tier sets its environment in its conftest, which may load after this module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOYED_STAGES = ("dev", "prod")
TABLES = {"MainTable": "MainItem", "AuditTable": "AuditItem"}
ACCOUNT = "111122223333"
#: Audit rows are append-only: nothing that can change or remove a row may touch the audit table.
AUDIT_FORBIDDEN = {
    "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete", "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:RestoreTableToPointInTime",
}


# --- building the merged template the way `chalice package --merge-template` does ----------------


class Package(NamedTuple):
    infra: dict[str, Any]  # the infrastructure stack's template
    sam: dict[str, Any]  # what `chalice package` makes from the generated config
    config: dict[str, Any]  # the generated .chalice/config.json


def stage_settings(stage: str) -> Any:
    from scripts.deploy.stage import parse

    return parse(stage, {"vapid_subject": "mailto:teamline@northfield.nhs.uk", "alarm_email": "it@northfield.nhs.uk",
                         "custom_domain": {"domain_name": f"teamline-{stage}.northfield.nhs.uk",
                                           "certificate_arn": f"arn:aws:acm:eu-west-2:{ACCOUNT}:certificate/1234-abcd"}})


def stack_outputs(stage: str, functions: list[Any]) -> dict[str, str]:
    """What the infrastructure stack's outputs look like (well-formed, made up)."""
    outputs = {"MainTableName": f"teamline-{stage}-main", "AuditTableName": f"teamline-{stage}-audit",
               "MainTableStreamArn": f"arn:aws:dynamodb:eu-west-2:{ACCOUNT}:table/teamline-{stage}-main/stream/2026-11-30T10:00:00.000",
               "ExportBucketName": f"teamline-{stage}-exports-{ACCOUNT}-eu-west-2",
               "DeployStateBucketName": f"teamline-{stage}-deploy-{ACCOUNT}-eu-west-2",
               "StreamFailureQueueArn": f"arn:aws:sqs:eu-west-2:{ACCOUNT}:teamline-{stage}-stream-failures"}
    for function in functions:
        outputs[f"{function.logical_id}RoleArn"] = f"arn:aws:iam::{ACCOUNT}:role/teamline-{stage}-{function.logical_id}"
    return outputs


def chalice_sam_template(stage: str, config_from_disk: dict[str, Any]) -> dict[str, Any]:
    """Build the SAM template ``chalice package --stage STAGE`` makes from ``config_from_disk``.

    Mirrors chalice.package.create_app_packager for the cloudformation format, except that the
    deployment-package step writes no zip (it would pip-download Lambda wheels).
    """
    import botocore.session
    from chalice.awsclient import TypedAWSClient
    from chalice.config import Config
    from chalice.constants import DEFAULT_APIGATEWAY_STAGE_NAME, DEFAULT_ENDPOINT_TYPE
    from chalice.deploy import models
    from chalice.deploy.appgraph import ApplicationGraphBuilder, DependencyBuilder
    from chalice.deploy.deployer import (
        BaseDeployStep,
        BuildStage,
        InjectDefaults,
        LambdaEventSourcePolicyInjector,
        PolicyGenerator,
        SwaggerBuilder,
        WebsocketPolicyInjector,
    )
    from chalice.deploy.swagger import CFNSwaggerGenerator
    from chalice.package import PackageOptions, ResourceBuilder, SAMTemplateGenerator
    from chalice.policy import AppPolicyGenerator
    from chalice.utils import OSUtils

    from app import app

    class NoZip(BaseDeployStep):  # type: ignore[misc]
        def handle_deploymentpackage(self, config: Config, resource: models.DeploymentPackage) -> None:
            resource.filename = "./deployment.zip"

    osutils = OSUtils()
    config = Config(
        chalice_stage=stage,
        # Passing the app object (not Chalice's loader) keeps the stage's environment variables
        # out of this process's os.environ.
        user_provided_params={"chalice_app": app, "project_dir": str(ROOT)},
        config_from_disk=config_from_disk,
        default_params={"project_dir": str(ROOT), "api_gateway_stage": DEFAULT_APIGATEWAY_STAGE_NAME,
                        "api_gateway_endpoint_type": DEFAULT_ENDPOINT_TYPE, "autogen_policy": True},
    )
    build_stage = BuildStage(steps=[
        InjectDefaults(), NoZip(), PolicyGenerator(policy_gen=AppPolicyGenerator(osutils=osutils), osutils=osutils),
        SwaggerBuilder(swagger_generator=CFNSwaggerGenerator()), LambdaEventSourcePolicyInjector(),
        WebsocketPolicyInjector(),
    ])
    resources = ResourceBuilder(ApplicationGraphBuilder(), DependencyBuilder(), build_stage).construct_resources(
        config, stage)
    options = PackageOptions(TypedAWSClient(session=botocore.session.get_session()))
    template: dict[str, Any] = SAMTemplateGenerator(config, options).generate(resources)
    return template


def build_package(stage: str) -> Package:
    """Both templates of a stage, as make deploy builds them."""
    from scripts.deploy import functions, infra, project

    found = functions.discover()
    infra_template = infra.build_template(stage, found)
    config = project.chalice_config(stage_settings(stage), found, stack_outputs(stage, found), "BPUBLICKEY")
    return Package(infra=infra_template, sam=chalice_sam_template(stage, config), config=config)


@pytest.fixture(scope="module")
def packages() -> dict[str, Package]:
    """The templates of each deployed stage."""
    return {stage: build_package(stage) for stage in DEPLOYED_STAGES}


@pytest.fixture(scope="module")
def merged(packages: dict[str, Package]) -> dict[str, Any]:
    """The dev stage's infrastructure template (the stages differ only in names)."""
    return packages["dev"].infra


# --- helpers -----------------------------------------------------------------------------------------


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """The template's resources of one CloudFormation type, by name."""
    return {name: r for name, r in template["Resources"].items() if r.get("Type") == kind}


def as_list(value: Any) -> list[Any]:
    """IAM allows a single value where a list is meant; read both as a list."""
    return value if isinstance(value, list) else [value]


def iam_statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (resource name, statement) granted by a role, inline policy or managed policy."""
    for name, resource in template["Resources"].items():
        kind, props = resource.get("Type"), resource.get("Properties", {})
        documents = []
        if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(props["PolicyDocument"])
        elif kind == "AWS::IAM::Role":
            documents.extend(p["PolicyDocument"] for p in props.get("Policies", []))
        for document in documents:
            for statement in as_list(document["Statement"]):
                yield name, statement


def referenced_tables(resource: Any) -> set[str]:
    """The table resources a policy Resource value points at (GetAtt or ${Table.Arn} in a Sub)."""
    text = json.dumps(resource)
    return {table for table in TABLES
            if f'"{table}", "Arn"' in text or f'"{table}", "StreamArn"' in text or f"${{{table}.Arn}}" in text}


def substitute(value: Any, stage: str) -> str:
    """Resolve a ``Fn::Sub`` whose only variable is the Stage parameter."""
    assert isinstance(value, dict) and set(value) == {"Fn::Sub"}, value
    return str(value["Fn::Sub"]).replace("${Stage}", stage)


def key_schema(elements: list[dict[str, str]]) -> dict[str, str]:
    """A key schema as {attribute: HASH|RANGE}, so element order does not matter."""
    return {e["AttributeName"]: e["KeyType"] for e in elements}


def model_description(model: Any) -> dict[str, Any]:
    """What a PynamoDB model says its table looks like, in CloudFormation's terms."""
    schema = model._get_schema()
    ttl = model._ttl_attribute()
    return {
        "AttributeDefinitions": {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]},
        "KeySchema": key_schema(schema["key_schema"]),
        "GlobalSecondaryIndexes": {
            i["index_name"]: (key_schema(i["key_schema"]), i["projection"]["ProjectionType"])
            for i in schema["global_secondary_indexes"]
        },
        "LocalSecondaryIndexes": {i["index_name"] for i in schema["local_secondary_indexes"]},
        "TTL": ttl.attr_name if ttl else None,
        "Stream": getattr(model.Meta, "stream_view_type", None),
        "BillingMode": getattr(model.Meta, "billing_mode", None),
    }


def template_description(table: dict[str, Any]) -> dict[str, Any]:
    """What a template's table resource declares, in the same shape as ``model_description``."""
    props = table["Properties"]
    ttl = props.get("TimeToLiveSpecification")
    return {
        "AttributeDefinitions": {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]},
        "KeySchema": key_schema(props["KeySchema"]),
        "GlobalSecondaryIndexes": {
            i["IndexName"]: (key_schema(i["KeySchema"]), i["Projection"]["ProjectionType"])
            for i in props.get("GlobalSecondaryIndexes", [])
        },
        "LocalSecondaryIndexes": {i["IndexName"] for i in props.get("LocalSecondaryIndexes", [])},
        "TTL": ttl["AttributeName"] if ttl and ttl.get("Enabled") else None,
        "Stream": props.get("StreamSpecification", {}).get("StreamViewType"),
        "BillingMode": props.get("BillingMode"),
    }


# --- the template is valid ------------------------------------------------------------------------


def lint(template: dict[str, Any]) -> list[str]:
    from cfnlint.api import lint as cfn_lint
    from cfnlint.config import ManualArgs

    matches = cfn_lint(json.dumps(template), config=ManualArgs(regions=["eu-west-2"]))
    return [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches
            if m.rule.id.startswith("E")]


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_infrastructure_template_passes_cfn_lint(packages: dict[str, Package], stage: str) -> None:
    assert lint(packages[stage].infra) == []


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_chalice_package_of_the_generated_config_passes_cfn_lint(packages: dict[str, Package], stage: str) -> None:
    assert lint(packages[stage].sam) == []


# --- the tables match the PynamoDB models -----------------------------------------------------------


@pytest.mark.parametrize("resource, model_name", sorted(TABLES.items()))
def test_table_matches_its_pynamodb_model(merged: dict[str, Any], resource: str, model_name: str) -> None:
    from chalicelib.models import base

    model = getattr(base, model_name)
    assert template_description(merged["Resources"][resource]) == model_description(model)


def test_every_table_model_has_a_table_in_the_template(merged: dict[str, Any]) -> None:
    from chalicelib.models.base import all_models

    assert sorted(m.__name__ for m in all_models()) == sorted(TABLES.values())
    assert set(resources_of_type(merged, "AWS::DynamoDB::Table")) == set(TABLES)


def test_main_table_stream_carries_new_images(merged: dict[str, Any]) -> None:
    assert merged["Resources"]["MainTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}


@pytest.mark.parametrize("resource", sorted(TABLES))
def test_tables_are_recoverable_and_retained(merged: dict[str, Any], resource: str) -> None:
    table = merged["Resources"][resource]
    props = table["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert props["DeletionProtectionEnabled"] is True
    assert "SSESpecification" in props


@pytest.mark.parametrize("bucket", ["ExportBucket", "DeployStateBucket"])
def test_buckets_are_encrypted_private_versioned_retained_and_tls_only(merged: dict[str, Any], bucket: str) -> None:
    resource = merged["Resources"][bucket]
    props = resource["Properties"]
    assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert props["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                       "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    kms, default = props["BucketEncryption"]["Fn::If"][1:]
    assert kms["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert default["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (policy,) = [r for r in resources_of_type(merged, "AWS::S3::BucketPolicy").values()
                 if r["Properties"]["Bucket"] == {"Ref": bucket}]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# --- the generated Chalice config -------------------------------------------------------------------


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_the_generated_environment_passes_the_apps_deployed_settings_checks(packages: dict[str, Package],
                                                                          stage: str) -> None:
    from chalicelib.settings import load_settings

    environment = packages[stage].config["stages"][stage]["environment_variables"]
    settings = load_settings(environment)
    assert settings.deployed and settings.stage == stage
    assert (settings.main_table, settings.audit_table) == (f"teamline-{stage}-main", f"teamline-{stage}-audit")
    assert environment["TEAMLINE_EXPORT_BUCKET"] == f"teamline-{stage}-exports-{ACCOUNT}-eu-west-2"


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_every_function_uses_its_own_role_from_the_stack_and_chalice_makes_no_iam(packages: dict[str, Package],
                                                                                 stage: str) -> None:
    package = packages[stage]
    assert resources_of_type(package.sam, "AWS::IAM::Role") == {}
    functions = resources_of_type(package.sam, "AWS::Serverless::Function")
    assert functions
    roles = {f["Properties"]["Role"] for f in functions.values()}
    assert len(roles) == len(functions) and all(r.startswith(f"arn:aws:iam::{ACCOUNT}:role/") for r in roles)


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_the_api_is_regional_and_the_stream_handler_outlasts_it(packages: dict[str, Package], stage: str) -> None:
    config = packages[stage].config["stages"][stage]
    assert config["api_gateway_endpoint_type"] == "REGIONAL"
    functions = config["lambda_functions"]
    assert 60 <= functions["deliver_push"]["lambda_timeout"] <= 120
    assert functions["deliver_push"]["lambda_timeout"] > functions["api_handler"]["lambda_timeout"]
    assert config["api_gateway_custom_domain"]["url_prefix"] == "/"


# --- IAM: least privilege ------------------------------------------------------------------------------


def function_roles(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return resources_of_type(template, "AWS::IAM::Role")


def test_every_function_has_a_role_with_only_its_own_managed_policy(merged: dict[str, Any]) -> None:
    from scripts.deploy.functions import discover

    functions = discover()
    roles = function_roles(merged)
    assert set(roles) == {f"{f.logical_id}Role" for f in functions}
    for function in functions:
        role = roles[f"{function.logical_id}Role"]["Properties"]
        assert role["ManagedPolicyArns"] == [{"Ref": f"{function.logical_id}Policy"}]
        assert "Policies" not in role


def test_no_statement_grants_wildcard_actions_scans_or_partiql(merged: dict[str, Any]) -> None:
    for name, statement in iam_statements(merged):
        assert statement["Effect"] == "Allow", (name, statement)
        for action in as_list(statement["Action"]):
            assert "*" not in action and "?" not in action, (name, action)
            assert not re.match(r"dynamodb:(Scan|PartiQL)", action, re.IGNORECASE), (name, action)
        if any(a.startswith("dynamodb:") for a in as_list(statement["Action"])):
            # Only ARNs derived from the stack's own tables: no "*", no hand-written table names.
            assert all(referenced_tables(r) for r in as_list(statement["Resource"])), (name, statement)


def test_audit_table_is_append_only(merged: dict[str, Any]) -> None:
    granted = set()
    for name, statement in iam_statements(merged):
        tables = set().union(*(referenced_tables(r) for r in as_list(statement.get("Resource", []))))
        if "AuditTable" in tables:
            assert tables == {"AuditTable"}, f"{name}: keep audit and main table grants in separate statements"
            assert not AUDIT_FORBIDDEN & set(as_list(statement["Action"])), (name, statement)
            granted |= set(as_list(statement["Action"]))
    assert "dynamodb:PutItem" in granted


def test_every_function_in_the_app_has_permissions_and_entry_points_that_exist() -> None:
    """The recorder attributes calls by entry point; a renamed handler would silently record nothing."""
    import importlib

    from scripts.deploy.functions import discover
    from scripts.deploy.infra import load_permissions

    permissions = load_permissions()
    assert {f.name for f in discover()} == set(permissions)
    for name, spec in permissions.items():
        for entry in spec["entry_points"]:
            module_name, _, qualname = entry.rpartition(".")
            if module_name.endswith("RestAPIEventHandler"):
                module_name, _, cls = module_name.rpartition(".")
                qualname = f"{cls}.{qualname}"
            target: Any = importlib.import_module(module_name)
            for part in qualname.split("."):
                target = getattr(target, part)
            assert callable(target), (name, entry)


def test_ssm_and_kms_access_is_limited_to_the_vapid_key(merged: dict[str, Any]) -> None:
    for name, statement in iam_statements(merged):
        for action in as_list(statement["Action"]):
            if action.startswith("ssm:"):
                assert action == "ssm:GetParameter"
                assert statement["Resource"]["Fn::Sub"].endswith(":parameter/teamline/${Stage}/vapid-private-key")
            if action.startswith("kms:"):
                assert action == "kms:Decrypt"
                assert statement["Condition"]["StringEquals"]["kms:ViaService"] == {
                    "Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"}


def test_only_stream_consumers_read_the_main_table_stream(merged: dict[str, Any]) -> None:
    from scripts.deploy.functions import discover

    consumers = {f"{f.logical_id}Policy" for f in discover() if f.kind == "dynamodb"}
    readers = {name for name, statement in iam_statements(merged) if "dynamodb:GetRecords" in as_list(statement["Action"])}
    assert readers == consumers


def test_gateway_errors_are_json_with_the_security_headers() -> None:
    """Unknown paths and gateway failures never reach the app, so API Gateway must answer them safely itself."""
    responses = json.loads((ROOT / "infra" / "gateway-responses.json").read_text())["responses"]
    by_type = {r["ResponseType"]: r for r in responses}
    assert set(by_type) == {"MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"}
    assert by_type["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    for props in by_type.values():
        headers = props["ResponseParameters"]
        for name in ("Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options",
                     "Referrer-Policy"):
            assert headers[f"gatewayresponse.header.{name}"].startswith("'")
        body = json.loads(props["ResponseTemplates"]["application/json"])
        assert set(body["error"]) == {"code", "message"}


def test_a_change_set_that_replaces_or_removes_data_is_refused() -> None:
    from scripts.deploy.infra import dangerous_changes

    changes = [{"ResourceChange": {"LogicalResourceId": "MainTable", "Action": "Modify", "Replacement": "True"}},
               {"ResourceChange": {"LogicalResourceId": "ExportBucket", "Action": "Remove"}},
               {"ResourceChange": {"LogicalResourceId": "ApiHandlerRole", "Action": "Modify", "Replacement": "True"}},
               {"ResourceChange": {"LogicalResourceId": "AuditTable", "Action": "Modify", "Replacement": "False"}}]
    assert dangerous_changes(changes) == ["MainTable would be replaced (Replacement: True)",
                                          "ExportBucket would be removed"]
