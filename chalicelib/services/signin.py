"""Signing in and out, for staff (email) and patients (username).

Each attempt is rate-limited per account and per network address in one conditional write before
any password is checked, and every success and failure is audited. Failures say nothing about
whether the account exists, and cost the same argon2 time either way.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from pynamodb.exceptions import DoesNotExist, PynamoDBException

from chalicelib.auth import ratelimit, sessions
from chalicelib.auth.actor import Actor
from chalicelib.auth.passwords import verify_password
from chalicelib.errors import ServiceUnavailable, SignInFailed
from chalicelib.models import db, keys
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.items import PatientItem, SessionItem, StaffEmailItem, StaffItem, UsernameItem


class SignedIn(NamedTuple):
    """A new session: the credential for the cookie and its lifetime in seconds."""

    credential: sessions.Credential
    session: SessionItem
    max_age: int
    must_change_password: bool = False


def _max_age(session: SessionItem, now: datetime) -> int:
    return int((session.absolute_expiry - now).total_seconds())


def _get(model: type, key: tuple[str, str]) -> object | None:
    try:
        return model.get(*key)  # type: ignore[attr-defined]
    except DoesNotExist:
        return None
    except PynamoDBException as exc:
        raise ServiceUnavailable() from exc


def _start(now: datetime, kind: str, actor_id: str, trust_id: str, event: AuditEventType, device: str) -> SignedIn:
    session, credential = sessions.new_session(now, kind, actor_id, device)
    with db.transaction() as tx:
        tx.save(session)
        tx.save(audit_event(now, event, actor_kind=kind, actor_id=actor_id, trust_id=trust_id,
                            patient_id=actor_id if kind == "patient" else None))
    return SignedIn(credential, session, _max_age(session, now))


def do_staff_sign_in(now: datetime, *, email: object, password: object, address: str, device: str = "") -> SignedIn:
    """Sign a staff member in by email and password."""
    email_text = str(email or "").strip().lower()[:254]
    password_text = str(password or "")[:256]
    ratelimit.hit(now, (ratelimit.SIGN_IN_PER_ACCOUNT, f"staff:{email_text}"), (ratelimit.SIGN_IN_PER_ADDRESS, address))
    link = _get(StaffEmailItem, keys.staff_email(email_text)) if email_text else None
    staff = _get(StaffItem, keys.staff(link.staff_id)) if isinstance(link, StaffEmailItem) else None
    if not isinstance(staff, StaffItem) or not verify_password(staff.password_hash if staff else None, password_text) \
            or not staff.active:
        if isinstance(staff, StaffItem):
            audit_event(now, AuditEventType.STAFF_SIGN_IN_FAILED, actor_kind="staff", actor_id=staff.staff_id,
                        trust_id=staff.trust_id).save()
        raise SignInFailed("The email address or password is not right.")
    signed = _start(now, "staff", staff.staff_id, staff.trust_id, AuditEventType.STAFF_SIGNED_IN, device)
    return SignedIn(signed.credential, signed.session, signed.max_age, staff.must_change_password)


def do_patient_sign_in(now: datetime, *, username: object, password: object, address: str, device: str = "") -> SignedIn:
    """Sign a patient in by username and password."""
    name = str(username or "").strip().lower()[:60]
    password_text = str(password or "")[:256]
    ratelimit.hit(now, (ratelimit.SIGN_IN_PER_ACCOUNT, f"patient:{name}"), (ratelimit.SIGN_IN_PER_ADDRESS, address))
    link = _get(UsernameItem, keys.patient_username(name)) if name else None
    patient = _get(PatientItem, keys.patient(link.patient_id)) if isinstance(link, UsernameItem) else None
    if not isinstance(patient, PatientItem) or not verify_password(patient.password_hash if patient else None, password_text) \
            or patient.status != "active":
        if isinstance(patient, PatientItem):
            audit_event(now, AuditEventType.PATIENT_SIGN_IN_FAILED, actor_kind="patient", actor_id=patient.patient_id,
                        trust_id=patient.trust_id, patient_id=patient.patient_id).save()
        raise SignInFailed("The username or password is not right.")
    return _start(now, "patient", patient.patient_id, patient.trust_id, AuditEventType.PATIENT_SIGNED_IN, device)


def do_sign_out(now: datetime, actor: Actor) -> None:
    """End this device's session."""
    with db.transaction() as tx:
        tx.delete(actor.session)
        tx.save(audit_event(now, AuditEventType.SIGNED_OUT, actor_kind=actor.kind, actor_id=actor.id,
                            trust_id=actor.trust_id, patient_id=actor.id if actor.is_patient else None))


def revoke_all_sessions(actor_id: str, *, keep: str | None = None) -> int:
    """Delete every session of one person (all devices, except ``keep``); returns how many were ended."""
    try:
        live = [s for s in SessionItem.by_gsi1.query(keys.actor_sessions(actor_id)) if s.pk != keep]
        with SessionItem.batch_write() as batch:
            for item in live:
                batch.delete(item)
    except PynamoDBException as exc:
        raise ServiceUnavailable() from exc
    return len(live)


def do_sign_out_everywhere(now: datetime, actor: Actor) -> int:
    """End every session this person has, on every device, and audit it."""
    count = revoke_all_sessions(actor.id)
    audit_event(now, AuditEventType.SIGNED_OUT_EVERYWHERE, actor_kind=actor.kind, actor_id=actor.id,
                trust_id=actor.trust_id, patient_id=actor.id if actor.is_patient else None,
                detail={"sessions": count}).save()
    return count
