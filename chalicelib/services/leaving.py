"""People leave: a clinician leaves a team or the Trust, a patient is discharged from a team.

Leaving must not leave anything behind that still points at the person: a clinician who leaves a
team stops holding its conversations (they go back to the team, visibly unowned), their away
periods end and nobody stays "covered" by them; a deactivated account's sessions end at once. A
discharged patient loses access to that team's conversation, which is kept for the record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.auth.actor import Actor
from chalicelib.domain import conversation as rules
from chalicelib.errors import Conflict, Forbidden, NotFound, ServiceUnavailable
from chalicelib.models import conversation as store
from chalicelib.models import db
from chalicelib.models import people as people_store
from chalicelib.models import push as push_store
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.people import PatientItem, StaffItem
from chalicelib.models.team import TeamItem
from chalicelib.scopes import StaffTeam
from chalicelib.services.signin import revoke_all_sessions


def _without(away: dict[str, Any], staff_id: str) -> dict[str, Any]:
    """A team's away map without the person's own periods or the periods they were covering."""
    return {sid: period for sid, period in away.items() if sid != staff_id and period.get("cover_id") != staff_id}


def release_from_team(now: datetime, by: Actor, team_id: str, staff_id: str) -> int:
    """Hand a leaving clinician's conversations back to the team and end their away periods and covers.

    Each conversation is released in its own conditional write (only if this person still holds it),
    audited; returns how many were released. Run after the role itself is removed, so nothing new
    can be assigned to them meanwhile.
    """
    released = 0
    for conv in store.all_held_by(team_id, staff_id):
        try:
            with db.transaction() as tx:
                tx.update(conv, actions=store.update_actions(conv, rules.release()),
                          condition=ConversationItem.assigned_staff_id == staff_id)
                tx.save(audit_event(now, AuditEventType.CONVERSATION_ASSIGNED, by, team_id=team_id,
                                    patient_id=conv.patient_id, detail={"from": staff_id, "to": None,
                                                                        "reason": "left_team"}))
            released += 1
        except TransactWriteError:
            continue  # someone else took it meanwhile: it is no longer theirs to release
    team = team_store.get_team(team_id)
    if team is not None and team.away and _without(team.away, staff_id) != team.away:
        with db.committed() as tx:
            tx.update(team, actions=[TeamItem.away.set(_without(team.away, staff_id)), TeamItem.policy_version.add(1)])
            tx.save(audit_event(now, AuditEventType.AWAY_CLEARED, by, team_id=team_id,
                                detail={"staff_id": staff_id, "reason": "left_team"}))
    if team is not None and staff_id in team_store.senior_ids(team):  # were they to rejoin, they start unmarked
        with db.committed() as tx:
            tx.update(team, actions=[TeamItem.seniors.set(sorted(team_store.senior_ids(team) - {staff_id})),
                                     TeamItem.policy_version.add(1)])
            tx.save(audit_event(now, AuditEventType.SENIOR_CHANGED, by, team_id=team_id,
                                detail={"staff_id": staff_id, "senior": False, "reason": "left_team"}))
    return released


def do_deactivate_staff(now: datetime, admin: Actor, staff_id: str) -> StaffItem:
    """A Trust admin closes a staff account: sessions end at once, conversations and covers are released.

    The account and everything it did are kept (the audit log names them); it can no longer sign in,
    it leaves every team (so it is nobody's cover and is never notified), and its devices stop
    getting notifications.
    """
    if not admin.is_trust_admin:
        raise Forbidden("Only a Trust admin can do that.")
    staff = people_store.get_staff(staff_id)
    if staff is None or staff.trust_id != admin.trust_id:
        raise NotFound("We could not find that staff member.")
    if staff.staff_id == admin.id:
        raise Conflict("You cannot deactivate your own account. Ask another Trust admin.")
    teams = list(staff.team_roles or {})
    if staff.active:
        with db.committed() as tx:
            tx.update(staff, actions=[StaffItem.active.set(False), StaffItem.deactivated_at.set(now),
                                      StaffItem.team_roles.set({})])
            for team_id in teams:
                tx.delete(team_store.member_key(team_id, staff_id))
            tx.save(audit_event(now, AuditEventType.STAFF_DEACTIVATED, admin,
                                detail={"staff_id": staff_id, "teams": teams}))
    revoke_all_sessions(staff_id)
    push_store.remove_all(staff_id)
    for team_id in teams:
        release_from_team(now, admin, team_id, staff_id)
    staff.active = False
    return staff


def do_discharge_patient(now: datetime, st: StaffTeam, patient_id: str) -> None:
    """The team lead discharges a patient from the team: their access to it ends; the thread is kept.

    One transaction: the patient loses the team, the conversation leaves every working list (it stays
    in the patient list, marked discharged), and the audit row. Inviting them again later re-opens it.
    """
    if st.role != "lead":
        raise Forbidden("Only the team lead can discharge a patient.")
    patient, conv = store.patient_and_conversation(patient_id, st.team.team_id)
    if patient is None or conv is None or patient.trust_id != st.actor.trust_id or conv.discharged_at is not None:
        raise NotFound("We could not find that patient in this team.")
    teams = {k: v for k, v in (patient.teams or {}).items() if k != st.team.team_id}
    try:
        with db.transaction() as tx:
            tx.update(patient, actions=[PatientItem.teams.set(teams)], condition=PatientItem.teams == (patient.teams or {}))
            tx.update(conv, actions=store.update_actions(conv, rules.discharge(now)),
                      condition=store.unchanged_since_loaded(conv))
            tx.save(audit_event(now, AuditEventType.PATIENT_DISCHARGED, st.actor, team_id=st.team.team_id,
                                patient_id=patient_id))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            raise Conflict("This patient's record changed just now. Refresh and try again.") from exc
        raise ServiceUnavailable() from exc
