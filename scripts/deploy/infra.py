"""The infrastructure stack: what Chalice cannot declare, built from ``infra/teamline.json`` plus one set of
resources per Lambda function, and deployed through a CloudFormation change set.

Per function it adds a log group (with the stage's retention, created before the function so Lambda
never creates one that keeps logs for ever), Errors and Throttles alarms (plus IteratorAge for stream
readers), and a role whose only permissions are one managed policy: writing its own logs, exactly
the DynamoDB actions ``infra/permissions.json`` lists for it, the stream and failure queue if it
reads the stream, and the VAPID key parameter if it sends pushes. Chalice is then told to use these
roles (``manage_iam_role: false``), so it never creates IAM itself.

Updates go through a change set that is described before it runs: if CloudFormation would replace
or remove a table, a bucket or the failure queue, the deploy stops and executes nothing.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

from scripts.deploy.functions import Function
from scripts.deploy.stage import StageSettings

ROOT = Path(__file__).resolve().parents[2]
BASE_TEMPLATE = ROOT / "infra" / "teamline.json"
PERMISSIONS = ROOT / "infra" / "permissions.json"
#: Resources that hold data or that running code depends on: never replaced or removed by a deploy.
PROTECTED = ("MainTable", "AuditTable", "ExportBucket", "DeployStateBucket", "StreamFailureQueue")
API_STAGE = "v1"
#: What each function does in the export bucket, and only under exports/ (chalicelib/models/export_files.py). The
#: DynamoDB grants come from infra/permissions.json, checked against what the tests saw; these three S3 calls live in
#: one module and are listed here by hand. A Trust's KMS key, if any, is usable through its key policy (docs/deploy.md).
EXPORT_BUCKET_ACTIONS = {"api_handler": ("s3:GetObject", "s3:PutObject"), "make_exports": ("s3:PutObject",),
                         "retention": ("s3:DeleteObject",)}
#: The function whose stream-record age is alarmed on, and a backlog that deserves a look (ms).
ITERATOR_AGE_ALARM_MS = 5 * 60 * 1000


class DeployError(Exception):
    """A deployment step failed; the message says what happened and what to do."""


def stack_name(stage: str) -> str:
    """The infrastructure stack of a stage."""
    return f"teamline-{stage}-infra"


def load_permissions(path: Path = PERMISSIONS) -> dict[str, Any]:
    """``infra/permissions.json``: per function, its entry points and DynamoDB actions by table/index."""
    return dict(json.loads(path.read_text(encoding="utf-8"))["functions"])


def dynamodb_resource(key: str) -> Any:
    """The policy Resource for a permissions key: ``MainTable`` or ``MainTable/index/gsi1``."""
    table, _, rest = key.partition("/")
    if table not in ("MainTable", "AuditTable"):
        raise DeployError(f"infra/permissions.json names an unknown table {table!r}")
    if not rest:
        return {"Fn::GetAtt": [table, "Arn"]}
    return {"Fn::Sub": f"${{{table}.Arn}}/{rest}"}


def function_policy(function: Function, spec: dict[str, Any]) -> dict[str, Any]:
    """The managed policy document of one function."""
    log_group = f"{function.logical_id}LogGroup"
    statements: list[dict[str, Any]] = [{
        "Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": {"Fn::GetAtt": [log_group, "Arn"]},
    }]
    for index, (key, actions) in enumerate(sorted(spec.get("dynamodb", {}).items())):
        statements.append({"Sid": f"DynamoDB{index}", "Effect": "Allow", "Action": sorted(actions),
                           "Resource": dynamodb_resource(key)})
    if function.name in EXPORT_BUCKET_ACTIONS:
        statements.append({"Sid": "ExportBucketObjects", "Effect": "Allow",
                           "Action": sorted(EXPORT_BUCKET_ACTIONS[function.name]),
                           "Resource": {"Fn::Sub": "${ExportBucket.Arn}/exports/*"}})
    if function.kind == "dynamodb":
        statements += [
            {"Sid": "ReadMainTableStream", "Effect": "Allow",
             "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
             "Resource": {"Fn::GetAtt": ["MainTable", "StreamArn"]}},
            {"Sid": "ListMainTableStreams", "Effect": "Allow", "Action": ["dynamodb:ListStreams"],
             "Resource": {"Fn::Sub": "${MainTable.Arn}/stream/*"}},
            {"Sid": "SendFailedBatchesToQueue", "Effect": "Allow", "Action": ["sqs:SendMessage"],
             "Resource": {"Fn::GetAtt": ["StreamFailureQueue", "Arn"]}},
        ]
    if spec.get("vapid_key"):
        statements += [
            {"Sid": "ReadVapidKey", "Effect": "Allow", "Action": ["ssm:GetParameter"],
             "Resource": {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
                                     "/teamline/${Stage}/vapid-private-key"}},
            {"Sid": "DecryptVapidKeyThroughSsm", "Effect": "Allow", "Action": ["kms:Decrypt"],
             "Resource": {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"},
             "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": "ssm.${AWS::Region}.amazonaws.com"}},
                           "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/aws/ssm"}}},
        ]
    return {"Version": "2012-10-17", "Statement": statements}


def _alarm(name: str, description: str, namespace: str, metric: str, dimensions: list[dict[str, Any]], *,
           statistic: str = "Sum", threshold: float = 1, periods: int = 1) -> dict[str, Any]:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": {"Fn::Sub": f"teamline-${{Stage}}-{name}"}, "AlarmDescription": description,
        "Namespace": namespace, "MetricName": metric, "Dimensions": dimensions, "Statistic": statistic,
        "Period": 300, "EvaluationPeriods": periods, "Threshold": threshold,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": "AlarmTopic"}], "OKActions": [{"Ref": "AlarmTopic"}]}}


def function_resources(function: Function, stage: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Log group, role, managed policy and alarms of one function."""
    lid = function.logical_id
    name = function.function_name(stage)
    dimension = [{"Name": "FunctionName", "Value": name}]
    resources: dict[str, Any] = {
        f"{lid}LogGroup": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
                           "Properties": {"LogGroupName": f"/aws/lambda/{name}",
                                          "RetentionInDays": {"Ref": "LogRetentionDays"}}},
        f"{lid}Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Description": f"Teamline {stage}: what the {function.name} function may do, and nothing else.",
            "PolicyDocument": function_policy(function, spec)}},
        f"{lid}Role": {"Type": "AWS::IAM::Role", "Properties": {
            "Description": f"Teamline {stage}: the {function.name} Lambda function.",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "ManagedPolicyArns": [{"Ref": f"{lid}Policy"}],
            "Tags": [{"Key": "application", "Value": "teamline"}, {"Key": "stage", "Value": {"Ref": "Stage"}}]}},
        f"{lid}ErrorsAlarm": _alarm(
            f"{function.name}-errors",
            f"The {function.name} function failed (an unhandled error or a timeout). See docs/deploy.md, Monitoring.",
            "AWS/Lambda", "Errors", dimension),
        f"{lid}ThrottlesAlarm": _alarm(
            f"{function.name}-throttles",
            f"Lambda refused to run {function.name}: the account's concurrency is used up. See docs/deploy.md.",
            "AWS/Lambda", "Throttles", dimension),
    }
    if function.kind == "dynamodb":
        resources[f"{lid}IteratorAgeAlarm"] = _alarm(
            f"{function.name}-falling-behind",
            f"{function.name} is more than 5 minutes behind the main table's stream: pushes are late. "
            "See docs/deploy.md, Monitoring.",
            "AWS/Lambda", "IteratorAge", dimension, statistic="Maximum", threshold=ITERATOR_AGE_ALARM_MS, periods=3)
    if function.kind == "api":
        resources["Api5xxAlarm"] = _alarm(
            "api-5xx",
            "Teamline's API answered with server errors (5xx) at least 5 times in 5 minutes. See docs/deploy.md.",
            "AWS/ApiGateway", "5XXError", [{"Name": "ApiName", "Value": "teamline"},
                                           {"Name": "Stage", "Value": API_STAGE}], threshold=5)
    return resources


