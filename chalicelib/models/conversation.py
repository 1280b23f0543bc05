"""Conversations and their messages: the items, their index keys, and every query on them.

A conversation lives in its own partition (``CONV#<team>#<patient>``): its record (sort key ``~CONV``,
which sorts after the messages), its messages (``MSG#<stamp>#<id>``) and one idempotency guard per
client message id (``CMID#<uuid>``). The record also sits in up to four indexes, whose keys are
derived here from its state and nowhere else:

* gsi1 ``INBOX#<team>``: the team inbox, waiting first, newest activity first;
* gsi2 ``DUE#<team>``: only while a reply is owed, ordered by reply-by (the overdue view and sweep);
* gsi3 ``PATIENTS#<team>``: the team's patients by name;
* gsi4 ``ASSIGNED#<staff>``: the conversations one clinician holds, in inbox order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from chalicelib.domain.conversation import Change, ConversationState, apply
from chalicelib.errors import ValidationError
from chalicelib.ids import new_id
from chalicelib.models import cursor, keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import batch_get, get, storage

PAGE_SIZE = 30
INBOX_PAGE_SIZE = 25
#: A message's sort key as it appears in URLs (a page cursor, or the newest message a clinician saw).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MESSAGE_SK = re.compile(r"^MSG#(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)#[0-9a-z]{26}$")


class ConversationItem(MainItem, discriminator="conversation"):
    """One per patient per team: the thread's state, and the patient's membership of the team."""

    team_id = UnicodeAttribute()
    patient_id = UnicodeAttribute()
    patient_name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    last_activity_at = UTCDateTimeAttribute()
    last_sender = UnicodeAttribute(null=True)  # patient | staff | auto
    last_preview = UnicodeAttribute(default="")
    last_patient_at = UTCDateTimeAttribute(null=True)
    #: Set while the team owes a reply: when the oldest unanswered patient message arrived.
    waiting_since = UTCDateTimeAttribute(null=True)
    reply_by = UTCDateTimeAttribute(null=True)
    overdue = BooleanAttribute(default=False)
    #: Set by a clinician: staff are notified of this conversation even when off shift.
    urgent = BooleanAttribute(default=False)
    assigned_staff_id = UnicodeAttribute(null=True)
    assigned_name = UnicodeAttribute(null=True)  # "Sam (Diabetes specialist nurse)", for the inbox
    team_unread = NumberAttribute(default=0)
    patient_unread = NumberAttribute(default=0)
    team_read_upto = UTCDateTimeAttribute(null=True)
    patient_read_upto = UTCDateTimeAttribute(null=True)
    message_count = NumberAttribute(default=0)
    #: The no-flood key of the last auto-reply (one auto-reply per closed period).
    last_auto_reply_key = UnicodeAttribute(null=True)
    #: Set when the team discharged the patient: the thread is kept but leaves the inbox and the patient's reach.
    discharged_at = UTCDateTimeAttribute(null=True)
    #: Optimistic concurrency: every write checks and bumps it.
    revision = NumberAttribute(default=0)

    @property
    def conversation_id(self) -> str:
        return f"{self.team_id}.{self.patient_id}"

    @property
    def state(self) -> ConversationState:
        """The fields the conversation rules (``chalicelib.domain.conversation``) read."""
        return ConversationState(self.last_activity_at, self.last_patient_at, self.waiting_since, self.reply_by,
                                 bool(self.overdue), self.assigned_staff_id, self.discharged_at is not None)


class MessageItem(MainItem, discriminator="message"):
    """A message in a conversation, sorted by the time the server stored it."""

    message_id = UnicodeAttribute()
    team_id = UnicodeAttribute()
    patient_id = UnicodeAttribute()
    client_id = UnicodeAttribute(null=True)
    sender_kind = UnicodeAttribute()  # patient | staff | auto
    sender_id = UnicodeAttribute(null=True)
    sender_label = UnicodeAttribute(default="")  # e.g. "Sam (Specialist nurse)"; never a phone number
    body = UnicodeAttribute()
    sent_at = UTCDateTimeAttribute()
    reply_by = UTCDateTimeAttribute(null=True)
    auto_kind = UnicodeAttribute(null=True)
    #: For a patient message that triggered an auto-reply: that reply's sort key.
    auto_reply_sk = UnicodeAttribute(null=True)


class ClientMessageItem(MainItem, discriminator="client_message"):
    """Idempotency guard: one per client message id, pointing at the stored message."""

    message_sk = UnicodeAttribute()
    body_sha256 = UnicodeAttribute()
    auto_reply_sk = UnicodeAttribute(null=True)


# --- building items ------------------------------------------------------------------------------------


def new_conversation(team_id: str, patient_id: str, *, patient_name: str, family_name: str, given_name: str,
                     now: datetime) -> ConversationItem:
    """A new, empty conversation between a team and a patient, listed in the inbox and the patient list."""
    return ConversationItem(
        *keys.conversation(team_id, patient_id),
        team_id=team_id,
        patient_id=patient_id,
        patient_name=patient_name,
        created_at=now,
        last_activity_at=now,
        gsi1pk=keys.team_inbox(team_id),
        gsi1sk=keys.inbox_sk(False, now, patient_id),
        gsi3pk=keys.team_patients(team_id),
        gsi3sk=keys.by_name_sk(family_name, given_name, patient_id),
    )


def new_message(conv: ConversationItem, at: datetime, sender_kind: str, sender_id: str | None, label: str,
                body: str, *, client_id: str | None = None, reply_by: datetime | None = None,
                auto_kind: str | None = None) -> MessageItem:
    """Build (not save) a message in ``conv`` stamped ``at``."""
    message_id = new_id(at)
    return MessageItem(
        keys.conversation_pk(conv.team_id, conv.patient_id),
        keys.message_sk(at, message_id),
        message_id=message_id,
        team_id=conv.team_id,
        patient_id=conv.patient_id,
        client_id=client_id,
        sender_kind=sender_kind,
        sender_id=sender_id,
        sender_label=label,
        body=body,
        sent_at=at,
        reply_by=reply_by,
        auto_kind=auto_kind,
    )


def new_guard(conv: ConversationItem, client_id: str, message: MessageItem, digest: str,
              auto: MessageItem | None = None) -> ClientMessageItem:
    """The idempotency guard for one client message id."""
    return ClientMessageItem(*keys.client_message(conv.team_id, conv.patient_id, client_id), message_sk=message.sk,
                             body_sha256=digest, auto_reply_sk=auto.sk if auto else None)


def guard_from_raw(raw: dict[str, Any]) -> ClientMessageItem:
    """A guard item returned by a failed condition (ReturnValuesOnConditionCheckFailure)."""
    return ClientMessageItem.from_raw_data(raw)


def is_message(raw: dict[str, Any]) -> bool:
    """True when a raw item (a stream record's image) is a message."""
    return raw.get("kind", {}).get("S") == "message"


def message_from_raw(raw: dict[str, Any]) -> MessageItem:
    """A message from its raw DynamoDB form (a stream record's image)."""
    return MessageItem.from_raw_data(raw)


def is_guard(raw: dict[str, Any]) -> bool:
    """True when a raw item (from a cancellation reason) is an idempotency guard."""
    return raw.get("kind", {}).get("S") == "client_message"


# --- changing the state ----------------------------------------------------------------------------------


def _index_values(state: ConversationState, patient_id: str, team_id: str) -> tuple[dict[str, Any], list[str]]:
    """The index attributes a conversation in ``state`` should carry (set), and those it should not (clear)."""
    if state.discharged:  # kept for the record (and the patient list, gsi3), in no working list
        return {}, ["gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi4pk", "gsi4sk"]
    inbox = keys.inbox_sk(state.waiting_since is not None, state.last_activity_at or _EPOCH, patient_id)
    values: dict[str, Any] = {"gsi1pk": keys.team_inbox(team_id), "gsi1sk": inbox}
    clear: list[str] = []
    if state.waiting_since is not None and state.reply_by is not None:
        values.update(gsi2pk=keys.team_due(team_id), gsi2sk=keys.due_sk(state.reply_by, patient_id))
    else:
        clear += ["gsi2pk", "gsi2sk"]
    if state.assigned_staff_id:
        values.update(gsi4pk=keys.assigned(team_id, state.assigned_staff_id), gsi4sk=inbox)
    else:
        clear += ["gsi4pk", "gsi4sk"]
    return values, clear


def update_actions(conv: ConversationItem, change: Change) -> list[Any]:
    """The update actions for ``change``, with the index keys kept in step and the revision bumped."""
    index_set, index_clear = _index_values(apply(conv.state, change), conv.patient_id, conv.team_id)
    actions: list[Any] = []
    for name, value in {**change.set, **index_set}.items():
        actions.append(getattr(ConversationItem, name).set(value))
    for name in (*change.clear, *index_clear):
        if name not in change.set and name not in index_set:
            attribute = getattr(ConversationItem, name)
            actions.append(attribute.set(False) if name == "overdue" else attribute.remove())
    for name, amount in change.add.items():
        actions.append(getattr(ConversationItem, name).add(amount))
    actions.append(ConversationItem.revision.add(1))
    return actions


def unchanged_since_loaded(conv: ConversationItem) -> Any:
    """The condition that no one else has written the conversation since ``conv`` was read."""
    return ConversationItem.revision == conv.revision


# --- reading ----------------------------------------------------------------------------------------------


def load(team_id: str, patient_id: str) -> ConversationItem | None:
    """The conversation, read consistently (after a write that lost a race)."""
    found: ConversationItem | None = get(keys.conversation(team_id, patient_id), ConversationItem, consistent=True)
    return found


def patient_and_conversation(patient_id: str, team_id: str) -> tuple[Any, ConversationItem | None]:
    """A patient's record and their conversation with a team (one BatchGetItem); None where absent."""
    from chalicelib.models.people import PatientItem

    found = batch_get([keys.patient(patient_id), keys.conversation(team_id, patient_id)])
    patient = found.get(keys.patient(patient_id))
    conv = found.get(keys.conversation(team_id, patient_id))
    return (patient if isinstance(patient, PatientItem) else None,
            conv if isinstance(conv, ConversationItem) else None)


def teams_with_conversations(patient_id: str, team_ids: list[str]) -> list[tuple[Any, ConversationItem]]:
    """(team, conversation) for each of a patient's teams that has both (one BatchGetItem)."""
    from chalicelib.models.team import TeamItem

    found = batch_get([k for t in team_ids for k in (keys.team(t), keys.conversation(t, patient_id))])
    pairs = [(found.get(keys.team(t)), found.get(keys.conversation(t, patient_id))) for t in team_ids]
    return [(team, conv) for team, conv in pairs if isinstance(team, TeamItem) and isinstance(conv, ConversationItem)]


class MessagePage(NamedTuple):
    """Messages oldest-first for display, and the cursor for the page before them (None at the start)."""

    messages: list[MessageItem]
    older_cursor: str | None


def check_message_cursor(value: object, *, field: str = "before",
                         message: str = "That page link is not valid.") -> str | None:
    """Validate a message sort key that came from a URL or a form; '' and None mean none."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _MESSAGE_SK.match(value):
        raise ValidationError(message, field=field)
    return value


def cursor_time(message_cursor: str | None) -> datetime | None:
    """The instant a (validated) message cursor points at."""
    match = _MESSAGE_SK.match(message_cursor or "")
    return datetime.fromisoformat(match.group(1).replace("Z", "+00:00")) if match else None


def message_page(team_id: str, patient_id: str, *, before: str | None = None, limit: int = PAGE_SIZE) -> MessagePage:
    """One page of a conversation: one Query, newest first, returned oldest first."""
    pk = keys.conversation_pk(team_id, patient_id)
    # BETWEEN is inclusive, so the cursor's own message is fetched and dropped; a plain "<" would
    # run on into the CMID# guard items that sort before the messages.
    condition = (
        MessageItem.sk.between(keys.MESSAGE_PREFIX, before) if before else MessageItem.sk.startswith(keys.MESSAGE_PREFIX)
    )
    fetch = limit + (2 if before else 1)
    with storage():
        results = MessageItem.query(pk, condition, scan_index_forward=False, limit=fetch, page_size=fetch)
        items = [item for item in results if isinstance(item, MessageItem) and item.sk != before]
    older = items[limit - 1].sk if len(items) > limit else None
    return MessagePage(list(reversed(items[:limit])), older)


def messages_by_key(pk: str, sort_keys: Iterable[str | None]) -> list[MessageItem | None]:
    """Messages of one conversation by sort key (one BatchGetItem), in the order asked; None where missing."""
    wanted = [(pk, sk) for sk in sort_keys if sk]
    found = batch_get(wanted)
    result: list[MessageItem | None] = []
    for sk in sort_keys:
        item = found.get((pk, sk)) if sk else None
        result.append(item if isinstance(item, MessageItem) else None)
    return result


class InboxPage(NamedTuple):
    """Conversations for one inbox page and the cursor for the next."""

    conversations: list[ConversationItem]
    next_cursor: str | None


def inbox_page(team_id: str, *, cursor_text: str | None = None, limit: int = INBOX_PAGE_SIZE) -> InboxPage:
    """One page of a team's inbox: waiting conversations first, newest first. One Query."""
    start = cursor.decode(cursor_text, names={"pk", "sk", "gsi1pk", "gsi1sk"},
                          partition=("gsi1pk", keys.team_inbox(team_id)))
    with storage():
        results = ConversationItem.by_gsi1.query(keys.team_inbox(team_id), scan_index_forward=False, limit=limit,
                                                 page_size=limit, last_evaluated_key=start)
        items = [item for item in results if isinstance(item, ConversationItem)]
        next_key = results.last_evaluated_key
    return InboxPage(items, cursor.encode(next_key) if len(items) == limit else None)


def assigned_to(team_id: str, staff_ids: list[str], *, limit: int = 50) -> list[ConversationItem]:
    """Conversations of one team held by any of these clinicians (one Query each), waiting first, newest first."""
    found: list[ConversationItem] = []
    with storage():
        for staff_id in staff_ids:
            found += [c for c in ConversationItem.by_gsi4.query(keys.assigned(team_id, staff_id),
                                                                scan_index_forward=False, limit=limit)
                      if isinstance(c, ConversationItem) and c.team_id == team_id]
    return sorted(found, key=lambda c: c.gsi4sk or "", reverse=True)[:limit]


def all_held_by(team_id: str, staff_id: str) -> list[ConversationItem]:
    """Every conversation of a team one clinician holds (all pages; for releasing them when they leave)."""
    with storage():
        return [c for c in ConversationItem.by_gsi4.query(keys.assigned(team_id, staff_id))
                if isinstance(c, ConversationItem)]


def due(team_id: str, now: datetime, *, limit: int | None = None) -> list[ConversationItem]:
    """A team's conversations past their reply-by, most overdue first (one Query on the sparse due index)."""
    with storage():
        return [c for c in ConversationItem.by_gsi2.query(keys.team_due(team_id),
                                                           ConversationItem.gsi2sk <= keys.due_upto(now), limit=limit)
                if isinstance(c, ConversationItem) and c.waiting_since is not None]


def team_patients(team_id: str) -> list[ConversationItem]:
    """A team's conversations in patient-name order (one Query on gsi3)."""
    with storage():
        return [c for c in ConversationItem.by_gsi3.query(keys.team_patients(team_id))
                if isinstance(c, ConversationItem)]
