"""Stage settings: read once from the environment.

Teamline has three kinds of configuration and keeps them apart:

* stage settings (this module): table names, the DynamoDB endpoint, the stage name. They come from
  environment variables set by ``.chalice/config.json`` or the local runner, and never change while a
  process runs.
* secrets (``chalicelib.push.config``): the VAPID private key, read lazily from SSM (or, locally, an
  untracked file) on the first push and cached.
* team policy (DynamoDB): availability windows, auto-reply texts, caps; edited by team leads.

Changing ``TEAMLINE_DYNAMODB_ENDPOINT`` is the only thing needed to point Teamline at moto, DynamoDB
Local or AWS.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.errors import ConfigurationError

#: Stages where developer conveniences (a pinned clock, plain-HTTP cookies) may be switched on.
NON_DEPLOYED_STAGES = frozenset({"local", "test"})
KNOWN_STAGES = NON_DEPLOYED_STAGES | {"dev", "prod"}
#: Any deployed stage's name (dev, prod, training...): short and lower case, as it is part of table, bucket and
#: function names. ``make deploy`` applies the same rule (scripts/deploy/stage.py).
DEPLOYED_STAGE_NAME = re.compile(r"^[a-z][a-z0-9]{1,11}$")
#: The VAPID subject of local and test stages. Push services write to this address about problems.
LOCAL_VAPID_SUBJECT = "mailto:teamline-admin@example.nhs.uk"
#: Hosts that are examples rather than a Trust's own (RFC 2606 names and loopback).
_PLACEHOLDER_HOST = re.compile(r"(^|\.)(example(\.[a-z.]+)?|invalid|localhost|test)$", re.IGNORECASE)
#: The account number in ARNs made up as placeholders (jobs.py's stream ARN before deployment fills it in).
_PLACEHOLDER_ACCOUNT = ":000000000000:"
#: The browsers' push services. A subscription naming any other host is refused: the stream handler
#: POSTs to stored endpoints, and must never be made to POST inside a Trust's network.
DEFAULT_PUSH_HOSTS = ("fcm.googleapis.com", "updates.push.services.mozilla.com", "push.apple.com",
                      "notify.windows.com", "push.services.mozilla.com")


@dataclass(frozen=True)
class Settings:
    """Everything a process needs to know about where it runs."""

    stage: str
    region: str
    dynamodb_endpoint: str | None
    main_table: str
    audit_table: str
    main_stream_arn: str | None
    clock_override: str | None
    secure_cookies: bool
    vapid_public_key: str | None
    vapid_private_key_file: str | None
    vapid_private_key_parameter: str | None
    vapid_subject: str
    log_level: str
    #: Push services Teamline may POST to (host suffixes); local/test stages may add loopback.
    push_hosts: tuple[str, ...]
    #: argon2 parameters: "rfc9106_low_memory" everywhere real; "cheapest" only for the test suite.
    password_profile: str
    #: No DynamoDB call starts later than this into a request (the API function's timeout is 15 s): past
    #: it, Teamline answers its own JSON 503 rather than being killed (a bare 502 from API Gateway).
    request_deadline_seconds: float = 9.0
    #: How long one DynamoDB attempt may wait for an answer. DynamoDB answers in milliseconds; a test
    #: tier whose embedded moto server is shared by many processes on a small machine may need more.
    dynamodb_read_timeout_seconds: float = 2.0
    #: The S3 bucket exports to the clinical record are written to (encrypted, private; see docs/records.md).
    export_bucket: str = ""
    #: Server-side encryption exports are written with: AES256 (SSE-S3), or aws:kms where the stage has a KMS key.
    export_sse: str = "AES256"
    #: Where S3 is: unset in AWS; the embedded moto server under `make run` and the wire/browser tiers.
    s3_endpoint: str | None = None
    #: How long an audit row is kept (DynamoDB TTL on the audit table), in days.
    audit_retention_days: int = 8 * 366

    @property
    def deployed(self) -> bool:
        """True in a stage that runs in AWS, where developer conveniences are refused."""
        return self.stage not in NON_DEPLOYED_STAGES


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping and check they are consistent."""
    env = dict(os.environ if environ is None else environ)

    def get(name: str, default: str | None = None) -> str | None:
        value = env.get(name)
        return value if value else default

    stage = get("TEAMLINE_STAGE", "local") or "local"
    if stage not in NON_DEPLOYED_STAGES and not DEPLOYED_STAGE_NAME.match(stage):
        raise ConfigurationError(f"TEAMLINE_STAGE must be local, test or a deployed stage's name (2-12 lower-case "
                                 f"letters or digits, such as dev or prod), not {stage!r}")
    clock_override = get("TEAMLINE_CLOCK_OVERRIDE")
    if clock_override and stage not in NON_DEPLOYED_STAGES:
        raise ConfigurationError(
            "TEAMLINE_CLOCK_OVERRIDE is only allowed in the local and test stages; "
            f"refusing to start stage {stage!r} with a pinned clock"
        )
    secure_cookies = (get("TEAMLINE_SECURE_COOKIES", "true") or "true").lower() != "false"
    if not secure_cookies and stage not in NON_DEPLOYED_STAGES:
        raise ConfigurationError("Insecure cookies are only allowed in the local and test stages")
    password_profile = get("TEAMLINE_PASSWORD_PROFILE", "rfc9106_low_memory") or "rfc9106_low_memory"
    if password_profile not in ("rfc9106_low_memory", "cheapest"):
        raise ConfigurationError(f"Unknown TEAMLINE_PASSWORD_PROFILE {password_profile!r}")
    if password_profile == "cheapest" and stage != "test":
        raise ConfigurationError("The cheapest password profile is only allowed in the test stage")
    push_hosts = tuple(h.strip() for h in (get("TEAMLINE_PUSH_HOSTS") or "").split(",") if h.strip())
    if any(h in ("127.0.0.1", "localhost") for h in push_hosts) and stage not in NON_DEPLOYED_STAGES:
        raise ConfigurationError("Loopback push services are only allowed in the local and test stages")
    settings = Settings(
        stage=stage,
        region=get("AWS_REGION") or get("AWS_DEFAULT_REGION") or "eu-west-2",
        dynamodb_endpoint=get("TEAMLINE_DYNAMODB_ENDPOINT"),
        main_table=get("TEAMLINE_MAIN_TABLE", f"teamline-{stage}-main") or "",
        audit_table=get("TEAMLINE_AUDIT_TABLE", f"teamline-{stage}-audit") or "",
        main_stream_arn=get("TEAMLINE_MAIN_STREAM_ARN"),
        clock_override=clock_override,
        secure_cookies=secure_cookies,
        vapid_public_key=get("TEAMLINE_VAPID_PUBLIC_KEY"),
        vapid_private_key_file=get("TEAMLINE_VAPID_PRIVATE_KEY_FILE"),
        vapid_private_key_parameter=get("TEAMLINE_VAPID_PRIVATE_KEY_PARAMETER"),
        vapid_subject=get("TEAMLINE_VAPID_SUBJECT", LOCAL_VAPID_SUBJECT if stage in NON_DEPLOYED_STAGES else "") or "",
        log_level=get("TEAMLINE_LOG_LEVEL", "INFO") or "INFO",
        password_profile=password_profile,
        request_deadline_seconds=_deadline(get("TEAMLINE_REQUEST_DEADLINE_SECONDS")),
        dynamodb_read_timeout_seconds=_read_timeout(get("TEAMLINE_DYNAMODB_READ_TIMEOUT_SECONDS"), stage),
        push_hosts=push_hosts or DEFAULT_PUSH_HOSTS,
        export_bucket=get("TEAMLINE_EXPORT_BUCKET", f"teamline-{stage}-exports") or "",
        export_sse=_export_sse(get("TEAMLINE_EXPORT_SSE", "AES256") or "AES256"),
        s3_endpoint=get("TEAMLINE_S3_ENDPOINT"),
        audit_retention_days=_audit_days(get("TEAMLINE_AUDIT_RETENTION_DAYS")),
    )
    if settings.deployed:
        problems = deployed_setting_problems(settings)
        if problems:
            raise ConfigurationError(f"Refusing to start stage {stage!r} with unsafe or placeholder settings: "
                                     + "; ".join(problems) + ". `make deploy` sets these (docs/deploy.md).")
    return settings


