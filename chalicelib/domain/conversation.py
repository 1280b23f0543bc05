"""What a patient's message, a clinician's reply and a claim do to a conversation. Pure: no I/O.

A conversation's state is a handful of fields (who owes whom a reply, by when, who holds it). Each
step here takes the state as loaded and returns a ``Change``: the fields to set, the fields to clear
and the counters to add to. ``chalicelib.models.conversation`` turns a Change into one conditional
update (and keeps the index keys in step with the new state); services put that update in the same
transaction as the message and its audit row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple


class ConversationState(NamedTuple):
    """The fields of a conversation that the rules below read."""

    last_activity_at: datetime | None
    last_patient_at: datetime | None
    waiting_since: datetime | None
    reply_by: datetime | None
    overdue: bool
    assigned_staff_id: str | None
    discharged: bool = False
    #: The team's workflow (see ``status_of``): closed (with an optional follow-up date), awaiting the
    #: patient, and who a clinician escalated it to.
    closed_at: datetime | None = None
    follow_up_at: datetime | None = None
    awaiting_since: datetime | None = None
    escalated_to: str | None = None
    #: Urgent conversations (a red flag, or a clinician said so) sort first in the inbox while they wait.
    urgent: bool = False


class Change(NamedTuple):
    """Fields to set, fields to clear and counters to add to, by attribute name."""

    set: dict[str, Any]
    clear: tuple[str, ...] = ()
    add: dict[str, int] = {}  # never mutated: each step builds its own


class ReplyStep(NamedTuple):
    """A staff reply's change, and whether it answered a conversation that was overdue."""

    change: Change
    answered_overdue: bool


def next_instant(last_activity_at: datetime | None, now: datetime) -> datetime:
    """When a new message is stamped: now, but always after the conversation's last message.

    Lambda containers' clocks differ by milliseconds; a reply must never sort before what it answers.
    """
    if last_activity_at is None:
        return now
    return max(now, last_activity_at + timedelta(microseconds=1))


def patient_message(state: ConversationState, *, at: datetime, preview: str, reply_by: datetime | None,
                    auto_reply_at: datetime | None, auto_key: str | None) -> Change:
    """A patient wrote at ``at`` (an auto-reply, if any, was stamped ``auto_reply_at``).

    The team now owes a reply: from the oldest unanswered message, by the reply-by that message got
    (a conversation already waiting keeps its earlier reply-by).
    """
    values: dict[str, Any] = {
        "last_activity_at": auto_reply_at or at,
        "last_sender": "patient",
        "last_preview": preview,
        "last_patient_at": at,
        "waiting_since": state.waiting_since or at,
    }
    due = state.reply_by if state.waiting_since else reply_by
    if due is not None:
        values["reply_by"] = due
    if auto_reply_at is not None and auto_key:
        values["last_auto_reply_key"] = auto_key
    # A closed conversation reopens, and one awaiting the patient has its answer.
    reopened = tuple(name for name in _REOPEN if getattr(state, name) is not None)
    return Change(values, reopened, add={"team_unread": 1, "message_count": 2 if auto_reply_at else 1})


def unseen_patient_message(state: ConversationState, seen_upto: datetime | None) -> bool:
    """True when the patient wrote after the newest message the clinician had on screen."""
    return bool(seen_upto is not None and state.last_patient_at is not None and state.last_patient_at > seen_upto)


def staff_reply(state: ConversationState, *, at: datetime, preview: str, staff_id: str, staff_label: str,
                unseen: bool) -> ReplyStep:
    """A clinician replied at ``at``; ``unseen`` says the patient wrote again after what they had seen.

    A reply answers what the clinician saw: the conversation stops waiting (and stops being overdue)
    unless a newer patient message was not on their screen. The first clinician to reply holds it.
    """
    values: dict[str, Any] = {
        "last_activity_at": at,
        "last_sender": "staff",
        "last_preview": preview,
        "team_read_upto": at,
        "team_unread": 0,
    }
    clear: tuple[str, ...] = ()
    if not unseen:
        values["overdue"] = False
        clear = ("waiting_since", "reply_by")
    if not state.assigned_staff_id:
        values["assigned_staff_id"] = staff_id
        values["assigned_name"] = staff_label
    if state.escalated_to == staff_id:  # answering is acting on an escalation
        clear += ("escalated_to", "escalated_at")
    change = Change(values, clear, {"patient_unread": 1, "message_count": 1})
    return ReplyStep(change, answered_overdue=not unseen and state.overdue)


def claim(staff_id: str, staff_label: str) -> Change:
    """A clinician takes the conversation: the team sees who is handling it."""
    return Change({"assigned_staff_id": staff_id, "assigned_name": staff_label})


def notice(at: datetime) -> Change:
    """Teamline itself posted a line (e.g. an account recovery): both sides see it; nobody owes a reply."""
    return Change({"last_activity_at": at}, add={"message_count": 1, "patient_unread": 1, "team_unread": 1})


def release() -> Change:
    """Nobody holds the conversation any more (the clinician left the team, or let it go)."""
    return Change({}, ("assigned_staff_id", "assigned_name"))


def discharge(at: datetime) -> Change:
    """The team discharged the patient: the thread is kept for the record but leaves every working list."""
    return Change({"discharged_at": at, "overdue": False}, ("waiting_since", "reply_by", "assigned_staff_id",
                                                           "assigned_name", "escalated_to", "escalated_at"))


