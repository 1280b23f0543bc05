"""Sessions: a random bearer token in a ``__Host-`` cookie, its SHA-256 stored in DynamoDB with TTL.

The cookie value is ``<kind>.<actor id>.<token>``. The kind and actor id are only a *hint*: they let
a request fetch the session, the actor's profile and the data it wants in one BatchGetItem. Nothing
fetched is used until ``verify`` has checked that the stored session (found by the token's hash)
belongs to that same actor, so a forged hint gains nothing.

Lifetimes: staff sessions die after 30 minutes idle or 12 hours in all; patient sessions after 30
days idle or 90 days in all, and a patient can end all of theirs ("sign out of all devices").
``last_seen_at`` is refreshed at most every ``TOUCH_INTERVAL`` so reads do not each cost a write;
the idle timeout is therefore exact to within that interval.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import NamedTuple

from chalicelib.errors import Unauthenticated
from chalicelib.ids import new_token, token_hash
from chalicelib.models import keys
from chalicelib.models.session import SessionItem, new_session_item

STAFF_IDLE = timedelta(minutes=30)
STAFF_ABSOLUTE = timedelta(hours=12)
PATIENT_IDLE = timedelta(days=30)
PATIENT_ABSOLUTE = timedelta(days=90)
TOUCH_INTERVAL = timedelta(minutes=5)
ACTOR_KINDS = ("patient", "staff")


class Credential(NamedTuple):
    """What a request's cookie claims: who (unverified) and the bearer token."""

    actor_kind: str
    actor_id: str
    token: str

    @property
    def session_key(self) -> tuple[str, str]:
        return keys.session(token_hash(self.token))

    @property
    def profile_key(self) -> tuple[str, str]:
        return keys.patient(self.actor_id) if self.actor_kind == "patient" else keys.staff(self.actor_id)

    def cookie_value(self) -> str:
        return f"{self.actor_kind}.{self.actor_id}.{self.token}"


def parse_cookie_value(value: str | None) -> Credential | None:
    """Parse a session cookie value; anything malformed is treated as no cookie."""
    if not value or len(value) > 256:
        return None
    parts = value.split(".", 2)
    if len(parts) != 3:
        return None
    kind, actor_id, token = parts
    if kind not in ACTOR_KINDS or not actor_id.isalnum() or len(token) < 22:
        return None
    return Credential(kind, actor_id, token)


def new_session(now: datetime, actor_kind: str, actor_id: str, device_label: str = "") -> tuple[SessionItem, Credential]:
    """Create (not save) a session for a freshly signed-in actor and the credential for its cookie."""
    token = new_token()
    idle, absolute = (STAFF_IDLE, STAFF_ABSOLUTE) if actor_kind == "staff" else (PATIENT_IDLE, PATIENT_ABSOLUTE)
    absolute_expiry = now + absolute
    item = new_session_item(token_hash(token), actor_kind, actor_id, csrf_token=new_token(), now=now,
                            absolute_expiry=absolute_expiry, idle_seconds=int(idle.total_seconds()),
                            device_label=device_label[:80], expires_at=min(absolute_expiry, now + idle))
    return item, Credential(actor_kind, actor_id, token)


def verify(session: SessionItem | None, credential: Credential, now: datetime) -> SessionItem:
    """Return the session if it is live and belongs to the credential's actor; else raise Unauthenticated."""
    if session is None or not isinstance(session, SessionItem):
        raise Unauthenticated()
    if not hmac.compare_digest(session.actor_id, credential.actor_id) or session.actor_kind != credential.actor_kind:
        raise Unauthenticated()
    if now >= session.absolute_expiry:
        raise Unauthenticated("Your session has ended. Please sign in again.")
    if now - session.last_seen_at >= timedelta(seconds=session.idle_timeout_seconds):
        raise Unauthenticated("You were signed out because Teamline was not used for a while. Please sign in again.")
    return session


def needs_touch(session: SessionItem, now: datetime) -> bool:
    """True when ``last_seen_at`` is stale enough to be worth a write."""
    return now - session.last_seen_at >= TOUCH_INTERVAL


def touched_expiry(session: SessionItem, now: datetime) -> datetime:
    """The TTL a session should carry after being seen at ``now``."""
    return min(session.absolute_expiry, now + timedelta(seconds=session.idle_timeout_seconds))


def csrf_matches(session: SessionItem, presented: str | None) -> bool:
    """Compare a presented anti-forgery token with the session's, in constant time."""
    return bool(presented) and hmac.compare_digest(session.csrf_token, presented or "")
