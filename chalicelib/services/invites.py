"""Inviting patients, and a young person answering an invite.

Patients never register themselves. A clinician enters the young person's name, date of birth and
(optionally) NHS number; Teamline makes a single-use code, valid 7 days, shown as text and as a QR
code. What the code does depends on who the young person turns out to be, and the clinician is
told nothing about that unless they already share the patient:

* **New to Teamline** (or invited before but never joined): the young person confirms their date of
  birth, accepts the agreement, chooses a username and password, and is signed in.
* **Already has an account** (the NHS number belongs to a registered patient): the invite can only
  *add this team* to that account, and only the account holder can accept it: by signing in as
  themselves with the code, or from the invitation shown on their home page. An invite never
  changes the username or password of an account that has them (a forgotten password is account
  recovery, ``services.recovery``, a separate audited staff action).

Only the SHA-256 of a code is stored. Guessing is limited per network address, and date-of-birth
attempts are limited per code so a leaked code cannot be brute-forced against birthdays.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from pynamodb.exceptions import TransactWriteError

from chalicelib.auth import ratelimit, sessions
from chalicelib.auth.actor import Actor
from chalicelib.auth.passwords import check_new_password, hash_password
from chalicelib.domain import conversation as rules
from chalicelib.domain.people import clean_date_of_birth, clean_name, clean_nhs_number, clean_username
from chalicelib.errors import Conflict, Gone, NotFound, ServiceUnavailable, ValidationError
from chalicelib.ids import format_invite_code, new_id, new_invite_code, normalise_invite_code, token_hash
from chalicelib.models import conversation as conversation_store
from chalicelib.models import db
from chalicelib.models import people as people_store
from chalicelib.models.audit import AuditEventType, Someone, audit_event
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.invite import InviteItem, get_invite, invite_key, new_invite
from chalicelib.models.people import NhsNumberItem, PatientItem, UsernameItem
from chalicelib.scopes import StaffTeam
from chalicelib.services import agreements, patient_list
from chalicelib.services.signin import SignedIn, check_patient_credentials

INVITE_LIFETIME = timedelta(days=7)
WRONG_CODE = "That code is not right. Check it, or ask your care team for a new one."
WRONG_BIRTHDAY = "That date of birth does not match what your care team entered. Check it, or ask them."


class InviteResult(NamedTuple):
    """A fresh code: shown once to the clinician, never stored in clear. ``name`` is what the clinician typed."""

    code: str
    expires_at: datetime
    patient_id: str
    name: str


def code_hash(code: str) -> str:
    """How a code is stored and looked up."""
    return token_hash(normalise_invite_code(code))


def new_code(now: datetime, *, patient_id: str, team_id: str, created_by: str, purpose: str,
             date_of_birth: str, lifetime: timedelta = INVITE_LIFETIME) -> tuple[InviteItem, str]:
    """A single-use code and the invite item it unlocks (not saved)."""
    code = new_invite_code()
    item = new_invite(code_hash(code), patient_id=patient_id, team_id=team_id, created_by=created_by, now=now,
                      valid_until=now + lifetime, purpose=purpose, date_of_birth=date_of_birth)
    return item, code


class _Invitee(NamedTuple):
    given: str
    family: str
    dob: str
    number: str | None

    @property
    def name(self) -> str:
        """The name as the clinician typed it (what their page shows back, whoever the person turns out to be)."""
        return f"{self.given} {self.family}"


def do_invite_patient(st: StaffTeam, now: datetime, *, given_name: object, family_name: object,
                      date_of_birth: object, nhs_number: object = None) -> InviteResult:
    """Invite a young person into the clinician's team: a 7-day code, whoever they turn out to be."""
    invitee = _Invitee(clean_name(given_name, field="given_name", label="first name"),
                       clean_name(family_name, field="family_name", label="last name"),
                       clean_date_of_birth(date_of_birth, today=now.date()), clean_nhs_number(nhs_number))
    for _ in range(2):  # a second pass only if someone registered the same NHS number meanwhile
        existing_id = (people_store.patient_id_by_nhs_number(st.actor.trust_id, invitee.number)
                       if invitee.number else None)
        existing = people_store.get_patient(existing_id) if existing_id else None
        try:
            if existing is not None:
                return _invite_existing(st, now, invitee, existing)
            return _invite_new(st, now, invitee)
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" not in db.cancellation_codes(exc):
                raise ServiceUnavailable() from exc
    raise ServiceUnavailable()


