"""The Chalice project that ``chalice deploy`` runs in: a copy of the app with a generated stage config.

Chalice reads its configuration from ``.chalice/config.json`` next to ``app.py`` and nowhere else, and
the tracked one must stay as it is (it holds the local and test stages). So each deploy builds
``build/deploy/<stage>/project/``: ``app.py``, ``chalicelib/`` (with precompiled bytecode: /var/task
is read-only, so Lambda cannot cache it), ``requirements.txt``, ``vendor/templates`` and
``vendor/static`` (Chalice puts ``vendor/``'s contents at the root of the zip, next to ``app.py``,
where the code reads them), the ``VENDORED`` packages' pruned pure-Python wheels in ``vendor/`` (botocore
with only the service models the functions use: see ``LAMBDA_AWS_SERVICES``), and a ``.chalice/config.json``
whose stage holds the infrastructure stack's outputs: table names, stream ARN, role per function, the
export bucket, the VAPID public key and subject. ``.chalice/deployed/<stage>.json`` (Chalice's record of what it created) is brought in
from the stage's state bucket before the deploy and sent back after it. ``build/`` is gitignored.
"""

from __future__ import annotations

import compileall
import json
import py_compile
import shutil
from pathlib import Path
from typing import Any

from scripts.deploy.functions import APP_NAME, Function
from scripts.deploy.infra import API_STAGE, DeployError
from scripts.deploy.stage import StageSettings

ROOT = Path(__file__).resolve().parents[2]
TRACKED_CONFIG = ROOT / ".chalice" / "config.json"
#: What the Lambda needs next to app.py; static/scss is a build input, not served.
WEB_DIRS = ("templates", "static")
NOT_PACKAGED = shutil.ignore_patterns("scss", "__pycache__", "*.pyc", ".DS_Store")
#: Packages the Lambda gets as pure-Python wheels unpacked into vendor/ rather than through requirements.txt, where
#: pip would bring what they pull in: fpdf2 needs Pillow only for images (transcripts have none: 8 MB zipped),
#: fontTools' Linux wheel carries optional compiled speed-ups (5.5 MB against 1.2 MB), and fhir.resources ships FHIR
#: R5 and STU3 models Teamline never loads. botocore ships the JSON models of ~450 AWS services (16.4 MB of a 33 MB
#: zip) where the Lambda uses four (LAMBDA_AWS_SERVICES); vendoring it lets them be pruned, and boto3, s3transfer and
#: pynamodb come the same way because pip would otherwise bring botocore back whole as their dependency (their own
#: dependencies, jmespath, python-dateutil, six and urllib3, are pinned in requirements.txt for pip to install).
#: The deploy rehearsal's tests build an export and make every kept AWS client from the zip itself.
VENDORED = ("fpdf2", "fonttools", "defusedxml", "fhir.resources", "fhir-core",
            "botocore", "boto3", "s3transfer", "pynamodb")
NOT_IN_LAMBDA = ("pillow",)
#: What is kept of vendored packages: of fhir.resources, its package init and the R4B models an export's bundle
#: loads (the other 170 are loaded only by resources Teamline never writes; the rehearsal's test builds a bundle).
R4B_MODELS = ("backboneelement", "bundle", "codeableconcept", "coding", "communication", "device", "domainresource",
              "element", "fhirresourcemodel", "fhirtypes", "humanname", "identifier", "organization", "patient",
              "practitioner", "reference", "resource")
PRUNE = {"fhir/resources": ("R4B", "__init__.py", "py.typed"),
         "fhir/resources/R4B": ("__init__.py", *(f"{name}.py" for name in R4B_MODELS))}
