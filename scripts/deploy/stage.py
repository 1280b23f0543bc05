"""A stage's deployment settings: what the Trust decides, kept out of tracked files.

A Trust writes ``deploy/<stage>.json`` (``deploy/example.json`` shows every field; the folder's other
files are gitignored) or points ``SETTINGS=`` at a file kept elsewhere. Every deploy also stores the
settings it used in the stage's state bucket, so an engineer on another machine can upgrade the
stage without the file (``scripts.deploy.__main__`` falls back to that copy and says so).

Nothing here is a secret: the VAPID private key is made by ``make vapid-keys`` straight into SSM.
Settings are checked before anything in AWS is touched, and refused with a message that says which
field is wrong and what to put there.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = ROOT / "deploy"
#: A deployed stage's name: short, lower case, usable in table, bucket and function names.
STAGE_NAME = re.compile(r"^[a-z][a-z0-9]{1,11}$")
RESERVED_STAGES = frozenset({"local", "test"})
#: CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)
DEFAULT_REGION = "eu-west-2"
#: Domains that are examples, not a Trust's: refused wherever an address or a domain is asked for.
PLACEHOLDER_DOMAIN = re.compile(r"(^|[.@])(example\.(com|org|net|nhs\.uk)|example|invalid|localhost|test)$",
                                re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CERTIFICATE_ARN = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):[0-9]{12}:certificate/[0-9a-f-]+$")
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$")
DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SettingsError(Exception):
    """The stage's settings are missing or unusable; the message says what to change."""


@dataclass(frozen=True)
class FunctionSize:
    """Memory (MB) and timeout (s) of one Lambda function."""

    memory_mb: int
    timeout_s: int


#: Defaults per function. The API answers people, so it fails fast; the stream handler sends pushes to
#: several devices with retries and must outlast a slow push service; schedules sweep whole tables.
DEFAULT_SIZES = {"api_handler": FunctionSize(512, 15), "deliver_push": FunctionSize(512, 90),
                 # Making a 5,000-message export is CPU-bound: more memory buys a faster CPU.
                 "make_exports": FunctionSize(1024, 120)}
DEFAULT_OTHER_SIZE = FunctionSize(512, 120)


@dataclass(frozen=True)
class StreamSettings:
    """How Lambda reads the main table's stream: retries, bisection, and when to give a batch up."""

    batch_size: int = 25
    maximum_retry_attempts: int = 5
    maximum_record_age_s: int = 3600
    bisect_batch_on_error: bool = True


@dataclass(frozen=True)
class StageSettings:
    """Everything a Trust decides about one deployed stage."""

    stage: str
    region: str
    vapid_subject: str
    alarm_email: str
    domain_name: str | None = None
    certificate_arn: str | None = None
    log_retention_days: int = 365
    kms_key_arn: str = ""
    functions: dict[str, FunctionSize] = field(default_factory=dict)
    stream: StreamSettings = field(default_factory=StreamSettings)
    log_level: str = "INFO"

    def size_of(self, function: str) -> FunctionSize:
        """The memory and timeout of ``function``: the stage's choice, else the default."""
        return self.functions.get(function) or DEFAULT_SIZES.get(function, DEFAULT_OTHER_SIZE)

    def to_json(self) -> dict[str, Any]:
        """The settings as the JSON a settings file holds."""
        data = asdict(self)
        data.pop("stage")
        data["functions"] = {name: asdict(size) for name, size in self.functions.items()}
        return data


def check_stage_name(stage: str) -> str:
    """Return ``stage`` if it can be a deployed stage's name, else raise SettingsError."""
    if stage in RESERVED_STAGES or not STAGE_NAME.match(stage):
        raise SettingsError(
            f"STAGE={stage!r} cannot be deployed: use 2-12 lower-case letters or digits, starting with a letter "
            "(for example dev, prod or training); 'local' and 'test' are for this machine only")
    return stage


def placeholder_reason(value: str) -> str | None:
    """Why ``value`` (an address, URL or domain) looks like a placeholder rather than the Trust's own, or None."""
    text = value.strip().lower()
    if not text or "..." in text or "<" in text or "changeme" in text or "your-trust" in text or "yourtrust" in text:
        return "is empty or still the example's placeholder"
    host = text.removeprefix("mailto:").removeprefix("https://").split("/", 1)[0]
    host = host.rsplit("@", 1)[-1]
    if PLACEHOLDER_DOMAIN.search(host):
        return f"uses {host!r}, a reserved example domain"
    return None


