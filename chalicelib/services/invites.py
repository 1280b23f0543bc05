"""Inviting patients, and a patient accepting an invite on their phone.

Patients never register themselves. A clinician enters the young person's name, date of birth and
(optionally) NHS number; Teamline makes a single-use code, valid 7 days, shown as text and as a QR
code. The patient opens the link or types the code, confirms their date of birth, accepts the
communication agreement, chooses a username and password, and is signed in.

A forgotten password is handled the same way: the team issues a fresh code for the existing patient
("relink"), which keeps their account and every message, and lets them set a new password.

Only the SHA-256 of a code is stored. Guessing is limited per network address, and date-of-birth
attempts are limited per code so a leaked code cannot be brute-forced against birthdays.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from pynamodb.exceptions import TransactWriteError

from chalicelib.auth import ratelimit, sessions
from chalicelib.auth.passwords import check_new_password, hash_password
from chalicelib.domain.people import clean_date_of_birth, clean_name, clean_nhs_number, clean_username
from chalicelib.errors import Conflict, Gone, NotFound, ServiceUnavailable, ValidationError
from chalicelib.ids import format_invite_code, new_id, new_invite_code, normalise_invite_code, token_hash
from chalicelib.models import conversation as conversation_store
from chalicelib.models import db
from chalicelib.models import people as people_store
from chalicelib.models.audit import AuditEventType, Someone, audit_event
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.invite import InviteItem, get_invite, new_invite
from chalicelib.models.people import NhsNumberItem, PatientItem, UsernameItem
from chalicelib.scopes import StaffTeam
from chalicelib.services.signin import SignedIn, revoke_all_sessions

INVITE_LIFETIME = timedelta(days=7)


class InviteResult(NamedTuple):
    """A fresh code for a patient: shown once to the clinician, never stored in clear."""

    code: str
    expires_at: datetime
    patient: PatientItem
    relink: bool


def _code_hash(code: str) -> str:
    return token_hash(normalise_invite_code(code))


def _new_invite(now: datetime, patient_id: str, team_id: str, created_by: str, purpose: str) -> tuple[InviteItem, str]:
    code = new_invite_code()
    item = new_invite(_code_hash(code), patient_id=patient_id, team_id=team_id, created_by=created_by, now=now,
                      valid_until=now + INVITE_LIFETIME, purpose=purpose)
    return item, code


def do_invite_patient(
    st: StaffTeam, now: datetime, *, given_name: object, family_name: object, date_of_birth: object,
    nhs_number: object = None,
) -> InviteResult:
    """Create (or find, by NHS number) a patient and a 7-day invite into the clinician's team."""
    given = clean_name(given_name, field="given_name", label="first name")
    family = clean_name(family_name, field="family_name", label="last name")
    dob = clean_date_of_birth(date_of_birth, today=now.date())
    number = clean_nhs_number(nhs_number)
    trust_id = st.actor.trust_id
    existing: PatientItem | None = None
    if number:
        claimed_by = people_store.patient_id_by_nhs_number(trust_id, number)
        if claimed_by is not None:
            found = people_store.get_patient(claimed_by)
            if found is None or found.date_of_birth != dob:
                raise Conflict(
                    "That NHS number is already registered with a different date of birth. Check both and try again.",
                    field="nhs_number",
                )
            existing = found
    patient = existing or people_store.new_patient(new_id(now), trust_id, given_name=given, family_name=family,
                                                   date_of_birth=dob, nhs_number=number, now=now)
    relink = bool(existing and st.team.team_id in (existing.teams or {}))
    invite, code = _new_invite(now, patient.patient_id, st.team.team_id, st.actor.id, "relink" if relink else "join")
    try:
        with db.transaction() as tx:
            if not existing:
                tx.save(patient, condition=PatientItem.pk.does_not_exist())
                if number:
                    tx.save(people_store.nhs_number_claim(trust_id, number, patient.patient_id),
                            condition=NhsNumberItem.pk.does_not_exist())
            tx.save(invite, condition=InviteItem.pk.does_not_exist())
            tx.save(audit_event(now, AuditEventType.PATIENT_INVITED, st.actor, team_id=st.team.team_id,
                                patient_id=patient.patient_id, detail={"relink": relink}))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            raise Conflict("Someone else just registered that NHS number. Please try again.", field="nhs_number") from exc
        raise ServiceUnavailable() from exc
    return InviteResult(format_invite_code(code), invite.valid_until, patient, relink)


def do_reinvite_patient(st: StaffTeam, now: datetime, patient_id: str) -> InviteResult:
    """Issue a fresh code for a patient of this team (a lost phone or forgotten password); history is kept."""
    patient, conversation = conversation_store.patient_and_conversation(patient_id, st.team.team_id)
    in_team = patient is not None and (st.team.team_id in (patient.teams or {}) or conversation is not None)
    if patient is None or not in_team or patient.trust_id != st.actor.trust_id:
        raise NotFound("We could not find that patient in this team.")
    invite, code = _new_invite(now, patient_id, st.team.team_id, st.actor.id, "relink")
    with db.committed() as tx:
        tx.save(invite, condition=InviteItem.pk.does_not_exist())
        tx.save(audit_event(now, AuditEventType.PATIENT_REINVITED, st.actor, team_id=st.team.team_id,
                            patient_id=patient_id))
    return InviteResult(format_invite_code(code), invite.valid_until, patient, True)