def build_template(stage: str, functions: list[Function], permissions: dict[str, Any] | None = None,
                   base: Path = BASE_TEMPLATE) -> dict[str, Any]:
    """The stage's whole infrastructure template."""
    permissions = load_permissions() if permissions is None else permissions
    missing = [f.name for f in functions if f.name not in permissions]
    if missing:
        raise DeployError(f"infra/permissions.json has no entry for the function(s) {', '.join(missing)}: add one "
                          "(entry points and the DynamoDB actions it performs; `make test` then checks them)")
    template = copy.deepcopy(json.loads(base.read_text(encoding="utf-8")))
    for function in functions:
        for logical_id, resource in function_resources(function, stage, permissions[function.name]).items():
            if logical_id in template["Resources"]:
                raise DeployError(f"{logical_id} is defined twice in the infrastructure template")
            template["Resources"][logical_id] = resource
        template["Outputs"][f"{function.logical_id}RoleArn"] = {
            "Value": {"Fn::GetAtt": [f"{function.logical_id}Role", "Arn"]}}
        template["Outputs"][f"{function.logical_id}PolicyArn"] = {"Value": {"Ref": f"{function.logical_id}Policy"}}
    return template


def stack_parameters(settings: StageSettings) -> list[dict[str, str]]:
    """The stack's parameters for a stage."""
    values = {"Stage": settings.stage, "KmsKeyArn": settings.kms_key_arn, "AlarmEmail": settings.alarm_email,
              "LogRetentionDays": str(settings.log_retention_days)}
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()]


