"""The deployment template against the code it deploys.

``infra/dynamodb.json`` is merged into the SAM template Chalice generates. These tests build that
merged template in-process with Chalice's own generator and merger (no zip, no pip, no network), so
they see the same resource names ``chalice package`` would: a new Lambda function, role, GSI or
stage setting that the template does not cover fails here, not at deploy time in a Trust's account.

Chalice and the app are imported inside fixtures, not at module level: PynamoDB reads settings at
import, and the functional tier sets its environment in its conftest, which may load after this module.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
MERGE_TEMPLATE = ROOT / "infra" / "dynamodb.json"
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"
POLICY_FILE = ROOT / ".chalice" / "policy.json"
DEPLOYED_STAGES = ("dev", "prod")
TABLES = {"MainTable": "MainItem", "AuditTable": "AuditItem"}
#: Environment every function must take from the stack rather than from .chalice/config.json.
STACK_ENVIRONMENT = {
    "TEAMLINE_STAGE": {"Ref": "Stage"},
    "TEAMLINE_MAIN_TABLE": {"Ref": "MainTable"},
    "TEAMLINE_AUDIT_TABLE": {"Ref": "AuditTable"},
    "TEAMLINE_VAPID_PRIVATE_KEY_PARAMETER": {"Fn::Sub": "/teamline/${Stage}/vapid-private-key"},
}
#: Audit rows are append-only: nothing that can change or remove a row may touch the audit table.
AUDIT_FORBIDDEN = {
    "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete", "dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:RestoreTableToPointInTime",
}


# --- building the merged template the way `chalice package --merge-template` does ----------------


class Package(NamedTuple):
    generated: dict[str, Any]  # what Chalice generates on its own
    merged: dict[str, Any]  # ... with infra/dynamodb.json merged in: what gets deployed


def chalice_sam_template(stage: str) -> Package:
    """Build Chalice's SAM template for ``stage``, before and after merging infra/dynamodb.json.

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
    from chalice.package import (
        JSONTemplateSerializer,
        PackageOptions,
        ResourceBuilder,
        SAMTemplateGenerator,
        TemplateDeepMerger,
        TemplateMergePostProcessor,
    )
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
        config_from_disk=json.loads(CHALICE_CONFIG.read_text()),
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
    merger = TemplateMergePostProcessor(osutils=osutils, merger=TemplateDeepMerger(),
                                        template_serializer=JSONTemplateSerializer(),
                                        merge_template=str(MERGE_TEMPLATE))
    generated = copy.deepcopy(template)
    merger.process(template, config, outdir="unused", chalice_stage_name=stage)
    return Package(generated=generated, merged=template)


@pytest.fixture(scope="module")
def packages() -> dict[str, Package]:
    """The templates of each deployed stage."""
    return {stage: chalice_sam_template(stage) for stage in DEPLOYED_STAGES}


@pytest.fixture(scope="module")
def merged(packages: dict[str, Package]) -> dict[str, Any]:
    """The dev stage's merged template (the stages differ only in environment variables)."""
    return packages["dev"].merged


@pytest.fixture(scope="module")
def merge_template() -> dict[str, Any]:
    """infra/dynamodb.json as written."""
    return json.loads(MERGE_TEMPLATE.read_text())


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
    return {table for table in TABLES if f'"{table}", "Arn"' in text or f"${{{table}.Arn}}" in text}


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


def test_merged_template_passes_cfn_lint(merged: dict[str, Any]) -> None:
    from cfnlint.api import lint
    from cfnlint.config import ManualArgs

    matches = lint(json.dumps(merged), config=ManualArgs(regions=["eu-west-2"]))
    assert [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches] == []


def test_merge_template_only_extends_resources_chalice_generates(
    merge_template: dict[str, Any], packages: dict[str, Package]
) -> None:
    generated = packages["dev"].generated["Resources"]
    partial = {name for name, resource in merge_template["Resources"].items() if "Type" not in resource}
    assert partial, "the merge template should override the functions' environment"
    assert partial <= set(generated), f"Chalice no longer generates {sorted(partial - set(generated))}"
    assert not set(generated) & {n for n, r in merge_template["Resources"].items() if "Type" in r}


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