class CheckedInvite(NamedTuple):
    """An invite that is live and whose date of birth has been confirmed."""

    invite: InviteItem
    patient: PatientItem
    code: str


def _load_invite(now: datetime, code: object, address: str) -> tuple[InviteItem, str]:
    normalised = normalise_invite_code(str(code or ""))[:40]
    ratelimit.hit(now, (ratelimit.INVITE_PER_ADDRESS, address))
    if len(normalised) != 10:
        raise ValidationError("Enter the 10-character code from your care team, for example K7QM-3XVA-HP.", field="code")
    invite = get_invite(_code_hash(normalised))
    if invite is None:
        raise NotFound("That code is not right. Check it, or ask your care team for a new one.", field="code")
    if invite.used_at is not None:
        raise Gone("That code has already been used. Ask your care team for a new one.", field="code")
    if now >= invite.valid_until:
        raise Gone("That code has expired. Codes last 7 days. Ask your care team for a new one.", field="code")
    return invite, normalised


def check_invite(now: datetime, *, code: object, date_of_birth: str, address: str) -> CheckedInvite:
    """Check a typed code and date of birth; wrong birthdays are counted against the code."""
    invite, normalised = _load_invite(now, code, address)
    # Only wrong birthdays count against the code, so a patient who mistyped a few times can still finish.
    ratelimit.check(now, ratelimit.INVITE_DOB_PER_CODE, token_hash(normalised))
    patient = people_store.get_patient(invite.patient_id)
    if patient is None:  # an invite is written with (or after) its patient; this cannot happen
        raise ServiceUnavailable()
    if patient.date_of_birth != date_of_birth:
        ratelimit.hit(now, (ratelimit.INVITE_DOB_PER_CODE, token_hash(normalised)))
        raise ValidationError(
            "That date of birth does not match what your care team entered. Check it, or ask them.",
            field="date_of_birth",
        )
    return CheckedInvite(invite, patient, normalised)


def do_accept_invite(
    now: datetime, checked: CheckedInvite, *, username: object, password: object, agreed: bool, device: str = "",
) -> SignedIn:
    """Activate the patient's account (or re-link it), join the team, and sign them in; all in one transaction."""
    if not agreed:
        raise ValidationError("Read the agreement and tick the box to say you agree.", field="agreement")
    patient, invite = checked.patient, checked.invite
    name = clean_username(username)
    check_new_password(str(password or ""))
    teams = dict(patient.teams or {})
    joining = invite.team_id not in teams
    teams.setdefault(invite.team_id, now.isoformat())
    session, credential = sessions.new_session(now, "patient", patient.patient_id, device)
    conversation = conversation_store.new_conversation(
        invite.team_id, patient.patient_id, patient_name=patient.display_name, family_name=patient.family_name,
        given_name=patient.given_name, now=now)
    tx = db.transaction()
    try:
        with tx:
            tx.update(invite, actions=[InviteItem.used_at.set(now)], condition=InviteItem.used_at.does_not_exist(),
                      label="invite")
            if name != (patient.username or ""):
                tx.save(people_store.username_claim(name, patient.patient_id),
                        condition=UsernameItem.pk.does_not_exist(), label="username")
                if patient.username:
                    tx.delete(people_store.username_claim(patient.username), label="old_username")
            tx.update(
                patient,
                actions=[
                    PatientItem.username.set(name),
                    PatientItem.password_hash.set(hash_password(str(password))),
                    PatientItem.status.set("active"),
                    PatientItem.teams.set(teams),
                    PatientItem.agreement_accepted_at.set(now),
                ],
                condition=PatientItem.teams == (patient.teams or {}),
                label="patient",
            )
            if joining:
                tx.save(conversation, condition=ConversationItem.pk.does_not_exist(), label="conversation")
            tx.save(session, label="session")
            tx.save(audit_event(now, AuditEventType.INVITE_ACCEPTED,
                                Someone("patient", patient.patient_id, patient.trust_id), team_id=invite.team_id,
                                detail={"purpose": invite.purpose}), label="audit")
    except TransactWriteError as exc:
        failed = tx.failed_labels(exc)
        if "invite" in failed:
            raise Gone("That code has already been used. Ask your care team for a new one.", field="code") from exc
        if "username" in failed:
            raise Conflict("That username is taken. Try another.", field="username") from exc
        if failed:
            raise Conflict("Your account changed while you were joining. Please start again with your code.") from exc
        raise ServiceUnavailable() from exc
    if invite.purpose == "relink":
        # A new code usually means a lost phone or a forgotten password: end every other session.
        revoke_all_sessions(patient.patient_id, keep=session.pk)
    return SignedIn(credential, session, int((session.absolute_expiry - now).total_seconds()))
