"""What goes into the Lambda zip: a client for an AWS service whose model the zip leaves out fails here, not in AWS.

``scripts/deploy/project.py`` vendors botocore (with boto3, s3transfer and pynamodb) as pure wheels and keeps only
``LAMBDA_AWS_SERVICES`` of its ~450 service models. These tests read chalicelib and app.py for every AWS client they
make, and check that pip (which installs the rest of the Lambda's requirements) neither brings botocore back whole
nor misses what the vendored packages need. The deploy rehearsal's ``test_aws_clients_package.py`` then makes each
kept service's client from the deployed zip alone.
"""

from __future__ import annotations

import ast
import importlib.metadata
from pathlib import Path

import botocore
from packaging.requirements import Requirement

from scripts.deploy.project import (
    LAMBDA_AWS_SERVICES,
    NOT_IN_LAMBDA,
    PRUNE_SUBFOLDERS,
    ROOT,
    VENDORED,
    lambda_requirements,
    pins,
)

#: The calls that make an AWS client: boto3.client / boto3.resource / Session(...).client, botocore's create_client.
CLIENT_MAKERS = {"client", "resource", "create_client"}


def services_used(source: str, filename: str = "<source>") -> tuple[set[str], list[str]]:
    """The AWS services ``source`` makes clients for, and where it makes one whose service is not a literal."""
    used: set[str] = set()
    unknown: list[str] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m == "pynamodb" or m.startswith("pynamodb.") for m in modules):
                used.add("dynamodb")  # PynamoDB makes a DynamoDB client for its models
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name not in CLIENT_MAKERS:
            continue
        arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "service_name"), None)
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            used.add(arg.value)
        else:
            unknown.append(f"{filename}:{node.lineno}")
    return used, unknown


def lambda_sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]


def test_the_finder_sees_every_way_of_making_a_client():
    used, unknown = services_used(
        "import boto3, botocore.session\nfrom pynamodb.models import Model\n"
        "a = boto3.client('sqs', region_name='eu-west-2')\nb = boto3.Session().resource(service_name='sns')\n"
        "c = botocore.session.get_session().create_client('kms')\nd = boto3.client(name)\n")
    assert used == {"sqs", "sns", "kms", "dynamodb"}
    assert unknown == ["<source>:6"]


def test_every_aws_client_the_lambda_makes_is_for_a_service_the_zip_keeps():
    used: set[str] = set()
    for path in lambda_sources():
        found, unknown = services_used(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
        assert not unknown, f"Name the AWS service as a literal, so this test can check the zip keeps it: {unknown}"
        used |= found
    assert {"dynamodb", "s3", "ssm"} <= used  # the finder still finds what the code is known to use
    missing = used - set(LAMBDA_AWS_SERVICES)
    assert not missing, (f"The Lambda makes clients for {sorted(missing)}, whose botocore models the zip leaves out: "
                         "add them to LAMBDA_AWS_SERVICES in scripts/deploy/project.py, saying why")


def test_every_kept_service_is_a_botocore_model_and_is_what_the_pruning_keeps():
    data = Path(botocore.__file__).parent / "data"
    assert all((data / name).is_dir() for name in LAMBDA_AWS_SERVICES), sorted(LAMBDA_AWS_SERVICES)
    assert all(LAMBDA_AWS_SERVICES.values())  # each says why it is there
    assert set(PRUNE_SUBFOLDERS["botocore/data"]) == set(LAMBDA_AWS_SERVICES) == set(PRUNE_SUBFOLDERS["boto3/data"])


def _requirement_names(dist: str) -> set[str]:
    """What an installed distribution needs here (Python 3.11, no extras), normalised."""
    names = set()
    for line in importlib.metadata.requires(dist) or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            names.add(_normal(requirement.name))
    return names


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _installed_by_pip() -> set[str]:
    """Everything pip installs for the Lambda: its requirements and all they need (read from the venv)."""
    todo = [_normal(name) for name in pins(lambda_requirements((ROOT / "requirements.txt").read_text()))]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_requirement_names(name))
    return seen


def test_pip_does_not_bring_back_what_the_zip_vendors():
    brought = _installed_by_pip() & {_normal(n) for n in VENDORED}
    assert not brought, (f"A requirement pip installs for the Lambda needs {sorted(brought)}, which would then be in the "
                         "zip twice (botocore unpruned): vendor that requirement too")


def test_what_the_vendored_packages_need_is_vendored_or_installed_by_pip():
    available = _installed_by_pip() | {_normal(n) for n in (*VENDORED, *NOT_IN_LAMBDA)}
    for package in VENDORED:
        missing = _requirement_names(package) - available
        assert not missing, f"{package} needs {sorted(missing)}: pin them in requirements.txt"


def test_every_lambda_requirement_is_an_exact_pin():
    lines = [line for line in lambda_requirements((ROOT / "requirements.txt").read_text()).splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines and all("==" in line for line in lines), lines
    assert {"jmespath", "python-dateutil", "six", "urllib3"} <= {line.split("==")[0] for line in lines}
