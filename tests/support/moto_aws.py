"""An embedded AWS for the deploy rehearsal: one moto server for every service, with moto's gaps patched here.

``make deploy`` is run against it as a child process with ``AWS_ENDPOINT_URL`` pointing at it (boto3's
and Chalice's clients all honour that setting), so the product's deploy code runs unchanged. The server
lives in the test process, which is where these patches apply.

moto 5.2.5 lacks a few pieces the deploy uses. Each is patched here, in the harness, never in product
code, and each patch only does what AWS documents the real service does:

* **API Gateway import.** ``ImportRestApi``/``PutRestApi`` read ``info.description`` (Chalice's Swagger
  document has none: ``KeyError``) and refuse any document with ``"swagger": "2.0"`` (moto only accepts
  OpenAPI 3; API Gateway accepts both). Chalice's document is passed on with an empty description and
  labelled OpenAPI 3 for moto's version check; moto's importer reads ``paths`` the same way for both.
* **API Gateway UpdateDomainName** is not implemented (HTTP 500), and Chalice calls it on every deploy after
  the first when a custom domain is set. The patch applies ``replace`` operations to the domain's
  fields (certificate, security policy) and returns the domain, as API Gateway does. Chalice then reads and
  updates the domain's tags through the API Gateway v2 tagging calls, which moto routes only for APIs
  and VPC links; the patch adds the route for a domain's ARN (moto's tagging service does the rest).
* **DynamoDB tables from CloudFormation.** moto creates the table but ignores
  ``TimeToLiveSpecification`` and ``PointInTimeRecoverySpecification``; the patch applies them through
  moto's own UpdateTimeToLive and UpdateContinuousBackups.
* **CloudFormation change sets.** Executing one applies its resources but leaves the stack's template,
  parameters and outputs as they were (for a new stack: no outputs at all); the patch refreshes them
  as moto's own UpdateStack does.
* **CloudFormation resource types moto does not know** (it logs a warning and skips them):
  ``AWS::CloudWatch::Alarm`` (created here through moto's PutMetricAlarm), ``AWS::SNS::Subscription``
  (through Subscribe) and ``AWS::S3::BucketPolicy`` (through PutBucketPolicy).
* **More of what CloudFormation and API Gateway do that moto skips:** roles created from a template
  get their ``ManagedPolicyArns`` attached (moto ignores the property); a log group's changed
  ``RetentionInDays`` is applied on update (moto cannot update log groups); ``ImportRestApi``'s
  ``endpointConfigurationTypes`` parameter is kept (moto makes every imported API EDGE); and the API
  Gateway v2 ``DeleteDomainName`` that ``chalice delete`` calls finds domains made through v1.
* **Bucket policy conditions.** moto evaluates a bucket policy's statements without their ``Condition``,
  so the buckets' "deny unless TLS" statement (``aws:SecureTransport`` false) denies everything. In AWS
  every client of the deploy speaks HTTPS and the statement never applies; the patch has moto treat the
  (plain HTTP, loopback) rehearsal requests as TLS and skip it. Other statements are evaluated as before.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

_patched = False
_lock = threading.Lock()
ACCOUNT = "123456789012"  # moto's default account
REGION = "eu-west-2"


def _openapi_for_moto(document: dict[str, Any]) -> dict[str, Any]:
    document = dict(document)
    document["info"] = {"description": "", **document.get("info", {})}
    if "swagger" in document:  # moto's check only; its importer reads paths/methods/integrations alike
        document.pop("swagger")
        document["openapi"] = "3.0.1"
    return document


def _patch_apigateway() -> None:
    from moto.apigateway.models import APIGatewayBackend

    original_import, original_put = APIGatewayBackend.import_rest_api, APIGatewayBackend.put_rest_api

    def import_rest_api(self: Any, api_doc: dict[str, Any], fail_on_warnings: bool) -> Any:
        return original_import(self, _openapi_for_moto(api_doc), fail_on_warnings)

    def put_rest_api(self: Any, function_id: str, api_doc: dict[str, Any], fail_on_warnings: bool,
                     mode: str = "merge") -> Any:
        return original_put(self, function_id, _openapi_for_moto(api_doc), fail_on_warnings, mode)

    APIGatewayBackend.import_rest_api = import_rest_api  # type: ignore[method-assign]
    APIGatewayBackend.put_rest_api = put_rest_api  # type: ignore[method-assign]

    from moto.apigateway.responses import APIGatewayResponse

    def update_domain_name(self: Any) -> str:
        domain = self.backend.get_domain_name(self.path.split("/")[2])
        for operation in self._get_param("patchOperations") or []:
            field = operation["path"].strip("/").split("/")[0]
            attribute = "".join("_" + c.lower() if c.isupper() else c for c in field)
            if operation["op"] == "replace" and hasattr(domain, attribute):
                setattr(domain, attribute, operation["value"])
        return json.dumps(domain.to_json())

    APIGatewayResponse.update_domain_name = update_domain_name  # type: ignore[attr-defined]

    from moto.apigateway import urls
    from moto.apigatewayv2 import urls as urls_v2
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    # moto's tagging service already keeps tags for any ARN; only the route for a domain's ARN is missing.
    domain_tags = "{0}/v2/tags/(?P<resource_arn_pt1>[^/]+)/domainnames/(?P<resource_arn_pt2>[^/]+)$"
    for paths in (urls.url_paths, urls_v2.url_paths):
        paths[domain_tags] = ApiGatewayV2Response.dispatch


def _patch_dynamodb_tables() -> None:
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import Table

    original = Table.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
               region_name: str, **kwargs: Any) -> Any:
        table = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        properties = cloudformation_json["Properties"]
        backend = dynamodb_backends[account_id][region_name]
        if "TimeToLiveSpecification" in properties:
            backend.update_time_to_live(table.name, properties["TimeToLiveSpecification"])
        if "PointInTimeRecoverySpecification" in properties:
            backend.update_continuous_backups(table.name, properties["PointInTimeRecoverySpecification"])
        return table

    Table.create_from_cloudformation_json = classmethod(create)  # type: ignore[method-assign,assignment]


def _patch_bucket_policy_conditions() -> None:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def applies_over_tls(statement: dict[str, Any]) -> bool:
        condition = statement.get("Condition") or {}
        return str(condition.get("Bool", {}).get("aws:SecureTransport", "")).lower() != "false"

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = json.loads(self.policy.decode())
        statements = policy["Statement"] if isinstance(policy["Statement"], list) else [policy["Statement"]]
        policy["Statement"] = [s for s in statements if applies_over_tls(s)]
        if not policy["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


def _patch_roles_log_groups_and_domains() -> None:
    from moto.apigateway.models import apigateway_backends
    from moto.apigateway.responses import APIGatewayResponse
    from moto.apigatewayv2.responses import ApiGatewayV2Response
    from moto.iam.models import Role, iam_backends
    from moto.logs.models import LogGroup, logs_backends

    original_role = Role.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_role(cls: Any, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                    region_name: str, **kwargs: Any) -> Any:
        role = original_role(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        for arn in cloudformation_json["Properties"].get("ManagedPolicyArns", []):
            iam_backends[account_id]["global"].attach_role_policy(arn, role.name)
        return role

    Role.create_from_cloudformation_json = classmethod(create_role)  # type: ignore[method-assign,assignment]

    def update_log_group(cls: Any, original_resource: Any, new_resource_name: str,
                         cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
        days = cloudformation_json["Properties"].get("RetentionInDays")
        logs_backends[account_id][region_name].put_retention_policy(original_resource.name, int(days))  # type: ignore[arg-type]
        return original_resource

    LogGroup.update_from_cloudformation_json = classmethod(update_log_group)  # type: ignore[method-assign,assignment]

    original_import = APIGatewayResponse.import_rest_api

    def import_rest_api(self: Any) -> Any:
        status, headers, body = original_import(self)
        types = self.querystring.get("endpointConfigurationTypes")
        if types:
            api = self.backend.get_rest_api(json.loads(body)["id"])
            api.endpoint_configuration = {"types": list(types)}
            body = json.dumps(api.to_dict())
        return status, headers, body

    APIGatewayResponse.import_rest_api = import_rest_api  # type: ignore[method-assign]

    original_delete = ApiGatewayV2Response.delete_domain_name

    def delete_domain_name(self: Any) -> Any:
        name = self.path.split("/")[-1]
        v1 = apigateway_backends[self.current_account][self.region]
        if name in v1.domain_names:
            v1.delete_domain_name(name)
            return 204, {}, ""
        return original_delete(self)

    ApiGatewayV2Response.delete_domain_name = delete_domain_name  # type: ignore[method-assign]


def _patch_change_sets() -> None:
    from moto.cloudformation.models import ChangeSet

    original = ChangeSet.apply

    def apply(self: Any) -> None:
        original(self)
        stack = self.stack
        stack.template = self.template
        stack._parse_template()
        if self.parameters:
            stack.parameters = self.parameters
        stack.output_map = stack._create_output_map()

    ChangeSet.apply = apply  # type: ignore[method-assign]


def _add_missing_cloudformation_types() -> None:
    from moto.cloudformation.parsing import get_model_map
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.common_models import CloudFormationModel
    from moto.s3.models import s3_backends
    from moto.sns.models import sns_backends

    class _Created:
        """What moto keeps in the stack for a resource made through another backend call.

        A mixin: moto finds resource types among CloudFormationModel's *direct* subclasses.
        """

        def __init__(self, physical_id: str) -> None:
            self.physical_resource_id = physical_id

        @staticmethod
        def cloudformation_name_type() -> str:
            return ""

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return False

    class CloudWatchAlarm(_Created, CloudFormationModel):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudWatch::Alarm"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            p = cloudformation_json["Properties"]
            name = p.get("AlarmName") or resource_name
            cloudwatch_backends[account_id][region_name].put_metric_alarm(
                name=name, namespace=p["Namespace"], metric_name=p["MetricName"],
                comparison_operator=p["ComparisonOperator"], evaluation_periods=int(p["EvaluationPeriods"]),
                period=int(p["Period"]), threshold=float(p["Threshold"]), statistic=p["Statistic"],
                description=p.get("AlarmDescription", ""), dimensions=p.get("Dimensions", []),
                alarm_actions=p.get("AlarmActions", []), ok_actions=p.get("OKActions", []),
                treat_missing_data=p.get("TreatMissingData"))
            return cls(name)

    class SnsSubscription(_Created, CloudFormationModel):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SNS::Subscription"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            p = cloudformation_json["Properties"]
            subscription = sns_backends[account_id][region_name].subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
            return cls(subscription.arn)

    class S3BucketPolicy(_Created, CloudFormationModel):
        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::S3::BucketPolicy"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                            account_id: str, region_name: str, **kwargs: Any) -> Any:
            p = cloudformation_json["Properties"]
            s3_backends[account_id]["aws"].put_bucket_policy(p["Bucket"], json.dumps(p["PolicyDocument"]).encode())
            return cls(p["Bucket"])

    get_model_map.cache_clear()
    assert get_model_map()["AWS::CloudWatch::Alarm"] is CloudWatchAlarm


def patch_moto() -> None:
    """Apply the harness's moto patches once per process."""
    global _patched
    with _lock:
        if _patched:
            return
        _patch_apigateway()
        _patch_dynamodb_tables()
        _patch_change_sets()
        _patch_bucket_policy_conditions()
        _patch_roles_log_groups_and_domains()
        _add_missing_cloudformation_types()
        _patched = True


