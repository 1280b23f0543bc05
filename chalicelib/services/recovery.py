"""Account recovery: a young person who has forgotten their password gets back in, openly.

It is its own explicit staff action, never an invite: a clinician of one of the patient's teams
issues a recovery code (rate-limited per patient, audited). The young person uses it with their date
of birth to choose a new password. Then every session ends, and the recovery is told, in plain words
and naming who issued it, as a line in each of the patient's conversations: the patient sees it on
every device (and gets a push where subscribed), and every team they belong to sees it too. If it
was not them, they and their teams find out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import TransactWriteError

from chalicelib.auth import ratelimit, sessions
from chalicelib.auth.passwords import check_new_password, hash_password
from chalicelib.domain import conversation as rules
from chalicelib.domain.policy import when_text
from chalicelib.errors import Conflict, Gone, NotFound, ServiceUnavailable, ValidationError
from chalicelib.ids import format_invite_code
from chalicelib.models import conversation as store
from chalicelib.models import db
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, Someone, audit_event
from chalicelib.models.invite import InviteItem
from chalicelib.models.people import PatientItem
from chalicelib.scopes import StaffTeam
from chalicelib.services.invites import CheckedInvite, InviteResult, new_code
from chalicelib.services.signin import SignedIn, revoke_all_sessions

RECOVERY_LIFETIME = timedelta(days=2)


def do_issue_recovery(st: StaffTeam, now: datetime, patient_id: str) -> InviteResult:
    """A clinician of one of the patient's teams issues a recovery code (3 a day per patient at most)."""
    patient, conv = store.patient_and_conversation(patient_id, st.team.team_id)
    if (patient is None or conv is None or st.team.team_id not in (patient.teams or {})
            or patient.trust_id != st.actor.trust_id):
        raise NotFound("We could not find that patient in this team.")
    if not patient.has_account:
        raise Conflict(f"{patient.given_name} has not set up their account yet. Invite them instead.")
    ratelimit.hit(now, (ratelimit.RECOVERY_PER_PATIENT, patient_id))
    invite, code = new_code(now, patient_id=patient_id, team_id=st.team.team_id, created_by=st.actor.id,
                            purpose="recover", date_of_birth=patient.date_of_birth, lifetime=RECOVERY_LIFETIME)
    with db.committed() as tx:
        tx.save(invite, condition=InviteItem.pk.does_not_exist())
        tx.save(audit_event(now, AuditEventType.ACCOUNT_RECOVERY_ISSUED, st.actor, team_id=st.team.team_id,
                            patient_id=patient_id))
    return InviteResult(format_invite_code(code), invite.valid_until, patient_id, patient.display_name)


def _notice(issuer: str, team_name: str, at_text: str) -> str:
    return (f"Your account password was reset on {at_text}, with a code from {issuer} ({team_name}). "
            "If this was not you, tell your care team straight away.")


def do_complete_recovery(now: datetime, checked: CheckedInvite, *, password: object, confirm: object,
                         device: str = "") -> SignedIn:
    """Set the new password, end every session, tell the patient and every team; sign this device in."""
    if not checked.recovers:
        raise Conflict("This code is not for resetting a password.", field="code")
    new_password = check_new_password(str(password or ""))
    if new_password != str(confirm or ""):
        raise ValidationError("The two passwords do not match.", field="confirm_password")
    patient, invite = checked.patient, checked.invite
    tx = db.transaction()
    try:
        with tx:
            tx.update(invite, actions=[InviteItem.used_at.set(now)], condition=InviteItem.used_at.does_not_exist(),
                      label="invite")
            tx.update(patient, actions=[PatientItem.password_hash.set(hash_password(new_password))], label="patient")
            tx.save(audit_event(now, AuditEventType.ACCOUNT_RECOVERED,
                                Someone("patient", patient.patient_id, patient.trust_id), team_id=invite.team_id,
                                detail={"issued_by": invite.created_by}), label="audit")
    except TransactWriteError as exc:
        if "invite" in tx.failed_labels(exc):
            raise Gone("That code has already been used. Ask your care team for a new one.", field="code") from exc
        raise ServiceUnavailable() from exc
    revoke_all_sessions(patient.patient_id)
    _tell_every_team(now, patient, invite)
    session, credential = sessions.new_session(now, "patient", patient.patient_id, device)
    with db.committed() as tx2:
        tx2.save(session)
    return SignedIn(credential, session, int((session.absolute_expiry - now).total_seconds()))


def _tell_every_team(now: datetime, patient: PatientItem, invite: InviteItem) -> None:
    """A line in each of the patient's conversations saying their password was reset, and by whose code."""
    from chalicelib.models.people import get_staff

    issuer = get_staff(invite.created_by)
    team = team_store.get_team(invite.team_id)
    issuer_text = (f"{issuer.given_name} ({issuer.job_title})" if issuer and issuer.job_title
                   else issuer.given_name if issuer else "your care team")
    for team_item, conv in store.teams_with_conversations(patient.patient_id, list(patient.teams or {})):
        at_text = when_text(team_store.team_policy(team_item), now, now)
        text = _notice(issuer_text, team.name if team else team_item.name, at_text)
        _post_notice(conv, text, now)


def _post_notice(conv: store.ConversationItem, text: str, now: datetime) -> None:
    """Store a system line in a conversation (retried if a message lands at the same moment)."""
    for _ in range(3):
        at = rules.next_instant(conv.last_activity_at, now)
        message = store.new_message(conv, at, "system", None, "Teamline", text)
        try:
            with db.transaction() as tx:
                tx.save(message)
                tx.update(conv, actions=store.update_actions(conv, rules.notice(at)),
                          condition=store.unchanged_since_loaded(conv))
            return
        except TransactWriteError:
            conv = store.load(conv.team_id, conv.patient_id) or conv
    raise ServiceUnavailable()