def _invite_new(st: StaffTeam, now: datetime, invitee: _Invitee) -> InviteResult:
    patient = people_store.new_patient(new_id(now), st.actor.trust_id, given_name=invitee.given,
                                       family_name=invitee.family, date_of_birth=invitee.dob,
                                       nhs_number=invitee.number, now=now)
    invite, code = new_code(now, patient_id=patient.patient_id, team_id=st.team.team_id, created_by=st.actor.id,
                            purpose="join", date_of_birth=invitee.dob)
    with db.transaction() as tx:
        tx.save(patient, condition=PatientItem.pk.does_not_exist())
        if invitee.number:
            tx.save(people_store.nhs_number_claim(st.actor.trust_id, invitee.number, patient.patient_id),
                    condition=NhsNumberItem.pk.does_not_exist())
        tx.save(invite, condition=InviteItem.pk.does_not_exist())
        _note_invite(tx, now, st, patient.patient_id, invitee, invite, registered=False)
        tx.save(audit_event(now, AuditEventType.PATIENT_INVITED, st.actor, team_id=st.team.team_id,
                            patient_id=patient.patient_id, detail={"purpose": "join"}))
    return InviteResult(format_invite_code(code), invite.valid_until, patient.patient_id, invitee.name)


def _invite_existing(st: StaffTeam, now: datetime, invitee: _Invitee, patient: PatientItem) -> InviteResult:
    """Someone with this NHS number is registered: invite them to add this team, changing nothing else.

    The clinician sees the same answer as for a new patient (their own typed name, a code), so an
    invite cannot be used to learn who is registered with which team. A clinician already in one of
    the patient's teams may be told: they can see the patient anyway.
    """
    if st.team.team_id in (patient.teams or {}):
        raise Conflict(f"{patient.display_name} is already in this team. If they cannot sign in, use "
                       "'Recover account' on their page in the patient list.", field="nhs_number")
    purpose = "add_team" if patient.has_account else "join"
    invite, code = new_code(now, patient_id=patient.patient_id, team_id=st.team.team_id, created_by=st.actor.id,
                            purpose=purpose, date_of_birth=invitee.dob)
    with db.transaction() as tx:
        tx.save(invite, condition=InviteItem.pk.does_not_exist())
        if purpose == "add_team" and patient.date_of_birth == invitee.dob:
            invitations = {**(patient.invitations or {}), st.team.team_id: {
                "invite": code_hash(code), "valid_until": invite.valid_until.isoformat(),
                "by": st.actor.id}}
            tx.update(patient, actions=[PatientItem.invitations.set(invitations)])
        _note_invite(tx, now, st, patient.patient_id, invitee, invite, registered=True)
        tx.save(audit_event(now, AuditEventType.PATIENT_INVITED, st.actor, team_id=st.team.team_id,
                            patient_id=patient.patient_id, detail={"purpose": purpose}))
    return InviteResult(format_invite_code(code), invite.valid_until, patient.patient_id, invitee.name)


def _note_invite(tx: db.Transaction, now: datetime, st: StaffTeam, patient_id: str, invitee: _Invitee,
                 invite: InviteItem, *, registered: bool) -> None:
    """The team's patient list shows the invited patient as the clinician typed them (services.patient_list)."""
    patient_list.note_invite(tx, now, st, patient_id, given_name=invitee.given, family_name=invitee.family,
                             date_of_birth=invitee.dob, nhs_number=invitee.number, valid_until=invite.valid_until,
                             registered=registered)


# --- the young person's side -----------------------------------------------------------------------


class CheckedInvite(NamedTuple):
    """A live invite whose date of birth has been confirmed, and what answering it will do."""

    invite: InviteItem
    patient: PatientItem
    code: str

    @property
    def adds_team(self) -> bool:
        """The invite is for someone who already has an account: they must sign in as themselves."""
        return self.invite.purpose != "recover" and self.patient.has_account

    @property
    def recovers(self) -> bool:
        return self.invite.purpose == "recover"


def load_code(now: datetime, code: object, address: str) -> tuple[InviteItem, str]:
    """A live invite for a typed code (guesses are limited per network address)."""
    normalised = normalise_invite_code(str(code or ""))[:40]
    ratelimit.hit(now, (ratelimit.INVITE_PER_ADDRESS, address))
    if len(normalised) != 10:
        raise ValidationError("The code has 10 letters and numbers, like K7QM-3XVA-HP. Check it and try again.",
                              field="code")
    invite = get_invite(code_hash(normalised))
    if invite is None:
        raise NotFound(WRONG_CODE, field="code")
    if invite.used_at is not None:
        raise Gone("That code has already been used. Ask your care team for a new one.", field="code")
    if now >= invite.valid_until:
        raise Gone("That code has expired. Ask your care team for a new one.", field="code")
    return invite, normalised


