"""The team's workflow on one conversation: who holds it, its status, notes and escalations.

Every step is a pure transition (``chalicelib.domain.conversation``) turned into ONE transaction:
the conversation update (revision-conditioned, index keys derived from the new state), the views'
counts, a staff-only event line in the thread (a ``NoteItem``, never a message) and the audit row.
A conversation that changed since the page loaded it is a 409 with a message to refresh; a claim of
a conversation a colleague already holds fails the same way and names them, so two clinicians never
answer the same message unknowingly.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import conversation as rules
from chalicelib.domain.messages import clean_body
from chalicelib.domain.people import takes_escalations
from chalicelib.domain.rota import day_text
from chalicelib.errors import Conflict, ServiceUnavailable, ValidationError
from chalicelib.models import conversation as store
from chalicelib.models import db, keys
from chalicelib.models import inbox as inbox_store
from chalicelib.models import notes as note_store
from chalicelib.models.audit import AuditEventType, Who, audit_event
from chalicelib.models.team import TeamMemberItem, senior_ids, team_policy
from chalicelib.scopes import StaffConversation
from chalicelib.services.common import staff_label, touch_session


def member_key(team_id: str, staff_id: object) -> tuple[str, str]:
    """The roster entry a route names (loaded with the session; an odd id simply is not found)."""
    return keys.team_member(team_id, staff_id if isinstance(staff_id, str) else "")


def member_label(member: TeamMemberItem) -> str:
    first = (member.display_name or "").split(" ")[0]
    return f"{first} ({member.job_title})" if member.job_title else first


def _member(sc: StaffConversation, staff_id: object, field: str) -> TeamMemberItem:
    found = sc.items.get(member_key(sc.team.team_id, staff_id))
    if not isinstance(found, TeamMemberItem):
        raise ValidationError("Choose a colleague from this team.", field=field)
    return found


#: The workflow steps the workload dashboard counts, by the audit event that records them.
_STEPS = {AuditEventType.CONVERSATION_ASSIGNED: "assigned", AuditEventType.CONVERSATION_ESCALATED: "escalated"}


def commit(sc: StaffConversation, now: datetime, change: rules.Change, event: AuditEventType, line: str,
           detail: dict[str, Any] | None = None, *, note_kind: str = "event", extra: Any = None,
           who: Who | None = None, label: str | None = None, subject: tuple[str, str] | None = None) -> None:
    """Store one workflow step: conversation, counts, the thread's event line, the audit row (one transaction).

    ``subject`` (id, label) is who an assignment or escalation went to: the note carries it, so the workload
    dashboard counts each clinician's load from the table's stream.
    """
    conv = sc.conversation
    step = _STEPS.get(event) if subject else None
    note = note_store.new_note(conv, now, kind=note_kind, author_id=sc.actor.id if who is None else None,
                               author_label=label if label is not None else staff_label(sc.actor), body=line,
                               step=step, subject=subject if step else None)
    change = rules.merge(change, rules.Change({}, add={"note_count": 1}))
    try:
        with db.transaction() as tx:
            tx.update(conv, actions=store.update_actions(conv, change), condition=store.unchanged_since_loaded(conv))
            inbox_store.count_updates(tx, conv, change)
            tx.save(note)
            tx.save(audit_event(now, event, who or sc.actor, team_id=conv.team_id, patient_id=conv.patient_id,
                                detail=detail))
            if extra is not None:
                extra(tx)
            if who is None:
                touch_session(tx, sc.actor, now)
    except TransactWriteError as exc:
        codes = db.cancellation_codes(exc)
        if "ConditionalCheckFailed" in codes or "TransactionConflict" in codes:
            raise Conflict("Someone else changed this conversation just now. Refresh and try again.") from exc
        raise ServiceUnavailable() from exc


#: A claim that lost a race reloads the conversation and decides again, this many times in all.
CLAIM_TRIES = 3


def do_claim(sc: StaffConversation, now: datetime) -> None:
    """Take the conversation; if a colleague already holds it, fail and say who (use "Assign" to take it over).

    Two clinicians claiming at the same moment both pass the first check; the write is conditioned on the
    revision they loaded, so exactly one commits. The other reloads the conversation and decides again: it
    now names the winner ("Carl (Specialist nurse) is already handling ..."), or, if what changed was
    something else (a new message), claims it with the fresh revision.
    """
    for _ in range(CLAIM_TRIES):
        conv = sc.conversation
        if conv.assigned_staff_id == sc.actor.id:
            return
        if conv.assigned_staff_id:
            raise Conflict(f"{conv.assigned_name or 'A colleague'} is already handling this conversation. "
                           "Talk to them, or assign it to yourself on purpose.")
        me = staff_label(sc.actor)
        try:
            commit(sc, now, rules.assign(conv.state, sc.actor.id, me), AuditEventType.CONVERSATION_ASSIGNED,
                   f"{me} took this conversation.", {"from": None, "to": sc.actor.id}, subject=(sc.actor.id, me))
            return
        except Conflict:
            fresh = store.load(conv.team_id, conv.patient_id)
            if fresh is None:
                raise
            sc = sc._replace(conversation=fresh)
    raise Conflict("Someone else changed this conversation just now. Refresh and try again.")


def do_assign(sc: StaffConversation, now: datetime, staff_id: object, *, expected_owner: object = None) -> None:
    """Give the conversation to a named colleague in the team (or to yourself): assign and reassign.

    ``expected_owner`` is who the page showed holding it ('' for nobody); if that changed meanwhile the
    assignment is refused, so nobody takes a conversation over without seeing who had it.
    """
    conv = sc.conversation
    member = _member(sc, staff_id, "staff_id")
    if isinstance(expected_owner, str) and expected_owner != (conv.assigned_staff_id or ""):
        raise Conflict(f"{conv.assigned_name or 'Nobody'} is handling this conversation now. Refresh and try again.")
    if conv.assigned_staff_id == member.staff_id:
        return
    label = member_label(member)
    line = (f"{staff_label(sc.actor)} took this conversation." if member.staff_id == sc.actor.id
            else f"{staff_label(sc.actor)} assigned this to {label}.")
    commit(sc, now, rules.assign(conv.state, member.staff_id, label), AuditEventType.CONVERSATION_ASSIGNED, line,
           {"from": conv.assigned_staff_id, "to": member.staff_id}, subject=(member.staff_id, label))


def do_release(sc: StaffConversation, now: datetime) -> None:
    """Let the conversation go: nobody holds it (it is back in Unassigned)."""
    conv = sc.conversation
    if not conv.assigned_staff_id:
        return
    commit(sc, now, rules.release(), AuditEventType.CONVERSATION_RELEASED,
           f"{staff_label(sc.actor)} released this conversation (it was with {conv.assigned_name}).",
           {"from": conv.assigned_staff_id})


def _follow_up(value: object, policy_tz: str, now: datetime) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError("Give the follow-up date like 2026-12-01.", field="follow_up") from exc
    at = datetime.combine(day, time(9, 0), tzinfo=ZoneInfo(policy_tz))
    if at <= now:
        raise ValidationError("Choose a follow-up date after today.", field="follow_up")
    if (day - now.date()).days > 366:
        raise ValidationError("Choose a follow-up date within a year.", field="follow_up")
    return at


def do_set_status(sc: StaffConversation, now: datetime, status: object, follow_up: object = None) -> None:
    """Close (optionally with a follow-up date), mark awaiting the patient, or reopen."""
    conv = sc.conversation
    if conv.discharged_at is not None:
        raise Conflict("This patient has been discharged from the team.")
    me = staff_label(sc.actor)
    if status == "closed":
        when = _follow_up(follow_up, team_policy(sc.team).timezone, now)
        change = rules.close(now, when)
        line = f"{me} closed this conversation" + (f", to follow up on {day_text(when.date())}." if when else ".")
    elif status == "awaiting_patient":
        change, line = rules.await_patient(now), f"{me} marked this as awaiting the patient."
    elif status == "open":
        change, line = rules.reopen(), f"{me} reopened this conversation."
    else:
        raise ValidationError("Choose closed, awaiting patient or open.", field="status")
    before = rules.status_of(conv.state)
    after = rules.status_of(rules.apply(conv.state, change))
    if before == after and status != "closed":
        return
    commit(sc, now, change, AuditEventType.CONVERSATION_STATUS_CHANGED, line,
           {"from": before, "to": after, "follow_up": keys.iso(change.set["follow_up_at"])
            if change.set.get("follow_up_at") else None})


def do_add_note(sc: StaffConversation, now: datetime, body: object) -> None:
    """Add a staff-only note to the thread (never shown to the patient, never in a push)."""
    text = clean_body(body)
    commit(sc, now, rules.Change({}), AuditEventType.NOTE_ADDED, text, None, note_kind="note")


def do_escalate(sc: StaffConversation, now: datetime, staff_id: object, reason: object) -> None:
    """Ask a consultant or senior colleague to look; the reason is a staff-only note.

    Only someone who takes escalations (``domain.people.takes_escalations``) can be asked; anyone else is a 400
    and nothing is written.
    """
    conv = sc.conversation
    member = _member(sc, staff_id, "staff_id")
    if member.staff_id == sc.actor.id:
        raise ValidationError("Choose a colleague other than yourself.", field="staff_id")
    if not takes_escalations(member.role, member.staff_id in senior_ids(sc.team)):
        raise ValidationError(f"{member_label(member)} does not take escalations. Choose a consultant or senior "
                              "colleague: the team lead, or someone the lead has marked as senior.", field="staff_id")
    if conv.closed_at is not None:
        raise Conflict("This conversation is closed. Reopen it before escalating.")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("Say why you are escalating, so your colleague knows what to look at.", field="reason")
    if len(reason.strip()) > rules.MAX_ESCALATION_REASON:
        raise ValidationError(f"Keep the reason to {rules.MAX_ESCALATION_REASON} characters or fewer.", field="reason")
    commit(sc, now, rules.escalate(member.staff_id, now), AuditEventType.CONVERSATION_ESCALATED,
           f"Escalated to {member_label(member)}: {reason.strip()}", {"to": member.staff_id}, note_kind="escalation",
           subject=(member.staff_id, member_label(member)))


def do_settle_escalation(sc: StaffConversation, now: datetime) -> None:
    """The colleague it was escalated to has dealt with it (it leaves their "Escalated to me")."""
    conv = sc.conversation
    if not conv.escalated_to:
        return
    if conv.escalated_to != sc.actor.id:
        raise Conflict("Only the colleague it was escalated to can mark it as dealt with.")
    commit(sc, now, rules.settle_escalation(), AuditEventType.ESCALATION_SETTLED,
           f"{staff_label(sc.actor)} dealt with the escalation.", {"by": sc.actor.id})


def colleagues_view(sc: StaffConversation) -> dict[str, Any]:
    """The assign and escalate pages: the team's staff (one Query on the roster), who holds it, who it is with."""
    from chalicelib.models.team import roster

    members = sorted(roster(sc.team.team_id), key=lambda m: m.display_name.lower())
    marked = senior_ids(sc.team)
    conv = sc.conversation
    return {"team": {"team_id": sc.team.team_id, "name": sc.team.name}, "me": sc.actor.id,
            "conversation": {"patient_id": conv.patient_id, "patient_name": conv.patient_name,
                             "assigned_staff_id": conv.assigned_staff_id or "", "assigned_name": conv.assigned_name},
            "members": [{"staff_id": m.staff_id, "name": m.display_name, "role": m.job_title, "lead": m.role == "lead",
                         "me": m.staff_id == sc.actor.id, "senior": takes_escalations(m.role, m.staff_id in marked)}
                        for m in members]}
