"""Signed-in devices: one item per session, keyed by the SHA-256 of its bearer token (see ``auth.sessions``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError

from chalicelib.errors import ServiceUnavailable
from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import storage


class SessionItem(MainItem, discriminator="session"):
    """A signed-in device: keyed by the SHA-256 of its bearer token."""

    actor_kind = UnicodeAttribute()  # patient | staff
    actor_id = UnicodeAttribute()
    csrf_token = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_seen_at = UTCDateTimeAttribute()
    absolute_expiry = UTCDateTimeAttribute()
    idle_timeout_seconds = NumberAttribute()
    device_label = UnicodeAttribute(default="")


def new_session_item(token_hash: str, actor_kind: str, actor_id: str, *, csrf_token: str, now: datetime,
                     absolute_expiry: datetime, idle_seconds: int, device_label: str,
                     expires_at: datetime) -> SessionItem:
    """A session record, listed with its owner's other sessions (so all can be ended at once)."""
    return SessionItem(*keys.session(token_hash), actor_kind=actor_kind, actor_id=actor_id, csrf_token=csrf_token,
                       created_at=now, last_seen_at=now, absolute_expiry=absolute_expiry,
                       idle_timeout_seconds=idle_seconds, device_label=device_label,
                       gsi1pk=keys.actor_sessions(actor_id), gsi1sk=keys.iso(now), expires_at=expires_at)


def sessions_of(actor_id: str) -> list[SessionItem]:
    """Every session one person has (one Query on gsi1)."""
    with storage():
        return [s for s in SessionItem.by_gsi1.query(keys.actor_sessions(actor_id)) if isinstance(s, SessionItem)]


def delete_all(items: list[SessionItem]) -> None:
    """Delete sessions (BatchWriteItem, 25 at a time)."""
    with storage(), SessionItem.batch_write() as batch:
        for item in items:
            batch.delete(item)


def touch(session: SessionItem, now: datetime, expires_at: datetime) -> bool:
    """Record that a session was used at ``now``; False if it was deleted meanwhile (signed out)."""
    try:
        session.update(actions=[SessionItem.last_seen_at.set(now), SessionItem.expires_at.set(expires_at)],
                       condition=SessionItem.pk.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise ServiceUnavailable() from exc
    return True


def touch_actions(now: datetime, expires_at: datetime) -> list[Any]:
    """The same refresh, as actions for a transaction that is writing anyway."""
    return [SessionItem.last_seen_at.set(now), SessionItem.expires_at.set(expires_at)]
