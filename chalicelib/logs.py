"""Structured (JSON) logging that never carries clinical content or secrets.

Log lines are JSON objects with an event name and a small set of whitelisted fields. Free text from
users (message bodies, names, NHS numbers) and credentials (session tokens, invite codes, passwords)
must never reach a log: ``log_event`` drops any field whose name is not in ``SAFE_FIELDS`` and a test
plants canaries to prove it.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

#: Field names that may appear in a log line. Values are ids, counts, codes and timings only.
SAFE_FIELDS = frozenset(
    {
        "route", "method", "status", "code", "duration_ms", "round_trips", "request_id",
        "actor_kind", "actor_id", "team_id", "conversation_id", "message_id", "stage",
        "operation", "attempts", "outcome", "count", "subscription_id", "kind", "error_type",
        "retry_after", "table", "path_template",
    }
)

_logger = logging.getLogger("teamline")


class JsonFormatter(logging.Formatter):
    """Format records as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {"level": record.levelname, "event": record.getMessage()}
        fields = getattr(record, "teamline_fields", None)
        if fields:
            payload.update(fields)
        return json.dumps(payload, separators=(",", ":"), default=str)


#: Libraries that log whole DynamoDB requests and responses (message text, NHS numbers, token hashes) at
#: DEBUG. They are held at WARNING whatever the root logger's level, so turning on debug logs cannot leak.
QUIET_LIBRARIES = ("botocore", "boto3", "pynamodb", "urllib3", "s3transfer")


def configure(level: str = "INFO") -> None:
    """Send Teamline's logs to stderr as JSON lines (idempotent)."""
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    if any(isinstance(h.formatter, JsonFormatter) for h in _logger.handlers):
        _logger.setLevel(level)
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    _logger.addHandler(handler)
    _logger.setLevel(level)
    _logger.propagate = True


def log_event(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log ``event`` with only the whitelisted fields; anything else is dropped, not redacted."""
    safe = {k: v for k, v in fields.items() if k in SAFE_FIELDS}
    _logger.log(level, event, extra={"teamline_fields": safe})