class MotoAws:
    """A moto server on 127.0.0.1 for every AWS service, patched as above."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        patch_moto()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def __enter__(self) -> MotoAws:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def environment(self, base: dict[str, str]) -> dict[str, str]:
        """``base`` pointed at this server: any credentials, the region, no profile, no TEAMLINE_* settings."""
        env = {k: v for k, v in base.items() if not k.startswith(("TEAMLINE_", "AWS_"))}
        env.update({"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "rehearsal",
                    "AWS_SECRET_ACCESS_KEY": "rehearsal", "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
                    "AWS_EC2_METADATA_DISABLED": "true"})
        return env

    def session(self) -> Any:
        """A boto3 session whose clients talk to this server."""
        import boto3

        return _EndpointSession(boto3.session.Session(aws_access_key_id="rehearsal",
                                                      aws_secret_access_key="rehearsal", region_name=REGION),
                                self.endpoint)


class _EndpointSession:
    """A boto3 session that gives every client and resource this server's endpoint."""

    def __init__(self, session: Any, endpoint: str) -> None:
        self._session = session
        self._endpoint = endpoint
        self.region_name = session.region_name

    def client(self, service: str) -> Any:
        return self._session.client(service, endpoint_url=self._endpoint)

    def resource(self, service: str) -> Any:
        return self._session.resource(service, endpoint_url=self._endpoint)
