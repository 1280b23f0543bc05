"""Signing in and out, for staff (email) and patients (username).

Every attempt is throttled before a password is checked (``auth.throttle``: failures count per
account-and-address with backoff, per account from unknown browsers, and per address), and every
success and failure is audited. Finding no account costs what finding one does (the same reads, an
argon2 hash, one write), so neither the answer nor its timing says whether an account exists.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from chalicelib.auth import sessions, throttle
from chalicelib.auth.actor import Actor
from chalicelib.auth.passwords import verify_password
from chalicelib.errors import SignInFailed
from chalicelib.ids import new_token
from chalicelib.models import audit, db
from chalicelib.models import people as people_store
from chalicelib.models import session as session_store
from chalicelib.models.audit import AuditEventType, Someone, audit_event
from chalicelib.models.people import PatientItem, StaffItem
from chalicelib.models.session import SessionItem

OTP_EXPIRED = "Your one-time password has expired. Ask your Trust admin for a new one."


class SignedIn(NamedTuple):
    """A new session: the credential for the cookie, its lifetime in seconds, and this browser's device token."""

    credential: sessions.Credential
    session: SessionItem
    max_age: int
    must_change_password: bool = False
    device_token: str = ""


def _max_age(session: SessionItem, now: datetime) -> int:
    return int((session.absolute_expiry - now).total_seconds())


def _start(now: datetime, who: Someone, event: AuditEventType, attempt: throttle.Attempt, device: str) -> SignedIn:
    """A new session, its audit row and (for a browser new to the account) its device record; one transaction."""
    session, credential = sessions.new_session(now, who.kind, str(who.id), device)
    token = attempt.device_token or new_token()
    with db.committed() as tx:
        tx.save(session)
        tx.save(audit_event(now, event, who))
        tx.save(throttle.remember_device(attempt, token, now))
    return SignedIn(credential, session, _max_age(session, now), device_token=token)


def _failed(now: datetime, attempt: throttle.Attempt, known: bool, who: Someone, event: AuditEventType,
            message: str) -> SignInFailed:
    """Count and audit a failure (one transaction); the error to raise."""
    detail = None if who.id else {"account": "unknown"}
    throttle.record_failure(attempt, now, known=known, also_save=[audit_event(now, event, who, detail=detail)])
    return SignInFailed(message)


def do_staff_sign_in(now: datetime, *, email: object, password: object, address: str, device: str = "",
                     device_token: str | None = None) -> SignedIn:
    """Sign a staff member in by email and password."""
    email_text = str(email or "").strip().lower()[:254]
    attempt = throttle.Attempt(f"staff:{email_text}", address, device_token)
    known = throttle.check(attempt, now)
    staff = people_store.staff_by_email(email_text)
    right = verify_password(staff.password_hash if staff else None, str(password or "")[:256])
    who = Someone("staff", staff.staff_id, staff.trust_id) if staff else Someone("staff", None, None)
    if staff is None or not right or not staff.active:
        raise _failed(now, attempt, known, who, AuditEventType.STAFF_SIGN_IN_FAILED,
                      "The email address or password is not right.")
    if _one_time_password_expired(staff, now):
        raise _failed(now, attempt, known, who, AuditEventType.STAFF_SIGN_IN_FAILED, OTP_EXPIRED)
    signed = _start(now, who, AuditEventType.STAFF_SIGNED_IN, attempt, device)
    return signed._replace(must_change_password=bool(staff.must_change_password))


def _one_time_password_expired(staff: StaffItem, now: datetime) -> bool:
    return bool(staff.must_change_password and staff.password_expires_at and now >= staff.password_expires_at)


def check_patient_credentials(now: datetime, *, username: object, password: object, address: str,
                              device_token: str | None = None) -> PatientItem:
    """The patient these credentials belong to (throttled and, on failure, audited) or SignInFailed."""
    name = str(username or "").strip().lower()[:60]
    attempt = throttle.Attempt(f"patient:{name}", address, device_token)
    known = throttle.check(attempt, now)
    patient = people_store.patient_by_username(name)
    right = verify_password(patient.password_hash if patient else None, str(password or "")[:256])
    if patient is None or not right or patient.status != "active":
        who = Someone("patient", patient.patient_id, patient.trust_id) if patient else Someone("patient", None, None)
        raise _failed(now, attempt, known, who, AuditEventType.PATIENT_SIGN_IN_FAILED,
                      "The username or password is not right.")
    return patient


def do_patient_sign_in(now: datetime, *, username: object, password: object, address: str, device: str = "",
                       device_token: str | None = None) -> SignedIn:
    """Sign a patient in by username and password."""
    patient = check_patient_credentials(now, username=username, password=password, address=address,
                                        device_token=device_token)
    attempt = throttle.Attempt(f"patient:{patient.username}", address, device_token)
    return _start(now, Someone("patient", patient.patient_id, patient.trust_id), AuditEventType.PATIENT_SIGNED_IN,
                  attempt, device)


def do_sign_out(now: datetime, actor: Actor) -> None:
    """End this device's session."""
    with db.committed() as tx:
        tx.delete(actor.session)
        tx.save(audit_event(now, AuditEventType.SIGNED_OUT, actor))


def revoke_all_sessions(actor_id: str, *, keep: str | None = None) -> int:
    """Delete every session of one person (all devices, except ``keep``); returns how many were ended.

    Not a ``do_*``: it is a step of other actions (a password change, a reset, a recovery, a
    deactivation), which audit what caused it. A person has a handful of sessions; they go in one
    BatchWriteItem.
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