def rejoin() -> Change:
    """A discharged patient joins the team again: the same thread, back in the team's lists."""
    return Change({}, ("discharged_at", "invited_again_until"))


def apply(state: ConversationState, change: Change) -> ConversationState:
    """The state after ``change`` (for the fields a ConversationState has)."""
    values = state._asdict()
    for name in change.clear:
        if name in values:
            values[name] = False if name == "overdue" else None
    values.update({k: v for k, v in change.set.items() if k in values})
    if "discharged_at" in change.set:
        values["discharged"] = True
    if "discharged_at" in change.clear:
        values["discharged"] = False
    return ConversationState(**values)


# --- the team's workflow: status, owner, escalation ---------------------------------------------------------

#: What a patient's message clears: a closed conversation reopens; one awaiting the patient has its answer.
_REOPEN = ("closed_at", "follow_up_at", "awaiting_since")
STATUSES = ("new", "assigned", "awaiting_patient", "closed")
#: The longest reason an escalation may give (characters).
MAX_ESCALATION_REASON = 500
STATUS_LABELS = {"new": "New", "assigned": "Assigned", "awaiting_patient": "Awaiting patient", "closed": "Closed"}


def status_of(state: ConversationState) -> str:
    """The conversation's status, derived from its fields so it cannot disagree with them.

    closed beats awaiting patient, which beats assigned (someone holds it), which beats new.
    """
    if state.closed_at is not None:
        return "closed"
    if state.awaiting_since is not None:
        return "awaiting_patient"
    return "assigned" if state.assigned_staff_id else "new"


def status_view(state: ConversationState) -> str | None:
    """The status list the conversation is in: its status, except that a new conversation nobody has written
    in yet (the patient has only just joined) waits in no list, so Unassigned holds only what needs someone."""
    if state.discharged:
        return None
    status = status_of(state)
    return None if status == "new" and state.last_patient_at is None else status


def assign(state: ConversationState, staff_id: str, staff_label: str) -> Change:
    """Give the conversation to ``staff_id`` (claim, assign to a colleague, reassign, or routing by the rota).

    The new owner is acting on it, so an escalation to them is settled; a closed conversation stays closed.
    """
    clear: tuple[str, ...] = ("escalated_to", "escalated_at") if state.escalated_to == staff_id else ()
    return Change({"assigned_staff_id": staff_id, "assigned_name": staff_label}, clear)


def close(at: datetime, follow_up_at: datetime | None) -> Change:
    """Close the conversation; a follow-up date brings it back to the team's "Follow-up due" view.

    Closing means nobody owes a reply: it leaves the due list, and an escalation is settled with it.
    """
    values: dict[str, Any] = {"closed_at": at, "overdue": False}
    clear: tuple[str, ...] = ("waiting_since", "reply_by", "awaiting_since", "escalated_to", "escalated_at")
    if follow_up_at is not None:
        values["follow_up_at"] = follow_up_at
    else:
        clear += ("follow_up_at",)
    return Change(values, clear)


def await_patient(at: datetime) -> Change:
    """The team has done its part and waits for the patient (their next message clears this)."""
    return Change({"awaiting_since": at}, ("closed_at", "follow_up_at"))


def reopen() -> Change:
    """Back to the team's open work: new, or assigned when someone holds it."""
    return Change({}, _REOPEN)


def escalate(to_staff_id: str, at: datetime) -> Change:
    """Ask a consultant or senior colleague to look (they see it in "Escalated to me" until they act)."""
    return Change({"escalated_to": to_staff_id, "escalated_at": at})


def settle_escalation() -> Change:
    """The colleague it was escalated to has acted on it."""
    return Change({}, ("escalated_to", "escalated_at"))


def merge(first: Change, second: Change) -> Change:
    """One change doing both (``second`` wins where they touch the same field)."""
    clear = tuple(name for name in first.clear if name not in second.set) + tuple(
        name for name in second.clear if name not in first.clear)
    values = {k: v for k, v in first.set.items() if k not in second.clear}
    adds = dict(first.add)
    for name, amount in second.add.items():
        adds[name] = adds.get(name, 0) + amount
    return Change({**values, **second.set}, clear, adds)


def views_of(state: ConversationState) -> frozenset[str]:
    """The inbox views (with counts) a conversation in ``state`` belongs to; ``mine#``/``escalated#`` name a person.

    Counts are kept by adding one where a change makes a conversation join a view and taking one
    away where it leaves: this is the single definition both sides use.
    """
    if state.discharged:
        return frozenset()
    status = status_of(state)
    bucket = status_view(state)
    views = {bucket} if bucket else set()
    if state.assigned_staff_id and status != "closed":
        views.add(f"mine#{state.assigned_staff_id}")
    if state.escalated_to and status != "closed":
        views.add(f"escalated#{state.escalated_to}")
    return frozenset(views)


def count_changes(before: ConversationState, after: ConversationState) -> dict[str, int]:
    """How each view's count moves when a conversation goes from ``before`` to ``after``."""
    old, new = views_of(before), views_of(after)
    return {**{name: 1 for name in new - old}, **{name: -1 for name in old - new}}