def check_invite(now: datetime, *, code: object, date_of_birth: str, address: str) -> CheckedInvite:
    """Check a typed code and date of birth; wrong birthdays are counted against the code.

    The birthday must match what the clinician typed *and* the registered patient's, so a code made
    with a stranger's NHS number leads nowhere.
    """
    invite, normalised = load_code(now, code, address)
    # Only wrong birthdays count against the code, so a patient who mistyped a few times can still finish.
    ratelimit.check(now, ratelimit.INVITE_DOB_PER_CODE, token_hash(normalised))
    patient = people_store.get_patient(invite.patient_id)
    if patient is None:  # an invite is written with (or after) its patient; this cannot happen
        raise ServiceUnavailable()
    if date_of_birth != (invite.date_of_birth or patient.date_of_birth) or date_of_birth != patient.date_of_birth:
        ratelimit.hit(now, (ratelimit.INVITE_DOB_PER_CODE, token_hash(normalised)))
        raise ValidationError(WRONG_BIRTHDAY, field="date_of_birth")
    return CheckedInvite(invite, patient, normalised)


def _joining(now: datetime, patient: PatientItem, team_id: str,
             agreement_version: int | None = None) -> tuple[dict[str, str], ConversationItem]:
    teams = {**(patient.teams or {}), team_id: now.isoformat()}
    conversation = conversation_store.new_conversation(team_id, patient.patient_id, patient_name=patient.display_name,
                                                       family_name=patient.family_name,
                                                       given_name=patient.given_name, now=now,
                                                       date_of_birth=patient.date_of_birth, nhs_number=patient.nhs_number)
    if agreement_version is not None:  # safety: the team's agreement, accepted on the join page (services.agreements)
        agreements.stamp(conversation, agreement_version, now)
    return teams, conversation


def _failed_join(tx: db.Transaction, exc: TransactWriteError) -> Exception:
    failed = tx.failed_labels(exc)
    if "invite" in failed:
        return Gone("That code has already been used. Ask your care team for a new one.", field="code")
    if "username" in failed:
        return Conflict("That username is taken. Try another.", field="username")
    if failed:
        return Conflict("Your account changed while you were joining. Please start again with your code.")
    return ServiceUnavailable()


def do_accept_invite(now: datetime, checked: CheckedInvite, *, username: object, password: object, agreed: bool,
                     device: str = "", agreement_version: object = None) -> SignedIn:
    """A young person new to Teamline: activate the account, join the team and sign in; one transaction.

    Refused for an account that already has a password: that person must sign in (``do_join_signed``).
    """
    if checked.adds_team or checked.recovers:
        raise Conflict("You already have a Teamline account. Sign in to add this team.", field="code")
    if not agreed:
        raise ValidationError("Read the agreement and tick the box to say you agree.", field="agreement")
    patient, invite = checked.patient, checked.invite
    name = clean_username(username)
    check_new_password(str(password or ""))
    teams, conversation = _joining(now, patient, invite.team_id,
                                   agreements.shown_version(invite.team_id, agreement_version))
    session, credential = sessions.new_session(now, "patient", patient.patient_id, device)
    tx = db.transaction()
    try:
        with tx:
            tx.update(invite, actions=[InviteItem.used_at.set(now)], condition=InviteItem.used_at.does_not_exist(),
                      label="invite")
            tx.save(people_store.username_claim(name, patient.patient_id), condition=UsernameItem.pk.does_not_exist(),
                    label="username")
            tx.update(patient, actions=[
                PatientItem.username.set(name), PatientItem.password_hash.set(hash_password(str(password))),
                PatientItem.status.set("active"), PatientItem.teams.set(teams),
                PatientItem.agreement_accepted_at.set(now),
            ], condition=PatientItem.password_hash.does_not_exist() & (PatientItem.teams == (patient.teams or {})),
                label="patient")
            tx.save(conversation, condition=ConversationItem.pk.does_not_exist(), label="conversation")
            patient_list.note_joined(tx, invite.team_id, patient.patient_id)
            tx.save(session, label="session")
            tx.save(audit_event(now, AuditEventType.INVITE_ACCEPTED,
                                Someone("patient", patient.patient_id, patient.trust_id), team_id=invite.team_id,
                                detail={"purpose": invite.purpose}), label="audit")
    except TransactWriteError as exc:
        raise _failed_join(tx, exc) from exc
    return SignedIn(credential, session, int((session.absolute_expiry - now).total_seconds()))


