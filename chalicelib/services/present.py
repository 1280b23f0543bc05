"""Shape stored records for people: the JSON the API returns and the data templates render.

Templates never query and never see PynamoDB objects; they get these plain dicts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple, Protocol

from chalicelib.domain.availability import Status, reply_by, status_at
from chalicelib.domain.conversation import STATUS_LABELS, status_of
from chalicelib.domain.filing import as_ranges, is_filed
from chalicelib.domain.patient_list import date_of_birth_text, nhs_number_text
from chalicelib.domain.policy import TeamPolicy, when_text
from chalicelib.domain.red_flags import label as red_flag_label
from chalicelib.domain.safety import EMERGENCY_ROUTES
from chalicelib.models import keys
from chalicelib.models.conversation import ConversationItem, MessageItem
from chalicelib.models.team import TeamItem
from chalicelib.models.team import team_policy as policy_of


def iso(value: datetime | None) -> str | None:
    return keys.iso(value) if value else None


def team_status(team: TeamItem, now: datetime) -> dict[str, Any]:
    """Open or closed, in words a young person reads, with the expected reply time."""
    return _status(policy_of(team), now)[0]


def _status(policy: TeamPolicy, now: datetime) -> tuple[dict[str, Any], str]:
    """The status, and the "We open again ..." sentence when closed ("" when open)."""
    status: Status = status_at(policy.availability, now)
    due = reply_by(policy.availability, now)
    opening = ""
    if not status.open:
        reason = f" ({status.detail})" if status.reason in ("closure", "paused", "bank_holiday") and status.detail else ""
        opening = f"We open again {when_text(policy, status.next_opening, now)}{reason}. "
    return {
        "open": status.open,
        "reason": status.reason,
        "headline": "Open now" if status.open else "Closed",
        "detail": f"{opening}We aim to reply by {when_text(policy, due, now)}.",
        "next_opening": iso(status.next_opening),
        "reply_by": iso(due),
        "reply_by_text": when_text(policy, due, now),
    }, opening


def patient_status(team: TeamItem, conversation: ThreadMarks, now: datetime) -> dict[str, Any]:
    """A team's status on a young person's own pages: a reply-by only for a reply they are owed.

    "We aim to reply by Wednesday" read, after the team had replied, as a promise still open. So while
    the team owes a reply the line gives that reply's time; otherwise it says what a new message would
    get ("If you send a message now..."), which the person needs to know before they write.
    """
    policy = policy_of(team)
    status, opening = _status(policy, now)
    owed_by = conversation.reply_by if conversation.waiting_since is not None else None
    if owed_by is not None:
        aim = f"We aim to reply to you by {when_text(policy, owed_by, now)}."
    else:
        aim = f"If you send a message now, we aim to reply by {status['reply_by_text']}."
    return {**status, "detail": opening + aim, "owed": owed_by is not None}


def emergency_routes() -> list[dict[str, str]]:
    return [{"label": r.label, "detail": r.detail, "href": r.href} for r in EMERGENCY_ROUTES]


class ThreadMarks(Protocol):
    """What a message's read state and reply-by depend on (a ConversationItem has these)."""

    @property
    def waiting_since(self) -> datetime | None: ...

    @property
    def team_read_upto(self) -> datetime | None: ...

    @property
    def patient_read_upto(self) -> datetime | None: ...

    @property
    def reply_by(self) -> datetime | None: ...


class Marks(NamedTuple):
    """ThreadMarks as they stand just after a send (the loaded conversation predates the new message)."""

    waiting_since: datetime | None
    team_read_upto: datetime | None
    patient_read_upto: datetime | None
    reply_by: datetime | None = None


def message(item: MessageItem, conversation: ThreadMarks, *, viewer: str, policy: TeamPolicy | None,
            now: datetime, viewer_id: str | None = None) -> dict[str, Any]:
    """One message for a viewer ("patient" or "staff", and who), with sender, read state and reply-by.

    A clinician's message is "mine" only to that clinician; colleagues see their name and role.
    A reply-by is shown only while the team still owes a reply to that message.
    """
    if viewer == "patient":
        mine = item.sender_kind == "patient"
    else:
        mine = item.sender_kind == "staff" and item.sender_id == viewer_id
    if item.sender_kind == "patient":
        read = bool(conversation.team_read_upto and conversation.team_read_upto >= item.sent_at)
    elif item.sender_kind == "staff":
        read = bool(conversation.patient_read_upto and conversation.patient_read_upto >= item.sent_at)
    else:
        read = False
    data: dict[str, Any] = {
        "id": item.message_id,
        "cursor": item.sk,
        "client_id": item.client_id,
        "sender": item.sender_kind,
        "sender_label": item.sender_label,
        "body": item.body,
        "sent_at": iso(item.sent_at),
        "sent_text": when_text(policy, item.sent_at, now) if policy else iso(item.sent_at),
        "mine": mine,
        "read": read,
        "automatic": item.sender_kind == "auto",
        "auto_kind": item.auto_kind,
        # Filed to the clinical record (the conversation's filed ranges; domain.filing).
        "filed": is_filed(item.sk, as_ranges(getattr(conversation, "filed_ranges", None))),
    }
    data.update(_safety_marks(item, viewer))
    owed = conversation.waiting_since is not None and item.sent_at >= conversation.waiting_since
    if item.reply_by and item.sender_kind == "patient" and owed:
        data["reply_by"] = iso(item.reply_by)
        data["reply_by_text"] = when_text(policy, item.reply_by, now) if policy else iso(item.reply_by)
    return data