#: The AWS services the Lambda makes clients for, and why: the only service models kept of botocore's (and boto3's)
#: data. ``tests/unit/test_deploy_package.py`` fails if chalicelib or app.py makes a client for a service not here,
#: and the deploy rehearsal's test makes each one's client from the deployed zip alone. Adding a service: add it
#: here (and its permissions to infra/).
LAMBDA_AWS_SERVICES = {
    "dynamodb": "every table read and write: PynamoDB's models and the shared connection (chalicelib/models)",
    "s3": "export files: the transcript PDF and FHIR bundle (chalicelib/models/export_files.py)",
    "ssm": "the VAPID private key, a SecureString parameter (chalicelib/push/vapid.py)",
    "sts": "botocore's credential chain makes an STS client to assume a role or use a web identity token; Lambda "
           "gives credentials in the environment, so this is insurance (about 15 KB zipped)",
}
#: Folders of vendored packages of which only the named subfolders are kept; their files all stay. botocore reads
#: data/endpoints.json, partitions.json, _retry.json and sdk-default-configuration.json for every client (and a new
#: release may add more such files); each service folder is kept whole (service model, endpoint rules, paginators,
#: waiters), whatever its API versions. boto3/data holds the models of boto3.resource(), kept likewise.
PRUNE_SUBFOLDERS = {"botocore/data": tuple(LAMBDA_AWS_SERVICES), "boto3/data": tuple(LAMBDA_AWS_SERVICES)}
#: Files that must be in the zip for pages to render.
REQUIRED_IN_ZIP = ("app.py", "templates/base.html", "static/dist/assets.json")


def build_dir(stage: str, root: Path = ROOT) -> Path:
    """Where a stage's deploy files live (gitignored)."""
    return root / "build" / "deploy" / stage


def environment(settings: StageSettings, outputs: dict[str, str], vapid_public_key: str) -> dict[str, str]:
    """The functions' environment: the stage's settings and the stack's outputs."""
    stage = settings.stage
    return {
        "TEAMLINE_STAGE": stage,
        "TEAMLINE_LOG_LEVEL": settings.log_level,
        "TEAMLINE_MAIN_TABLE": outputs["MainTableName"],
        "TEAMLINE_AUDIT_TABLE": outputs["AuditTableName"],
        "TEAMLINE_MAIN_STREAM_ARN": outputs["MainTableStreamArn"],
        "TEAMLINE_EXPORT_BUCKET": outputs["ExportBucketName"],
        "TEAMLINE_EXPORT_SSE": "aws:kms" if settings.kms_key_arn else "AES256",
        "TEAMLINE_VAPID_PUBLIC_KEY": vapid_public_key,
        "TEAMLINE_VAPID_PRIVATE_KEY_PARAMETER": f"/teamline/{stage}/vapid-private-key",
        "TEAMLINE_VAPID_SUBJECT": settings.vapid_subject,
    }


def chalice_config(settings: StageSettings, functions: list[Function], outputs: dict[str, str],
                   vapid_public_key: str, tracked: Path = TRACKED_CONFIG) -> dict[str, Any]:
    """The generated ``.chalice/config.json``: the tracked app-wide settings plus this stage."""
    base = json.loads(tracked.read_text(encoding="utf-8"))
    per_function: dict[str, Any] = {}
    for function in functions:
        role = outputs.get(f"{function.logical_id}RoleArn")
        if not role:
            raise DeployError(f"The infrastructure stack has no role for {function.name}; deploy it again")
        size = settings.size_of(function.name)
        per_function[function.name] = {"iam_role_arn": role, "lambda_memory_size": size.memory_mb,
                                       "lambda_timeout": size.timeout_s}
    api = settings.size_of("api_handler")
    stage: dict[str, Any] = {
        "api_gateway_stage": API_STAGE,
        "api_gateway_endpoint_type": "REGIONAL",
        "manage_iam_role": False,
        "autogen_policy": False,
        "iam_role_arn": per_function.get("api_handler", {}).get("iam_role_arn", ""),
        "lambda_memory_size": api.memory_mb,
        "lambda_timeout": api.timeout_s,
        "environment_variables": environment(settings, outputs, vapid_public_key),
        "lambda_functions": per_function,
        "tags": {"application": APP_NAME, "stage": settings.stage},
    }
    if settings.domain_name:
        stage["api_gateway_custom_domain"] = {"domain_name": settings.domain_name,
                                              "certificate_arn": settings.certificate_arn,
                                              "tls_version": "TLS_1_2", "url_prefix": "/"}
    config = {k: v for k, v in base.items() if k not in ("stages", "iam_policy_file", "environment_variables")}
    config.update({"app_name": APP_NAME, "stages": {settings.stage: stage}})
    config.pop("autogen_policy", None)
    return config