def do_join_signed(now: datetime, checked: CheckedInvite, *, username: object, password: object, agreed: bool,
                   address: str, device: str = "", agreement_version: object = None) -> SignedIn:
    """A registered young person adds the invite's team by signing in as themselves (credentials unchanged)."""
    if not checked.adds_team:
        raise Conflict("This code is for setting up a new account.", field="code")
    if not agreed:
        raise ValidationError("Read the agreement and tick the box to say you agree.", field="agreement")
    patient = check_patient_credentials(now, username=username, password=password, address=address)
    if patient.patient_id != checked.patient.patient_id:
        raise ValidationError("Sign in with the account this code was made for.", field="username")
    _add_team(now, patient, checked.invite, agreements.shown_version(checked.invite.team_id, agreement_version))
    session, credential = sessions.new_session(now, "patient", patient.patient_id, device)
    with db.committed() as tx:
        tx.save(session)
    return SignedIn(credential, session, int((session.absolute_expiry - now).total_seconds()))


def _add_team(now: datetime, patient: PatientItem, invite: InviteItem, agreement_version: int | None = None) -> None:
    """Join a registered patient to the invite's team and use up the invite; one transaction.

    A patient the team discharged earlier gets their old thread back rather than a new one. Without an
    ``agreement_version`` (an invitation answered from the home page) they agree before their first message.
    """
    teams, conversation = _joining(now, patient, invite.team_id, agreement_version)
    earlier = conversation_store.load(invite.team_id, patient.patient_id)
    invitations = {k: v for k, v in (patient.invitations or {}).items() if k != invite.team_id}
    tx = db.transaction()
    try:
        with tx:
            tx.update(invite, actions=[InviteItem.used_at.set(now)], condition=InviteItem.used_at.does_not_exist(),
                      label="invite")
            tx.update(patient, actions=[PatientItem.teams.set(teams), PatientItem.invitations.set(invitations)],
                      condition=PatientItem.teams == (patient.teams or {}), label="patient")
            if earlier is None:
                tx.save(conversation, condition=ConversationItem.pk.does_not_exist(), label="conversation")
            else:
                agreed = agreements.accept_actions(agreement_version, now) if agreement_version is not None else []
                tx.update(earlier, actions=[*conversation_store.update_actions(earlier, rules.rejoin()), *agreed],
                          condition=conversation_store.unchanged_since_loaded(earlier), label="conversation")
            patient_list.note_joined(tx, invite.team_id, patient.patient_id)
            tx.save(audit_event(now, AuditEventType.INVITE_ACCEPTED,
                                Someone("patient", patient.patient_id, patient.trust_id), team_id=invite.team_id,
                                detail={"purpose": invite.purpose}), label="audit")
    except TransactWriteError as exc:
        raise _failed_join(tx, exc) from exc


def pending_invitations(actor: Actor, now: datetime) -> list[str]:
    """The teams that have invited a signed-in patient and are still waiting for an answer."""
    return [team_id for team_id, entry in (actor.patient.invitations if actor.patient else {}).items()
            if datetime.fromisoformat(entry["valid_until"]) > now and team_id not in actor.patient_team_ids]


def do_answer_invitation(now: datetime, actor: Actor, team_id: str, *, accept: bool) -> None:
    """A signed-in patient accepts (joining the team) or declines a team's invitation from their home page."""
    patient = actor.patient
    entry = (patient.invitations or {}).get(team_id) if patient else None
    if patient is None or entry is None or team_id not in pending_invitations(actor, now):
        raise NotFound("That invitation has expired. Ask the team for a new one.")
    invite = db.get(invite_key(entry["invite"]), InviteItem)
    if invite is None or invite.used_at is not None or invite.team_id != team_id or now >= invite.valid_until:
        raise NotFound("That invitation has expired. Ask the team for a new one.")
    if accept:
        _add_team(now, patient, invite)
        return
    invitations = {k: v for k, v in (patient.invitations or {}).items() if k != team_id}
    with db.committed() as tx:
        tx.update(invite, actions=[InviteItem.used_at.set(now)])
        tx.update(patient, actions=[PatientItem.invitations.set(invitations)])
        patient_list.note_declined(tx, team_id, patient.patient_id)
        tx.save(audit_event(now, AuditEventType.INVITATION_DECLINED, actor, team_id=team_id))
