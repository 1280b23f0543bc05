"""Rules for a message's text and its client-made id. Pure: no I/O."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from chalicelib.errors import ValidationError

MAX_LENGTH = 2000
PREVIEW_LENGTH = 120
#: Client message ids are UUIDs (crypto.randomUUID() in the PWA); anything else is refused.
_CLIENT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Control characters other than newline and tab are removed: they render as nothing, or worse.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_body(text: object, *, field: str = "body") -> str:
    """Trim and check a message's text: 1 to 2,000 characters after trimming."""
    if not isinstance(text, str):
        raise ValidationError("Write a message before sending.", field=field)
    cleaned = unicodedata.normalize("NFC", _CONTROL.sub("", text.replace("\r\n", "\n"))).strip()
    if not cleaned:
        raise ValidationError("Write a message before sending.", field=field)
    if len(cleaned) > MAX_LENGTH:
        raise ValidationError(
            f"Your message is {len(cleaned):,} characters long. Messages can be up to {MAX_LENGTH:,} characters.",
            field=field,
        )
    return cleaned


def clean_client_id(value: object, *, field: str = "client_id") -> str:
    """Check a client-made message id (a lower-case UUID)."""
    if not isinstance(value, str) or not _CLIENT_ID.match(value.lower()):
        raise ValidationError("The message id must be a UUID made by the app.", field=field)
    return value.lower()


def body_digest(body: str) -> str:
    """A digest of a message's text, to tell a retried send from a different one with the same id."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def preview(body: str) -> str:
    """The first line-ish of a message for the inbox list."""
    flat = " ".join(body.split())
    return flat if len(flat) <= PREVIEW_LENGTH else flat[: PREVIEW_LENGTH - 1].rstrip() + "…"
