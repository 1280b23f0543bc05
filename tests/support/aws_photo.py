"""A photograph of what a Teamline stage has in AWS, read back through the AWS APIs (the rehearsal's evidence).

Plain data only (no boto3 objects), so tests can compare the photograph taken after the first deploy
with the one taken after the upgrade.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote


def _or_none(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except Exception:  # a resource that is not there (yet, or any more) is part of the picture
        return None


def tables(session: Any, outputs: dict[str, str]) -> dict[str, Any]:
    dynamodb = session.client("dynamodb")
    found = {}
    for logical in ("MainTable", "AuditTable"):
        name = outputs.get(f"{logical.removesuffix('Table')}TableName")
        described = _or_none(dynamodb.describe_table, TableName=name) if name else None
        if not described:
            continue
        table = described["Table"]
        found[logical] = {
            "name": name, "arn": table["TableArn"], "created": str(table["CreationDateTime"]),
            "indexes": sorted(i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])),
            "stream": table.get("StreamSpecification", {}), "stream_arn": table.get("LatestStreamArn"),
            "deletion_protection": table.get("DeletionProtectionEnabled"),
            "ttl": dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
            "pitr": dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"][
                "PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"],
            "items": dynamodb.scan(TableName=name, Select="COUNT")["Count"],
        }
    return found


def functions(session: Any, stage: str) -> dict[str, Any]:
    client = session.client("lambda")
    found = {}
    for page in client.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            name = function["FunctionName"]
            if name == f"teamline-{stage}" or name.startswith(f"teamline-{stage}-"):
                found[name] = {"arn": function["FunctionArn"], "timeout": function["Timeout"],
                               "memory": function["MemorySize"], "role": function["Role"],
                               "environment": function.get("Environment", {}).get("Variables", {})}
    return found


def roles(session: Any, role_arns: list[str]) -> dict[str, Any]:
    iam = session.client("iam")
    found = {}
    for arn in role_arns:
        name = arn.rsplit("/", 1)[-1]
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        documents = []
        for policy in attached:
            version = iam.get_policy(PolicyArn=policy["PolicyArn"])["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=policy["PolicyArn"], VersionId=version)["PolicyVersion"][
                "Document"]
            documents.append(json.loads(unquote(document)) if isinstance(document, str) else document)
        found[arn] = {"attached": [p["PolicyArn"] for p in attached],
                      "inline": iam.list_role_policies(RoleName=name)["PolicyNames"], "documents": documents}
    return found


def api(session: Any) -> dict[str, Any]:
    client = session.client("apigateway")
    apis = client.get_rest_apis()["items"]
    found: dict[str, Any] = {"apis": {}, "domains": {}}
    for rest_api in apis:
        resources = client.get_resources(restApiId=rest_api["id"], embed=["methods"], limit=500)["items"]
        routes = sorted({f"{method} {r['path']}" for r in resources for method in r.get("resourceMethods", {})})
        responses = client.get_gateway_responses(restApiId=rest_api["id"]).get("items", [])
        found["apis"][rest_api["id"]] = {
            "name": rest_api["name"], "routes": routes,
            "endpoint": rest_api.get("endpointConfiguration", {}).get("types", []),
            "gateway_responses": {r["responseType"]: r.get("statusCode") for r in responses
                                  if r.get("responseTemplates")}}
    for domain in client.get_domain_names().get("items", []):
        mappings = client.get_base_path_mappings(domainName=domain["domainName"]).get("items", [])
        found["domains"][domain["domainName"]] = {
            "certificate": domain.get("regionalCertificateArn"),
            "mappings": [(m.get("basePath"), m.get("restApiId"), m.get("stage")) for m in mappings]}
    return found


def photograph(session: Any, stage: str, outputs: dict[str, str]) -> dict[str, Any]:
    """Everything the rehearsal checks, for one stage."""
    lambda_client = session.client("lambda")
    deployed_functions = functions(session, stage)
    mappings = []
    by_arn = {f["arn"]: name for name, f in deployed_functions.items()}
    for mapping in lambda_client.list_event_source_mappings()["EventSourceMappings"]:
        name = by_arn.get(mapping["FunctionArn"])
        if name:
            mappings.append({"function": name, "source": mapping["EventSourceArn"], "uuid": mapping["UUID"],
                             "batch_size": mapping.get("BatchSize"),
                             "retries": mapping.get("MaximumRetryAttempts"),
                             "bisect": mapping.get("BisectBatchOnFunctionError"),
                             "max_age": mapping.get("MaximumRecordAgeInSeconds"),
                             "on_failure": mapping.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")})
    # moto's ListEventSourceMappings ignores its FunctionName filter; filtered by ARN above.
    events = session.client("events")
    rules = {}
    for rule in events.list_rules(NamePrefix=f"teamline-{stage}")["Rules"]:
        targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        rules[rule["Name"]] = {"schedule": rule.get("ScheduleExpression"), "targets": [t["Arn"] for t in targets]}
    role_arns = sorted({v for k, v in outputs.items() if k.endswith("RoleArn")})
    logs = session.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/teamline-{stage}")["logGroups"]
    alarms = session.client("cloudwatch").describe_alarms(AlarmNamePrefix=f"teamline-{stage}-")["MetricAlarms"]
    s3 = session.client("s3")
    export_bucket = outputs.get("ExportBucketName", "")
    ssm = session.client("ssm")
    parameters = {p["Name"]: p["Type"] for p in
                  ssm.get_parameters_by_path(Path=f"/teamline/{stage}", Recursive=True)["Parameters"]}
    return {
        "tables": tables(session, outputs),
        "functions": deployed_functions,
        "mappings": mappings,
        "rules": rules,
        "roles": roles(session, role_arns),
        "api": api(session),
        "log_groups": {g["logGroupName"]: g.get("retentionInDays") for g in logs},
        "alarms": {a["AlarmName"]: {"metric": a["MetricName"], "actions": a.get("AlarmActions", [])} for a in alarms},
        "buckets": sorted(b["Name"] for b in s3.list_buckets()["Buckets"]),
        "export_bucket": {
            "encryption": _or_none(s3.get_bucket_encryption, Bucket=export_bucket),
            "public_access_block": (_or_none(s3.get_public_access_block, Bucket=export_bucket) or {}).get(
                "PublicAccessBlockConfiguration"),
        },
        "queue": (_or_none(session.client("sqs").get_queue_url, QueueName=f"teamline-{stage}-stream-failures")
                  or {}).get("QueueUrl"),
        "parameters": parameters,
    }