def _export_sse(value: str) -> str:
    if value not in ("AES256", "aws:kms"):
        raise ConfigurationError("TEAMLINE_EXPORT_SSE must be AES256 or aws:kms")
    return value


def _audit_days(value: str | None) -> int:
    """Audit rows are kept at least 8 years (as long as a record they describe); a stage may keep them longer."""
    if value is None:
        return 8 * 366
    if not value.isdigit() or int(value) < 8 * 365:
        raise ConfigurationError("TEAMLINE_AUDIT_RETENTION_DAYS must be a whole number of days, at least 2920 (8 years)")
    return int(value)


def _placeholder_host(uri: str) -> bool:
    host = uri.lower().removeprefix("mailto:").removeprefix("https://").split("/", 1)[0].rsplit("@", 1)[-1]
    return not host or "..." in uri or "<" in uri or bool(_PLACEHOLDER_HOST.search(host))


def _deadline(value: str | None) -> float:
    """The request deadline in seconds: 1 to 12 (the API function's timeout is 15 s)."""
    try:
        seconds = float(value) if value else 9.0
    except ValueError as exc:
        raise ConfigurationError("TEAMLINE_REQUEST_DEADLINE_SECONDS must be a number of seconds") from exc
    if not 1 <= seconds <= 12:
        raise ConfigurationError("TEAMLINE_REQUEST_DEADLINE_SECONDS must be between 1 and 12")
    return seconds