def _safety_marks(item: MessageItem, viewer: str) -> dict[str, Any]:
    """Staff see a message's red flags and content warning (and may add one); its sender sees it was marked urgent."""
    if viewer != "staff":
        return {"flagged": True} if item.red_flags else {}
    return {"red_flags": [red_flag_label(c) for c in item.red_flags or []], "content_warning": item.content_warning,
            "can_warn": item.sender_kind == "patient"}


def conversation_summary(conv: ConversationItem, now: datetime, policy: TeamPolicy | None = None) -> dict[str, Any]:
    """A row in the team inbox."""
    return {
        "team_id": conv.team_id,
        "patient_id": conv.patient_id,
        "patient_name": conv.patient_name,
        "date_of_birth_text": date_of_birth_text(conv.date_of_birth),
        "nhs_number_text": nhs_number_text(conv.nhs_number),
        "waiting": conv.waiting_since is not None,
        "empty": not conv.message_count,
        "waiting_since": iso(conv.waiting_since),
        "reply_by": iso(conv.reply_by),
        "reply_by_text": when_text(policy, conv.reply_by, now) if (policy and conv.reply_by) else None,
        "overdue": bool(conv.reply_by and conv.reply_by <= now and conv.waiting_since),
        "urgent": bool(conv.urgent),
        "unread": int(conv.team_unread or 0),
        "last_activity_at": iso(conv.last_activity_at),
        "last_activity_text": when_text(policy, conv.last_activity_at, now) if policy else iso(conv.last_activity_at),
        "last_sender": conv.last_sender,
        "preview": conv.last_preview,
        "assigned_staff_id": conv.assigned_staff_id,
        "assigned_name": conv.assigned_name,
        "covered_by": _cover_name(policy, conv.assigned_staff_id, now),
        "status": status_of(conv.state),
        "status_label": STATUS_LABELS[status_of(conv.state)],
        "escalated_to": conv.escalated_to,
    }


def _cover_name(policy: TeamPolicy | None, staff_id: str | None, now: datetime) -> str | None:
    away = policy.away_now(staff_id, now) if policy else None
    return f"{away.cover_name} ({away.cover_role})" if away else None


def when_text_for(team: TeamItem, when: datetime | None, now: datetime) -> str:
    """A time in a team's timezone, as a young person reads it."""
    return when_text(policy_of(team), when, now) if when else ""


def sent(message_item: MessageItem, auto_reply: MessageItem | None, conversation: ConversationItem, *, viewer: str,
         viewer_id: str, policy: TeamPolicy, now: datetime) -> dict[str, Any]:
    """A just-stored message (and its auto-reply) as its sender sees it.

    Shown as stored: a patient's message is now what the team owes a reply to, even though the
    conversation was loaded before it was written.
    """
    waiting = (conversation.waiting_since or message_item.sent_at) if viewer == "patient" else conversation.waiting_since
    marks = Marks(waiting, conversation.team_read_upto, conversation.patient_read_upto)
    return {
        "message": message(message_item, marks, viewer=viewer, policy=policy, now=now, viewer_id=viewer_id),
        "auto_reply": message(auto_reply, marks, viewer=viewer, policy=policy, now=now, viewer_id=viewer_id)
        if auto_reply else None,
    }


def note(item: Any, policy: TeamPolicy | None, now: datetime) -> dict[str, Any]:
    """A staff-only note or workflow event (a ``models.notes.NoteItem``) for the staff thread; never for patients."""
    return {
        "id": item.note_id,
        "note_kind": item.note_kind,
        "author_label": item.author_label,
        "body": item.body,
        "at": iso(item.at),
        "at_text": when_text(policy, item.at, now) if policy else iso(item.at),
    }


def interleave(messages: list[dict[str, Any]], notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages and staff-only notes in time order, each marked with what it is (for the staff thread)."""
    rows = [{"entry": "message", "sort": m["sent_at"] or "", **m} for m in messages]
    rows += [{"entry": "note", "sort": n["at"] or "", **n} for n in notes]
    return sorted(rows, key=lambda row: row["sort"])
