"""What a push notification may say.

A push payload passes through the browser vendor's push service and is shown on a lock screen, so
it never carries clinical content, names or message text: only a fixed sentence per audience and an
opaque ``ref`` the service worker uses to fetch the real message over the authenticated API. Keeping
the wording here, as constants, makes that rule one place to review.
"""

from __future__ import annotations

import json
import re
from typing import Final, Literal

Audience = Literal["patient", "staff"]
#: What a push is about: a new message for a patient or for staff, or a patient's team changed its rota.
Kind = Literal["patient", "staff", "rota_changed"]

TITLE: Final = "Teamline"
BODIES: Final[dict[str, str]] = {
    "patient": "New message from your care team",
    "staff": "New message in your team inbox",
    "rota_changed": "Your team's contact rota has changed",
}
#: Who reads each kind (the payload's ``audience``).
AUDIENCES: Final[dict[str, Audience]] = {"patient": "patient", "staff": "staff", "rota_changed": "patient"}

# RFC 8291 aes128gcm in one 4,096-byte record: 86 bytes of header (salt, record size, key id length,
# 65-byte key), a 1-byte padding delimiter and a 16-byte tag leave 3,993 bytes of plaintext.
MAX_PLAINTEXT: Final = 3993

_REF = re.compile(r"[A-Za-z0-9_-]{1,64}")


class PayloadTooLargeError(ValueError):
    """A plaintext payload would not fit in one Web Push record (a bug in the caller, never user input)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"push payload is {size} bytes; the limit is {MAX_PLAINTEXT}")
        self.size = size


def check_size(data: bytes) -> None:
    """Raise PayloadTooLargeError if ``data`` is over the Web Push plaintext limit."""
    if len(data) > MAX_PLAINTEXT:
        raise PayloadTooLargeError(len(data))


def build_payload(kind: Kind, ref: str, *, urgent: bool = False) -> bytes:
    """Return the compact JSON payload for a notification of ``kind`` (a new message to ``patient`` or ``staff``,
    or ``rota_changed``: a patient's team changed its published rota).

    The keys are ``title``, ``body``, ``ref`` and ``audience``, plus ``"urgent": true`` only when
    ``urgent`` is set (the service worker then keeps the notification until it is dismissed). The
    text never changes with urgency, so nothing about the message shows on a lock screen; a rota
    notice names neither the team nor anyone on the rota.
    """
    if kind not in BODIES:
        raise ValueError(f"unknown push audience: {kind!r}")
    if not isinstance(ref, str) or _REF.fullmatch(ref) is None:
        raise ValueError("push ref must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'")
    fields: dict[str, str | bool] = {"title": TITLE, "body": BODIES[kind], "ref": ref, "audience": AUDIENCES[kind]}
    if urgent:
        fields["urgent"] = True
    data = json.dumps(fields, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    check_size(data)
    return data