# --- deploying the stack ------------------------------------------------------------------------------------


def describe_stack(cloudformation: Any, name: str) -> dict[str, Any] | None:
    """The stack, or None if it does not exist (or was deleted)."""
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except cloudformation.exceptions.ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    if not stacks or stacks[0]["StackStatus"] == "DELETE_COMPLETE":
        return None
    return dict(stacks[0])


def outputs_of(stack: dict[str, Any]) -> dict[str, str]:
    """A stack's outputs as a dict."""
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _wait(cloudformation: Any, waiter: str, name: str, **extra: Any) -> None:
    cloudformation.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": 5, "MaxAttempts": 360}, **extra)


def dangerous_changes(changes: list[dict[str, Any]]) -> list[str]:
    """The changes in a change set that would replace or remove something that holds data."""
    found = []
    for change in changes:
        detail = change.get("ResourceChange", {})
        logical_id = detail.get("LogicalResourceId", "")
        if logical_id not in PROTECTED:
            continue
        if detail.get("Action") == "Remove":
            found.append(f"{logical_id} would be removed")
        elif detail.get("Replacement") in ("True", "Conditional"):
            found.append(f"{logical_id} would be replaced (Replacement: {detail.get('Replacement')})")
    return found


def deploy_stack(cloudformation: Any, settings: StageSettings, template: dict[str, Any],
                 say: Any = print) -> dict[str, str]:
    """Create or update the stage's infrastructure stack through a change set; return its outputs."""
    name = stack_name(settings.stage)
    existing = describe_stack(cloudformation, name)
    if existing and existing["StackStatus"] == "ROLLBACK_COMPLETE":
        raise DeployError(f"The stack {name} failed to create and was rolled back. Delete it (aws cloudformation "
                          f"delete-stack --stack-name {name}) and deploy again; its events say what failed.")
    change_type = "UPDATE" if existing else "CREATE"
    change_set = f"teamline-{int(time.time())}"
    say(f"{'Updating' if existing else 'Creating'} the infrastructure stack {name}")
    cloudformation.create_change_set(
        StackName=name, ChangeSetName=change_set, ChangeSetType=change_type, TemplateBody=json.dumps(template),
        Parameters=stack_parameters(settings), Capabilities=["CAPABILITY_IAM"],
        Tags=[{"Key": "application", "Value": "teamline"}, {"Key": "stage", "Value": settings.stage}],
        Description="make deploy")
    try:
        cloudformation.get_waiter("change_set_create_complete").wait(
            StackName=name, ChangeSetName=change_set, WaiterConfig={"Delay": 3, "MaxAttempts": 200})
    except Exception:  # the waiter fails on FAILED, which is also how "no changes" is reported
        described = cloudformation.describe_change_set(StackName=name, ChangeSetName=change_set)
        reason = described.get("StatusReason", "")
        if "didn't contain changes" in reason or "No updates" in reason:
            cloudformation.delete_change_set(StackName=name, ChangeSetName=change_set)
            say("  no infrastructure changes")
            return outputs_of(describe_stack(cloudformation, name) or {})
        raise DeployError(f"CloudFormation could not plan the change to {name}: {reason}") from None
    described = cloudformation.describe_change_set(StackName=name, ChangeSetName=change_set)
    changes = described.get("Changes", [])
    danger = dangerous_changes(changes)
    if danger:
        cloudformation.delete_change_set(StackName=name, ChangeSetName=change_set)
        raise DeployError("Refusing to deploy: " + "; ".join(danger) + ". Nothing was changed. A table, bucket or "
                          "queue is never replaced by `make deploy`: see docs/deploy.md, 'Changing the tables'.")
    for change in changes:
        detail = change.get("ResourceChange", {})
        say(f"  {detail.get('Action', '?'):6} {detail.get('LogicalResourceId')} ({detail.get('ResourceType')})")
    cloudformation.execute_change_set(StackName=name, ChangeSetName=change_set)
    try:
        _wait(cloudformation, "stack_update_complete" if existing else "stack_create_complete", name)
    except Exception as exc:
        raise DeployError(f"The stack {name} did not finish: {exc}. Its events in the CloudFormation console say "
                          "which resource failed; CloudFormation rolls the stack back by itself.") from None
    stack = describe_stack(cloudformation, name)
    assert stack is not None
    return outputs_of(stack)


