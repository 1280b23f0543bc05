"""Signing in and out, for staff (email) and patients (username).

Each attempt is rate-limited per account and per network address in one conditional write before
any password is checked, and every success and failure is audited. Failures say nothing about
whether the account exists, and cost the same argon2 time either way.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from chalicelib.auth import ratelimit, sessions
from chalicelib.auth.actor import Actor
from chalicelib.auth.passwords import verify_password
from chalicelib.errors import SignInFailed
from chalicelib.models import audit, db
from chalicelib.models import people as people_store
from chalicelib.models import session as session_store
from chalicelib.models.audit import AuditEventType, Someone, audit_event
from chalicelib.models.session import SessionItem


class SignedIn(NamedTuple):
    """A new session: the credential for the cookie and its lifetime in seconds."""

    credential: sessions.Credential
    session: SessionItem
    max_age: int
    must_change_password: bool = False


def _max_age(session: SessionItem, now: datetime) -> int:
    return int((session.absolute_expiry - now).total_seconds())


def _start(now: datetime, who: Someone, event: AuditEventType, device: str) -> SignedIn:
    session, credential = sessions.new_session(now, who.kind, str(who.id), device)
    with db.committed() as tx:
        tx.save(session)
        tx.save(audit_event(now, event, who))
    return SignedIn(credential, session, _max_age(session, now))


def do_staff_sign_in(now: datetime, *, email: object, password: object, address: str, device: str = "") -> SignedIn:
    """Sign a staff member in by email and password."""
    email_text = str(email or "").strip().lower()[:254]
    password_text = str(password or "")[:256]
    ratelimit.hit(now, (ratelimit.SIGN_IN_PER_ACCOUNT, f"staff:{email_text}"), (ratelimit.SIGN_IN_PER_ADDRESS, address))
    staff = people_store.staff_by_email(email_text) if email_text else None
    if staff is None or not verify_password(staff.password_hash if staff else None, password_text) or not staff.active:
        if staff is not None:
            # A failure is the only write here, so its audit row is saved on its own.
            audit.record(audit_event(now, AuditEventType.STAFF_SIGN_IN_FAILED,
                                     Someone("staff", staff.staff_id, staff.trust_id)))
        raise SignInFailed("The email address or password is not right.")
    signed = _start(now, Someone("staff", staff.staff_id, staff.trust_id), AuditEventType.STAFF_SIGNED_IN, device)
    return SignedIn(signed.credential, signed.session, signed.max_age, staff.must_change_password)


def do_patient_sign_in(now: datetime, *, username: object, password: object, address: str, device: str = "") -> SignedIn:
    """Sign a patient in by username and password."""
    name = str(username or "").strip().lower()[:60]
    password_text = str(password or "")[:256]
    ratelimit.hit(now, (ratelimit.SIGN_IN_PER_ACCOUNT, f"patient:{name}"), (ratelimit.SIGN_IN_PER_ADDRESS, address))
    patient = people_store.patient_by_username(name) if name else None
    if patient is None or not verify_password(patient.password_hash if patient else None, password_text) \
            or patient.status != "active":
        if patient is not None:
            audit.record(audit_event(now, AuditEventType.PATIENT_SIGN_IN_FAILED,
                                     Someone("patient", patient.patient_id, patient.trust_id)))
        raise SignInFailed("The username or password is not right.")
    return _start(now, Someone("patient", patient.patient_id, patient.trust_id), AuditEventType.PATIENT_SIGNED_IN,
                  device)


def do_sign_out(now: datetime, actor: Actor) -> None:
    """End this device's session."""
    with db.committed() as tx:
        tx.delete(actor.session)
        tx.save(audit_event(now, AuditEventType.SIGNED_OUT, actor))


def revoke_all_sessions(actor_id: str, *, keep: str | None = None) -> int:
    """Delete every session of one person (all devices, except ``keep``); returns how many were ended.

    Not a ``do_*``: it is a step of other actions (a password change, a reset, a re-link), which
    audit what caused it. A person has a handful of sessions; they go in one BatchWriteItem.
    """
    live = [s for s in session_store.sessions_of(actor_id) if s.pk != keep]
    session_store.delete_all(live)
    return len(live)


def do_sign_out_everywhere(now: datetime, actor: Actor) -> int:
    """End every session this person has, on every device, and audit it.

    The sessions go in a BatchWriteItem (there may be more than a transaction's worth), so the audit
    row is written after them, on its own: if it failed, the person is signed out and the request
    answers 503; the audit row is lost, but nothing is left half-done for a retry to trip over.
    """
    count = revoke_all_sessions(actor.id)
    audit.record(audit_event(now, AuditEventType.SIGNED_OUT_EVERYWHERE, actor, detail={"sessions": count}))
    return count
