"""The deploy's AWS calls outside CloudFormation and Chalice: credentials, VAPID keys, deploy state,
the stream mapping's failure handling and API Gateway's own error responses.

Every client comes from one boto3 session in the stage's region. ``AWS_ENDPOINT_URL`` (boto3's own
setting) points every client at another endpoint, which is how the rehearsal runs the same code
against a moto server; nothing here knows about moto.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.deploy.infra import API_STAGE, DeployError
from scripts.deploy.stage import StageSettings, parse

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_RESPONSES = ROOT / "infra" / "gateway-responses.json"
STATE_KEY = "chalice/{stage}/deployed.json"
SETTINGS_KEY = "settings/{stage}.json"


def session(region: str) -> Any:
    """A boto3 session in ``region`` (credentials from the usual places: env, profile, SSO, instance role)."""
    import boto3

    return boto3.session.Session(region_name=region)


def check_credentials(aws: Any) -> str:
    """The account the credentials belong to; a clear error if there are none or they have expired."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        identity = aws.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(
            f"No usable AWS credentials ({exc}). Sign in first, for example `aws sso login --profile <profile>` "
            "then `export AWS_PROFILE=<profile>`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.") from None
    return str(identity["Account"])


# --- VAPID keys -----------------------------------------------------------------------------------------------


def vapid_parameter_names(stage: str) -> tuple[str, str]:
    """(private SecureString, public String) parameter names of a stage's VAPID keys."""
    return f"/teamline/{stage}/vapid-private-key", f"/teamline/{stage}/vapid-public-key"


def _parameter(ssm: Any, name: str) -> str | None:
    try:
        return str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return None


def read_vapid_public_key(aws: Any, stage: str) -> str | None:
    """The stage's VAPID public key, or None if there are no keys; refuses half a key pair."""
    ssm = aws.client("ssm")
    private_name, public_name = vapid_parameter_names(stage)
    public = _parameter(ssm, public_name)
    try:
        ssm.get_parameter(Name=private_name, WithDecryption=False)
        has_private = True
    except ssm.exceptions.ParameterNotFound:
        has_private = False
    if bool(public) != has_private:
        raise DeployError(f"Only one of {private_name} and {public_name} exists in SSM. Restore the missing one, or "
                          f"make a new pair with `make vapid-keys STAGE={stage} OVERWRITE=yes` (every browser then "
                          "has to subscribe again).")
    return public


def create_vapid_keys(aws: Any, stage: str, *, overwrite: bool = False) -> str:
    """Make a VAPID key pair: the private key into an SSM SecureString, the public one beside it. Returns the public key.

    The private key goes from memory straight to SSM (encrypted with the account's ``aws/ssm`` key) and is
    never printed or written to disk.
    """
    from chalicelib.push.vapid import generate_keypair  # imports no settings, only cryptography

    ssm = aws.client("ssm")
    private_name, public_name = vapid_parameter_names(stage)
    if not overwrite and read_vapid_public_key(aws, stage):
        raise DeployError(f"{stage} already has VAPID keys. A new pair unsubscribes every browser; pass "
                          "OVERWRITE=yes if that is what you want.")
    private, public = generate_keypair()
    ssm.put_parameter(Name=private_name, Value=private, Type="SecureString", Overwrite=overwrite,
                      Description="Teamline VAPID private key (PKCS#8 PEM); made by make vapid-keys")
    ssm.put_parameter(Name=public_name, Value=public, Type="String", Overwrite=overwrite,
                      Description="Teamline VAPID public key (applicationServerKey); made by make vapid-keys")
    return public


# --- deploy state -----------------------------------------------------------------------------------------------


def state_bucket_name(stage: str, account: str, region: str) -> str:
    """The stage's deploy-state bucket (made by the infrastructure stack)."""
    return f"teamline-{stage}-deploy-{account}-{region}"


def download(aws: Any, bucket: str, key: str, path: Path) -> bool:
    """Fetch ``key`` into ``path``; False if the bucket or the object does not exist yet."""
    from botocore.exceptions import ClientError

    try:
        body = aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchBucket", "404"):
            return False
        raise
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return True


def upload(aws: Any, bucket: str, key: str, body: bytes) -> None:
    """Store ``body`` at ``key`` (the bucket is versioned, so earlier states stay recoverable)."""
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def stored_settings(aws: Any, stage: str, account: str) -> StageSettings | None:
    """The settings the last deploy of ``stage`` used, from its state bucket (None if never deployed)."""
    from botocore.exceptions import ClientError

    bucket = state_bucket_name(stage, account, aws.region_name)
    try:
        body = aws.client("s3").get_object(Bucket=bucket, Key=SETTINGS_KEY.format(stage=stage))["Body"].read()
    except ClientError:
        return None
    return parse(stage, json.loads(body))


# --- after chalice deploy -----------------------------------------------------------------------------------


def configure_stream_mapping(aws: Any, event_uuid: str, queue_arn: str, settings: StageSettings) -> dict[str, Any]:
    """Give the stream mapping a retry limit, bisection and an on-failure queue (Chalice cannot declare them)."""
    stream = settings.stream
    return dict(aws.client("lambda").update_event_source_mapping(
        UUID=event_uuid, BatchSize=stream.batch_size, MaximumRetryAttempts=stream.maximum_retry_attempts,
        MaximumRecordAgeInSeconds=stream.maximum_record_age_s,
        BisectBatchOnFunctionError=stream.bisect_batch_on_error,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}}))


def apply_gateway_responses(aws: Any, rest_api_id: str, path: Path = GATEWAY_RESPONSES) -> int:
    """Make API Gateway's own answers Teamline's JSON errors with security headers; redeploy the stage."""
    client = aws.client("apigateway")
    responses = json.loads(path.read_text(encoding="utf-8"))["responses"]
    for response in responses:
        arguments = {"restApiId": rest_api_id, "responseType": response["ResponseType"],
                     "responseParameters": response["ResponseParameters"],
                     "responseTemplates": response["ResponseTemplates"]}
        if "StatusCode" in response:
            arguments["statusCode"] = response["StatusCode"]
        client.put_gateway_response(**arguments)
    client.create_deployment(restApiId=rest_api_id, stageName=API_STAGE,
                             description="make deploy: gateway responses")
    return len(responses)