# --- stage names agree everywhere -------------------------------------------------------------------


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_config_and_settings_name_the_tables_the_template_creates(
    merge_template: dict[str, Any], stage: str
) -> None:
    from chalicelib.settings import load_settings

    env = json.loads(CHALICE_CONFIG.read_text())["stages"][stage]["environment_variables"]
    main = substitute(merge_template["Resources"]["MainTable"]["Properties"]["TableName"], stage)
    audit = substitute(merge_template["Resources"]["AuditTable"]["Properties"]["TableName"], stage)
    defaults = load_settings({"TEAMLINE_STAGE": stage})
    assert (env["TEAMLINE_MAIN_TABLE"], env["TEAMLINE_AUDIT_TABLE"]) == (main, audit)
    assert (defaults.main_table, defaults.audit_table) == (main, audit)
    assert env["TEAMLINE_STAGE"] == stage
    assert env["TEAMLINE_VAPID_PRIVATE_KEY_PARAMETER"] == substitute(
        STACK_ENVIRONMENT["TEAMLINE_VAPID_PRIVATE_KEY_PARAMETER"], stage)


@pytest.mark.parametrize("stage", DEPLOYED_STAGES)
def test_every_function_takes_table_names_from_the_stack(packages: dict[str, Package], stage: str) -> None:
    functions = resources_of_type(packages[stage].merged, "AWS::Serverless::Function")
    assert "APIHandler" in functions
    for name, function in functions.items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert {k: variables.get(k) for k in STACK_ENVIRONMENT} == STACK_ENVIRONMENT, (
            f"add {name} to infra/dynamodb.json with the same Environment override as APIHandler")


def test_package_script_pins_the_stage_parameter(merged: dict[str, Any]) -> None:
    from scripts.package import pin_stage

    pinned = pin_stage(copy.deepcopy(merged), "prod")
    assert pinned["Parameters"]["Stage"]["AllowedValues"] == ["prod"]
    assert pinned["Parameters"]["Stage"]["Default"] == "prod"
    with pytest.raises(ValueError):
        pin_stage(copy.deepcopy(merged), "local")


# --- IAM: least privilege ------------------------------------------------------------------------------


def attached_policies(role: dict[str, Any]) -> set[str]:
    """The managed policies (by logical name) attached to a role."""
    return {ref["Ref"] for ref in role["Properties"].get("ManagedPolicyArns", [])}


def test_every_function_role_gets_the_data_access_policy(merged: dict[str, Any]) -> None:
    roles = resources_of_type(merged, "AWS::IAM::Role")
    assert roles, "Chalice generated no function roles"
    # Attached through the role itself, so no function (or stream mapping) exists before its permissions.
    missing = sorted(name for name, role in roles.items() if "DataAccessPolicy" not in attached_policies(role))
    assert missing == [], f"add ManagedPolicyArns [DataAccessPolicy] to {missing} in infra/dynamodb.json"


def test_no_statement_grants_wildcards_scans_or_partiql_on_dynamodb(merged: dict[str, Any]) -> None:
    for name, statement in iam_statements(merged):
        assert statement["Effect"] == "Allow", (name, statement)
        actions = as_list(statement["Action"])
        assert "*" not in actions, (name, statement)
        dynamodb = [a for a in actions if a.lower().startswith("dynamodb:")]
        for action in dynamodb:
            assert "*" not in action and "?" not in action, (name, action)
            assert not re.match(r"dynamodb:(Scan|PartiQL)", action, re.IGNORECASE), (name, action)
        if dynamodb:
            resources = as_list(statement["Resource"])
            # Only ARNs derived from the stack's own tables: no "*", no hand-written table names.
            assert all(referenced_tables(r) for r in resources), (name, statement)


