"""One codec for the page cursors Teamline puts in URLs: DynamoDB's LastEvaluatedKey, made opaque.

A cursor is the key's string attributes as compact JSON in URL-safe base64. Decoding checks that it
has exactly the attributes of the index it is for and that it belongs to the same list (its
partition value), so a cursor from one team's inbox cannot page through another's.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from chalicelib.errors import ValidationError

_MAX_VALUE = 300


def encode(key: dict[str, Any] | None) -> str | None:
    """A LastEvaluatedKey (``{"pk": {"S": ...}, ...}``) as an opaque cursor; None stays None."""
    if not key:
        return None
    flat = {name: value["S"] for name, value in key.items()}
    return base64.urlsafe_b64encode(json.dumps(flat, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, *, names: set[str], partition: tuple[str, str]) -> dict[str, Any] | None:
    """The ExclusiveStartKey for ``cursor``; it must have exactly ``names`` and ``partition`` (name, value)."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        flat = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(flat, dict) or set(flat) != names or flat.get(partition[0]) != partition[1]:
            raise ValueError("cursor for another list")
        if not all(isinstance(v, str) and len(v) < _MAX_VALUE for v in flat.values()):
            raise ValueError("bad cursor values")
    except (ValueError, UnicodeDecodeError, TypeError) as exc:
        raise ValidationError("That page link is not valid.", field="cursor") from exc
    return {name: {"S": value} for name, value in flat.items()}
