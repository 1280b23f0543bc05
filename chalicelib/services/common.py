"""Small pieces several services share."""

from __future__ import annotations

from datetime import datetime

from chalicelib.auth import sessions
from chalicelib.auth.actor import Actor
from chalicelib.models import db
from chalicelib.models import session as session_store


def touch_session(tx: db.Transaction, actor: Actor, now: datetime) -> None:
    """Refresh the actor's session in a transaction that is writing anyway, when it is due (no extra round trip)."""
    if sessions.needs_touch(actor.session, now):
        tx.update(actor.session, actions=session_store.touch_actions(now, sessions.touched_expiry(actor.session, now)))


def staff_label(actor: Actor) -> str:
    """How a clinician is named to patients: first name and role, never a personal number."""
    staff = actor.staff
    if staff is None:
        return ""
    return f"{staff.given_name} ({staff.job_title})" if staff.job_title else staff.given_name
