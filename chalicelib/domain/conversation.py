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
    return Change(values, add={"team_unread": 1, "message_count": 2 if auto_reply_at else 1})


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
                                                           "assigned_name"))


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