def test_audit_table_is_append_only(merged: dict[str, Any]) -> None:
    audit_statements = []
    for name, statement in iam_statements(merged):
        tables = set().union(*(referenced_tables(r) for r in as_list(statement.get("Resource", []))))
        if "AuditTable" in tables:
            assert tables == {"AuditTable"}, f"{name}: keep audit and main table grants in separate statements"
            audit_statements.append(statement)
            assert not AUDIT_FORBIDDEN & set(as_list(statement["Action"])), (name, statement)
    granted = set().union(*(set(as_list(s["Action"])) for s in audit_statements))
    # Services write audit rows with PutItem inside TransactWriteItems, and sign-out-everywhere
    # with a plain PutItem; PynamoDB describes the table on first use.
    assert {"dynamodb:PutItem", "dynamodb:DescribeTable"} <= granted


def test_main_table_grants_what_transactions_need(merged: dict[str, Any]) -> None:
    statements = [s for _, s in iam_statements(merged)
                  if referenced_tables(s.get("Resource", [])) == {"MainTable"} and "/index/" not in json.dumps(s)]
    granted = set().union(*(set(as_list(s["Action"])) for s in statements))
    # TransactWriteItems is authorised per item by these actions (it is not an IAM action itself).
    assert {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem",
            "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:DescribeTable"} <= granted


def test_ssm_and_kms_access_is_limited_to_the_stages_parameters(merged: dict[str, Any]) -> None:
    statements = {s["Sid"]: s for s in
                  merged["Resources"]["DataAccessPolicy"]["Properties"]["PolicyDocument"]["Statement"]}
    ssm = statements["StageParameters"]
    assert ssm["Action"] == ["ssm:GetParameter"]
    assert ssm["Resource"]["Fn::Sub"].endswith(":parameter/teamline/${Stage}/*")
    kms = statements["DecryptSecureStringsThroughSsm"]
    assert kms["Action"] == ["kms:Decrypt"]
    assert kms["Condition"]["StringEquals"]["kms:ViaService"] == {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"}
    for name, statement in iam_statements(merged):
        for action in as_list(statement["Action"]):
            if action.startswith(("ssm:", "kms:")):
                assert statement in (ssm, kms), (name, statement)


def test_only_stream_consumers_read_the_main_table_stream(merged: dict[str, Any]) -> None:
    (statement,) = merged["Resources"]["MainTableStreamReadPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Fn::Sub": "${MainTable.Arn}/stream/*"}
    assert set(statement["Action"]) == {"dynamodb:DescribeStream", "dynamodb:GetRecords",
                                        "dynamodb:GetShardIterator", "dynamodb:ListStreams"}
    roles = resources_of_type(merged, "AWS::IAM::Role")
    consumers = set()
    for name, function in resources_of_type(merged, "AWS::Serverless::Function").items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "DynamoDB":
                # @app.on_dynamodb_record needs a literal ARN; the merge replaces it with the stack's stream.
                assert event["Properties"]["Stream"] == {"Fn::GetAtt": ["MainTable", "StreamArn"]}, name
                consumers.add(function["Properties"]["Role"]["Fn::GetAtt"][0])
    readers = {name for name, role in roles.items() if "MainTableStreamReadPolicy" in attached_policies(role)}
    assert readers == consumers


def test_chalice_policy_file_only_lets_functions_write_logs(merged: dict[str, Any]) -> None:
    policy = json.loads(POLICY_FILE.read_text())
    actions = {a for s in policy["Statement"] for a in as_list(s["Action"])}
    assert actions == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
    for role in resources_of_type(merged, "AWS::IAM::Role").values():
        assert [p["PolicyDocument"] for p in role["Properties"]["Policies"]] == [policy]


def test_gateway_errors_are_json_with_the_security_headers(merged: dict[str, Any]) -> None:
    """Unknown paths and gateway failures never reach the app, so API Gateway must answer them safely itself."""
    responses = resources_of_type(merged, "AWS::ApiGateway::GatewayResponse")
    by_type = {r["Properties"]["ResponseType"]: r["Properties"] for r in responses.values()}
    assert {"MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(by_type)
    assert by_type["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"
    for props in by_type.values():
        assert props["RestApiId"] == {"Ref": "RestAPI"}
        headers = props["ResponseParameters"]
        for name in ("Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options",
                     "Referrer-Policy"):
            assert headers[f"gatewayresponse.header.{name}"].startswith("'")
        body = json.loads(props["ResponseTemplates"]["application/json"])
        assert set(body["error"]) == {"code", "message"}