def _read_timeout(value: str | None, stage: str) -> float:
    """A DynamoDB attempt's read timeout: 2 s, or longer only in the local and test stages."""
    if not value:
        return 2.0
    if stage not in NON_DEPLOYED_STAGES:
        raise ConfigurationError("TEAMLINE_DYNAMODB_READ_TIMEOUT_SECONDS is only for the local and test stages")
    try:
        return float(value)
    except ValueError as exc:
        raise ConfigurationError("TEAMLINE_DYNAMODB_READ_TIMEOUT_SECONDS must be a number of seconds") from exc


def deployed_setting_problems(settings: Settings) -> list[str]:
    """What stops a deployed stage from starting: settings that are missing, made up, or only for local use.

    A deployed stage that started with a placeholder would fail later and quietly: pushes signed with an
    example contact address (push services use it to reach the sender before blocking them), a stream
    handler bound to a made-up stream, keys read from a file that is not in the Lambda package.
    """
    problems = []
    if not settings.vapid_subject.startswith(("mailto:", "https://")):
        problems.append("TEAMLINE_VAPID_SUBJECT must be a mailto: address or https:// page the Trust monitors")
    elif _placeholder_host(settings.vapid_subject):
        problems.append(f"TEAMLINE_VAPID_SUBJECT {settings.vapid_subject!r} is a placeholder, not the Trust's address")
    if not settings.vapid_public_key:
        problems.append("TEAMLINE_VAPID_PUBLIC_KEY is not set")
    if not settings.vapid_private_key_parameter:
        problems.append("TEAMLINE_VAPID_PRIVATE_KEY_PARAMETER is not set")
    if settings.vapid_private_key_file:
        problems.append("TEAMLINE_VAPID_PRIVATE_KEY_FILE is for local stages; deployed stages read the key from SSM")
    if not settings.main_stream_arn or _PLACEHOLDER_ACCOUNT in settings.main_stream_arn:
        problems.append("TEAMLINE_MAIN_STREAM_ARN must be the main table's stream, not a placeholder")
    if settings.s3_endpoint:
        problems.append("TEAMLINE_S3_ENDPOINT is for local stages; deployed stages use S3 itself")
    return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return this process's settings, read once."""
    return load_settings()


__all__ = ["Settings", "get_settings", "load_settings", "deployed_setting_problems", "NON_DEPLOYED_STAGES"]
