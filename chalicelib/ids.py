"""Identifiers and secrets: sortable ids for records, unguessable tokens for credentials."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Invite-code alphabet: no 0/O, 1/I/L, U, so a code read aloud or typed on a phone survives.
INVITE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
INVITE_CODE_LENGTH = 10  # 30^10 ≈ 5.9e14 codes; with rate limiting guessing is hopeless


def new_id(at: datetime | None = None) -> str:
    """Return a 26-character ULID-style id that sorts by creation time when ``at`` is given."""
    millis = int(at.timestamp() * 1000) if at is not None else 0
    time_part = "".join(_CROCKFORD[(millis >> shift) & 31] for shift in range(45, -1, -5))
    rand = int.from_bytes(os.urandom(10), "big")
    rand_part = "".join(_CROCKFORD[(rand >> shift) & 31] for shift in range(75, -1, -5))
    return (time_part + rand_part).lower()


def new_token() -> str:
    """Return a URL-safe secret with 256 bits of entropy (sessions, CSRF)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Hash a bearer secret for storage: a stolen table dump must not yield working tokens."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_invite_code() -> str:
    """Return a fresh single-use invite code, e.g. ``K7QM-3XVA-HP``."""
    return "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_CODE_LENGTH))


def normalise_invite_code(text: str) -> str:
    """Normalise a typed invite code: drop spaces and dashes, upper-case."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def format_invite_code(code: str) -> str:
    """Group a code for reading aloud: ``ABCD-EFGH-JK``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