def build_project(settings: StageSettings, config: dict[str, Any], root: Path = ROOT) -> Path:
    """Write the stage's Chalice project; return its folder. Chalice's state and zip cache are kept."""
    if not (root / "static" / "dist" / "assets.json").exists():
        raise DeployError("static/dist/ is missing: run `make assets` first (`make deploy` does)")
    project = build_dir(settings.stage, root) / "project"
    chalice_dir = project / ".chalice"
    for path in (project / "chalicelib", project / "vendor"):
        shutil.rmtree(path, ignore_errors=True)
    chalice_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / "app.py", project / "app.py")
    (project / "requirements.txt").write_text(lambda_requirements((root / "requirements.txt").read_text(encoding="utf-8")),
                                              encoding="utf-8")
    shutil.copytree(root / "chalicelib", project / "chalicelib", ignore=NOT_PACKAGED)
    for name in WEB_DIRS:
        shutil.copytree(root / name, project / "vendor" / name, ignore=NOT_PACKAGED)
    vendor_pure_wheels(pins((root / "requirements.txt").read_text(encoding="utf-8")), project / "vendor")
    compileall.compile_dir(str(project / "chalicelib"), quiet=1, force=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    (chalice_dir / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return project


def _name(line: str) -> str:
    return line.split("==", 1)[0].strip().lower()


def pins(requirements: str) -> dict[str, str]:
    """``name -> name==version`` for the pinned lines of a requirements file."""
    return {_name(line): line.strip() for line in requirements.splitlines()
            if "==" in line and not line.lstrip().startswith("#")}


def lambda_requirements(requirements: str) -> str:
    """The requirements Chalice installs for Lambda: all but the vendored packages and what only they need."""
    left_out = {n.lower() for n in (*VENDORED, *NOT_IN_LAMBDA)}
    return "\n".join(line for line in requirements.splitlines() if _name(line) not in left_out) + "\n"


def vendor_pure_wheels(pinned: dict[str, str], vendor: Path) -> None:
    """Unpack the pure-Python wheels of the vendored packages (exact pins) into ``vendor``, pruned."""
    import subprocess
    import sys
    import tempfile
    import zipfile

    wanted = [pinned[name.lower()] for name in VENDORED]
    with tempfile.TemporaryDirectory(prefix="teamline-wheels-") as folder:
        result = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                                 "--platform", "any", "--implementation", "py", "--python-version", "3.11",
                                 "--dest", folder, *wanted], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise DeployError("Could not download the pure-Python wheels of " + ", ".join(wanted) + " from PyPI:\n"
                              + result.stderr[-2000:])
        for wheel in sorted(Path(folder).glob("*.whl")):
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(vendor, [n for n in archive.namelist() if ".data/" not in n])  # no scripts
    for package, keep in PRUNE.items():
        for entry in (vendor / package).iterdir():
            if entry.name not in keep:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for folder, keep in PRUNE_SUBFOLDERS.items():
        if folder == "botocore/data" and (missing := [n for n in keep if not (vendor / folder / n).is_dir()]):
            raise DeployError(f"botocore has no model for {', '.join(missing)}: see LAMBDA_AWS_SERVICES")
        for entry in (vendor / folder).iterdir():
            if entry.is_dir() and entry.name not in keep:
                shutil.rmtree(entry)


def deployed_state_path(project: Path, stage: str) -> Path:
    """Chalice's record of what it deployed for the stage."""
    return project / ".chalice" / "deployed" / f"{stage}.json"


def deployed_resources(project: Path, stage: str) -> dict[str, dict[str, Any]]:
    """Chalice's deployed resources by name (rest_api, api_handler, deliver_push-event-source...)."""
    path = deployed_state_path(project, stage)
    if not path.exists():
        return {}
    return {r["name"]: r for r in json.loads(path.read_text(encoding="utf-8")).get("resources", [])}
