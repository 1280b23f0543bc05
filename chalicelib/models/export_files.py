"""The export bucket: where each export's FHIR bundle, transcript and manifest are stored (S3).

Object layout (docs/records.md has an example)::

    exports/<trust id>/<team id>/<patient id>/<export id>/bundle.json      FHIR R4 Bundle (application/fhir+json)
    exports/<trust id>/<team id>/<patient id>/<export id>/transcript.pdf   the printable transcript
    exports/<trust id>/<team id>/<patient id>/<export id>/manifest.json    written last: what the export is

A Trust's integration engine picks exports up from here (the manifest's arrival says an export is
complete); Teamline's own download links read the same objects. Objects are written with server-side
encryption (the bucket's default key: SSE-S3, or the Trust's KMS key where the stage has one); the
bucket blocks public access and refuses plain HTTP (infra/teamline.json).

boto3 is imported on first use (cold start: other routes never need it). Locally the bucket lives in
the embedded moto server, spoken to over the S3 wire protocol exactly as in AWS.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from chalicelib.errors import ServiceUnavailable
from chalicelib.settings import get_settings

_client: Any = None
_lock = threading.Lock()


def _s3() -> Any:
    global _client
    with _lock:
        if _client is None:
            import boto3  # only exports need S3
            from botocore.config import Config

            settings = get_settings()
            _client = boto3.client("s3", region_name=settings.region, endpoint_url=settings.s3_endpoint,
                                   config=Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 3}))
        return _client


def reset() -> None:
    """Forget the client (tests that switch between moto in-process and a server)."""
    global _client
    with _lock:
        _client = None


def export_prefix(trust_id: str, team_id: str, patient_id: str, export_id: str) -> str:
    """The folder of one export's objects."""
    return f"exports/{trust_id}/{team_id}/{patient_id}/{export_id}/"


def put(key: str, body: bytes, content_type: str) -> None:
    """Store one object, encrypted at rest."""
    settings = get_settings()
    try:
        _s3().put_object(Bucket=settings.export_bucket, Key=key, Body=body, ContentType=content_type,
                         ServerSideEncryption=_encryption())
    except Exception as exc:  # botocore's errors: the request failed, nothing to show a person but "try again"
        raise ServiceUnavailable("The record could not be stored just now. Please try again.") from exc


def _encryption() -> str:
    """SSE-S3 (AES256), or ``aws:kms`` where the stage has a KMS key (S3 then uses the bucket's default key)."""
    return get_settings().export_sse


def read(key: str) -> bytes:
    """One object's bytes."""
    try:
        response = _s3().get_object(Bucket=get_settings().export_bucket, Key=key)
        return bytes(response["Body"].read())
    except Exception as exc:
        raise ServiceUnavailable("The record could not be read just now. Please try again.") from exc


def delete(keys: list[str]) -> None:
    """Delete objects (retention); a versioned bucket keeps the old versions until its lifecycle rule ends them."""
    if not keys:
        return
    try:
        _s3().delete_objects(Bucket=get_settings().export_bucket,
                             Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True})
    except Exception as exc:
        raise ServiceUnavailable() from exc


def create_bucket() -> None:
    """Create the export bucket as the stage's infrastructure does: encrypted, private (local and test stages)."""
    settings = get_settings()
    s3 = _s3()
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=settings.export_bucket,
                         CreateBucketConfiguration={"LocationConstraint": settings.region})
    s3.put_bucket_encryption(Bucket=settings.export_bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_public_access_block(Bucket=settings.export_bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})


def describe(key: str) -> dict[str, Any]:
    """An object's metadata (content type, encryption) without its body."""
    return dict(_s3().head_object(Bucket=get_settings().export_bucket, Key=key))