# --- adding secondary indexes to tables that hold data ---------------------------------------------------------


def _indexes(template: dict[str, Any]) -> dict[str, list[str]]:
    """Each DynamoDB table of a template (logical id) with its GSI names, in the template's order."""
    return {logical_id: [g["IndexName"] for g in resource["Properties"].get("GlobalSecondaryIndexes", [])]
            for logical_id, resource in template.get("Resources", {}).items()
            if resource.get("Type") == "AWS::DynamoDB::Table"}


def _with_indexes(template: dict[str, Any], logical_id: str, keep: set[str]) -> dict[str, Any]:
    """A copy of ``template`` whose table ``logical_id`` has only the GSIs in ``keep`` (and only the attribute
    definitions their keys and the table's own keys use, as DynamoDB requires)."""
    staged = json.loads(json.dumps(template))
    props = staged["Resources"][logical_id]["Properties"]
    props["GlobalSecondaryIndexes"] = [g for g in props.get("GlobalSecondaryIndexes", []) if g["IndexName"] in keep]
    if not props["GlobalSecondaryIndexes"]:
        del props["GlobalSecondaryIndexes"]
    used = {k["AttributeName"] for k in props["KeySchema"]}
    used |= {k["AttributeName"] for g in props.get("GlobalSecondaryIndexes", []) for k in g["KeySchema"]}
    props["AttributeDefinitions"] = [a for a in props["AttributeDefinitions"] if a["AttributeName"] in used]
    return staged


def staged_templates(current: dict[str, Any] | None, target: dict[str, Any]) -> list[dict[str, Any]]:
    """The templates to deploy in turn so that no update adds more than one GSI to a table.

    DynamoDB creates one global secondary index per table update, so CloudFormation refuses an update that
    adds two; a stage deployed by an older release (fewer indexes) reaches ``target`` one index at a time.
    The last template is always ``target`` itself. A new stack (``current`` None) or a new table is created
    with all its indexes at once, which DynamoDB allows.
    """
    if current is None:
        return [target]
    have, wanted = _indexes(current), _indexes(target)
    grown = {table: set(names) & set(wanted[table]) for table, names in have.items() if table in wanted}

    def stage() -> dict[str, Any]:
        step = target
        for table, keep in grown.items():
            step = _with_indexes(step, table, keep)
        return step

    steps: list[dict[str, Any]] = []
    for table in grown:
        for name in [n for n in wanted[table] if n not in have[table]][:-1]:
            grown[table].add(name)
            steps.append(stage())
        grown[table] = set(wanted[table])  # the next step (or the target itself) adds the table's last one
    return [*steps, target]


def current_template(cloudformation: Any, name: str) -> dict[str, Any] | None:
    """The template the stage's stack was last deployed with, or None when there is no stack yet."""
    if describe_stack(cloudformation, name) is None:
        return None
    body = cloudformation.get_template(StackName=name, TemplateStage="Original")["TemplateBody"]
    return body if isinstance(body, dict) else json.loads(body)