def parse(stage: str, data: dict[str, Any]) -> StageSettings:
    """Check a settings document for ``stage`` and return the settings; raise SettingsError listing every problem."""
    check_stage_name(stage)
    problems: list[str] = []
    known = {"region", "vapid_subject", "alarm_email", "custom_domain", "log_retention_days", "kms_key_arn",
             "functions", "stream", "log_level", "about"}
    for name in sorted(set(data) - known):
        problems.append(f"{name}: not a setting (known: {', '.join(sorted(known - {'about'}))})")

    region = str(data.get("region") or DEFAULT_REGION)
    if not re.match(r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", region):
        problems.append(f"region: {region!r} is not an AWS region name such as eu-west-2")

    subject = str(data.get("vapid_subject") or "")
    if not subject.startswith(("mailto:", "https://")):
        problems.append("vapid_subject: give a mailto: address (or https:// page) the Trust monitors; browser push "
                        "services use it to contact the sender, e.g. \"mailto:teamline-support@<your trust>.nhs.uk\"")
    elif reason := placeholder_reason(subject):
        problems.append(f"vapid_subject: {subject!r} {reason}; use an address the Trust monitors")

    alarm_email = str(data.get("alarm_email") or "")
    if not EMAIL.match(alarm_email):
        problems.append("alarm_email: give the address that should receive Teamline's alarms (it gets a "
                        "subscription confirmation email from AWS SNS first)")
    elif reason := placeholder_reason(alarm_email):
        problems.append(f"alarm_email: {alarm_email!r} {reason}")

    domain_name = certificate_arn = None
    custom_domain = data.get("custom_domain")
    if custom_domain is not None:
        if not isinstance(custom_domain, dict):
            problems.append("custom_domain: give {\"domain_name\": ..., \"certificate_arn\": ...} or null")
        else:
            domain_name = str(custom_domain.get("domain_name") or "").lower()
            certificate_arn = str(custom_domain.get("certificate_arn") or "")
            if not DOMAIN.match(domain_name):
                problems.append(f"custom_domain.domain_name: {domain_name!r} is not a domain name")
            elif reason := placeholder_reason(domain_name):
                problems.append(f"custom_domain.domain_name: {domain_name!r} {reason}")
            match = CERTIFICATE_ARN.match(certificate_arn)
            if not match:
                problems.append("custom_domain.certificate_arn: give the ARN of the domain's certificate in AWS "
                                "Certificate Manager (arn:aws:acm:<region>:<account>:certificate/<id>)")
            elif match.group(1) != region:
                problems.append(f"custom_domain.certificate_arn: the certificate is in {match.group(1)}, but a "
                                f"regional API needs it in {region}")

    retention = data.get("log_retention_days", 365)
    if retention not in LOG_RETENTION_DAYS:
        problems.append(f"log_retention_days: {retention!r} is not one CloudWatch accepts ({LOG_RETENTION_DAYS})")

    kms_key_arn = str(data.get("kms_key_arn") or "")
    if kms_key_arn and not KMS_KEY_ARN.match(kms_key_arn):
        problems.append("kms_key_arn: give a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) or leave it empty")

    functions: dict[str, FunctionSize] = {}
    for name, spec in (data.get("functions") or {}).items():
        try:
            size = FunctionSize(int(spec["memory_mb"]), int(spec["timeout_s"]))
        except (KeyError, TypeError, ValueError):
            problems.append(f"functions.{name}: give memory_mb and timeout_s as whole numbers")
            continue
        if not 128 <= size.memory_mb <= 10240:
            problems.append(f"functions.{name}.memory_mb: {size.memory_mb} is outside Lambda's 128-10240 MB")
        if not 1 <= size.timeout_s <= 900:
            problems.append(f"functions.{name}.timeout_s: {size.timeout_s} is outside Lambda's 1-900 s")
        if name == "api_handler" and size.timeout_s > 29:
            problems.append("functions.api_handler.timeout_s: API Gateway gives up after 29 s; use 29 or less")
        functions[name] = size

    stream_data = data.get("stream") or {}
    try:
        stream = StreamSettings(**stream_data)
    except TypeError as exc:
        problems.append(f"stream: {exc}")
        stream = StreamSettings()
    if not 0 <= stream.maximum_retry_attempts <= 10000:
        problems.append("stream.maximum_retry_attempts: 0-10000")
    if not (stream.maximum_record_age_s == -1 or 60 <= stream.maximum_record_age_s <= 604800):
        problems.append("stream.maximum_record_age_s: 60-604800 seconds")

    log_level = str(data.get("log_level") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append(f"log_level: {log_level!r} is not DEBUG, INFO, WARNING or ERROR")

    if problems:
        raise SettingsError(f"The settings for stage {stage!r} need changing:\n  - " + "\n  - ".join(problems))
    return StageSettings(stage=stage, region=region, vapid_subject=subject, alarm_email=alarm_email,
                         domain_name=domain_name, certificate_arn=certificate_arn, log_retention_days=int(retention),
                         kms_key_arn=kms_key_arn, functions=functions, stream=stream, log_level=log_level)


def settings_path(stage: str, explicit: str | None = None) -> Path:
    """Where the stage's settings file is: ``explicit`` if given, else ``deploy/<stage>.json``."""
    return Path(explicit) if explicit else SETTINGS_DIR / f"{stage}.json"


def load_file(stage: str, path: Path) -> StageSettings:
    """Read and check a settings file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path} must hold a JSON object")
    return parse(stage, data)
