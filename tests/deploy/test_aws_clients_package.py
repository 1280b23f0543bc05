"""The Lambda zip the rehearsal deployed makes a working client for every AWS service it keeps, by itself.

``scripts/deploy/project.py`` vendors botocore, boto3, s3transfer and pynamodb as pure wheels and keeps only the
service models in ``LAMBDA_AWS_SERVICES`` (botocore's other ~450 are most of its size). This proves each kept
service's client still works importing from nothing but the zip and the standard library: made in eu-west-2 through
boto3 (as chalicelib does) or PynamoDB, each sends one request the way the Lambda would, serialized, routed to its
regional endpoint and signed, which a ``before-send`` hook stops before it reaches the network (sockets refuse to
connect besides).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from scripts.deploy.project import LAMBDA_AWS_SERVICES

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = ROOT / "build" / "deploy" / "rehearsal" / "project" / ".chalice" / "deployments"

#: One request per kept service, as the Lambda makes it (a new service in LAMBDA_AWS_SERVICES needs one here).
REQUESTS = {
    "dynamodb": "pynamodb: Thing.get('t1')",
    "s3": "s3.put_object(Bucket='teamline-exports', Key='e1/transcript.pdf', Body=b'%PDF-', "
          "ServerSideEncryption='aws:kms')",
    "ssm": "ssm.get_parameter(Name='/teamline/prod/vapid-private-key', WithDecryption=True)",
    "sts": "sts.get_caller_identity()",
}

MAKE_THE_REQUESTS = """
import json, socket, sys
sys.path.insert(0, sys.argv[1])
requests = json.loads(sys.argv[2])

def no_network(*args, **kwargs):
    raise AssertionError("a network connection")
socket.socket.connect = socket.socket.connect_ex = no_network

import boto3, botocore, pynamodb
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

class Stopped(Exception):
    pass

sent = {}
def stop(service):
    def before_send(request, **kwargs):
        sent[service] = {"url": request.url, "signed": "Signature=" in request.headers.get("Authorization", b"").decode()}
        raise Stopped()
    return before_send

class Thing(Model):
    class Meta:
        table_name = "teamline-prod-main"
        region = "eu-west-2"
    pk = UnicodeAttribute(hash_key=True)

for service, request in requests.items():
    if request.startswith("pynamodb: "):
        client = Thing._get_connection().connection.client
        request = request.removeprefix("pynamodb: ")
    else:
        client = boto3.client(service, region_name="eu-west-2")
    assert client.meta.service_model.service_name == service and client.meta.region_name == "eu-west-2"
    client.meta.events.register("before-send", stop(service))
    try:
        eval(request, {service: client, "Thing": Thing})
    except Exception as error:
        if not isinstance(error, Stopped) and not isinstance(getattr(error, "cause_exception", None), Stopped):
            raise
print(json.dumps({"sent": sent, "from": [boto3.__file__, botocore.__file__, pynamodb.__file__]}))
"""


def _zip() -> Path:
    return max(DEPLOYMENTS.glob("*.zip"), key=lambda p: p.stat().st_mtime)


def test_every_service_the_zip_keeps_has_a_request_here():
    assert set(REQUESTS) == set(LAMBDA_AWS_SERVICES)


def test_the_zip_keeps_only_the_aws_service_models_the_lambda_uses(deployed: dict[str, Any]):
    with zipfile.ZipFile(_zip()) as archive:
        names = archive.namelist()
    kept = {n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") >= 3}
    assert kept == set(LAMBDA_AWS_SERVICES)
    assert {"botocore/data/endpoints.json", "botocore/data/partitions.json", "botocore/data/_retry.json",
            "botocore/data/sdk-default-configuration.json"} <= set(names)
    boto3_kept = {n.split("/")[2] for n in names if n.startswith("boto3/data/") and n.count("/") >= 3}
    assert boto3_kept <= set(LAMBDA_AWS_SERVICES) and "dynamodb" in boto3_kept
    # Each of these once came as a pip dependency; now only the vendored copy, once.
    assert len([n for n in names if n.startswith("botocore-") and n.endswith(".dist-info/METADATA")]) == 1


def test_the_deployed_zip_makes_every_kept_aws_client_on_its_own(deployed: dict[str, Any], tmp_path: Path):
    with zipfile.ZipFile(_zip()) as archive:
        archive.extractall(tmp_path)
    # Credentials as Lambda gives them (the environment); no config files, no instance metadata.
    env = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY",
           "AWS_SESSION_TOKEN": "token", "AWS_REGION": "eu-west-2", "AWS_DEFAULT_REGION": "eu-west-2",
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
           "AWS_EC2_METADATA_DISABLED": "true", "HOME": str(tmp_path)}
    # -I -S: no site-packages, user site or PYTHON* variables, so every import but the standard library's is the zip's.
    result = subprocess.run([sys.executable, "-I", "-S", "-c", MAKE_THE_REQUESTS, str(tmp_path), json.dumps(REQUESTS)],
                            capture_output=True, text=True, check=False, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    made = json.loads(result.stdout.strip().splitlines()[-1])
    assert all(path.startswith(str(tmp_path)) for path in made["from"]), made["from"]
    assert set(made["sent"]) == set(LAMBDA_AWS_SERVICES)
    for service, request in made["sent"].items():
        assert request["signed"], service
        assert request["url"].startswith("https://") and ".eu-west-2.amazonaws.com/" in request["url"], request
