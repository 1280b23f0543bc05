"""Exports to the clinical record, the queues filing and retention read, and the retention job's checkpoint.

An export (``EXPORT#<export id>`` in the conversation's partition; ids sort by time) records one filing:
who filed, when, the span of message sort keys it took and what had been filed before it (so exactly
which messages it holds can be worked out again), the patient's details as they were, and where its
transcript and FHIR bundle are stored (``models.export_files``). While those are still to be made it sits
in gsi9 ``EXPORTS#PENDING``. The queues (see ``models.records_index``): gsi9 ``UNFILED#<team>`` and gsi10
``RETAIN#<team>``. Every query here reads one of them, or one conversation's partition; none scans.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.errors import NotFound
from chalicelib.models import cursor, keys
from chalicelib.models.base import MainItem
from chalicelib.models.conversation import ClientMessageItem, ConversationItem, MessageItem
from chalicelib.models.db import get, storage

_EXPORT_ID = re.compile(r"^[0-9a-z]{26}$")


class ExportItem(MainItem, discriminator="record_export"):
    """One filing of a conversation to the clinical record."""

    export_id = UnicodeAttribute()
    trust_id = UnicodeAttribute()
    team_id = UnicodeAttribute()
    team_name = UnicodeAttribute()
    timezone = UnicodeAttribute()
    patient_id = UnicodeAttribute()
    filed_at = UTCDateTimeAttribute()
    filed_by_id = UnicodeAttribute()
    filed_by_name = UnicodeAttribute()
    #: The first and last message sort key it took, and the ranges filed before it (its messages are the
    #: ones between first and last that those ranges do not hold).
    first_sk = UnicodeAttribute()
    last_sk = UnicodeAttribute()
    earlier_ranges = JSONAttribute(default=list)
    message_count = NumberAttribute()
    #: The period asked for (None: everything unfiled).
    period_start = UTCDateTimeAttribute(null=True)
    period_end = UTCDateTimeAttribute(null=True)
    #: The patient as they were when filed: {given_name, family_name, date_of_birth, nhs_number}.
    patient = JSONAttribute()
    previous_message_id = UnicodeAttribute(null=True)
    state = UnicodeAttribute(default="pending")  # pending | ready
    #: {"bundle": {"key", "sha256", "bytes"}, "pdf": {...}, "manifest": {...}} once stored.
    files = JSONAttribute(null=True)
    made_at = UTCDateTimeAttribute(null=True)


class JobCheckpointItem(MainItem, discriminator="job_checkpoint"):
    """Where a resumable job is in its pass: which team, and the index cursor within it."""

    name = UnicodeAttribute()
    pass_started_at = UTCDateTimeAttribute(null=True)
    completed_at = UTCDateTimeAttribute(null=True)
    position = UnicodeAttribute(null=True)  # "<trust id>#<team id>" being worked through
    cursor = UnicodeAttribute(null=True)  # the gsi cursor within that team
    counts = JSONAttribute(default=dict)
    runs = NumberAttribute(default=0)


def check_export_id(value: str) -> str:
    """An export id from a URL (NotFound when it cannot be one)."""
    if not _EXPORT_ID.match(value or ""):
        raise NotFound("We could not find that export.")
    return value


def export_key(team_id: str, patient_id: str, export_id: str) -> tuple[str, str]:
    """The key of one export."""
    return keys.conversation_pk(team_id, patient_id), f"{keys.EXPORT_PREFIX}{export_id}"


# --- reading a conversation ----------------------------------------------------------------------------


def all_messages(team_id: str, patient_id: str, *, first: str | None = None,
                 last: str | None = None) -> list[MessageItem]:
    """Every message of a conversation (between two sort keys, if given), oldest first: one paged Query.

    Only items of the message kind are returned: an item of any other kind stored among the messages
    (an internal note, say) is never part of what is filed.
    """
    pk = keys.conversation_pk(team_id, patient_id)
    condition = MessageItem.sk.between(first or keys.MESSAGE_PREFIX, last or f"{keys.MESSAGE_PREFIX}~")
    with storage():
        return [m for m in MessageItem.query(pk, condition) if type(m) is MessageItem]


def exports_of(team_id: str, patient_id: str) -> list[ExportItem]:
    """A conversation's exports, oldest first (one Query in its partition)."""
    pk = keys.conversation_pk(team_id, patient_id)
    with storage():
        return [e for e in ExportItem.query(pk, ExportItem.sk.startswith(keys.EXPORT_PREFIX))
                if isinstance(e, ExportItem)]


class Partition(NamedTuple):
    """Everything of a conversation the retention job weighs: its messages, exports and guards, each oldest first."""

    messages: list[MessageItem]
    exports: list[ExportItem]
    guards: list[ClientMessageItem]


def partition(team_id: str, patient_id: str) -> Partition:
    """A conversation's whole partition, sorted by kind (one paged Query, rather than one per kind)."""
    found = Partition([], [], [])
    with storage():
        for item in MainItem.query(keys.conversation_pk(team_id, patient_id)):
            if type(item) is MessageItem:
                found.messages.append(item)
            elif isinstance(item, ExportItem):
                found.exports.append(item)
            elif isinstance(item, ClientMessageItem):
                found.guards.append(item)
    return found


def get_export(team_id: str, patient_id: str, export_id: str) -> ExportItem | None:
    """One export, read consistently, or None."""
    found: ExportItem | None = get(export_key(team_id, patient_id, export_id), ExportItem, consistent=True)
    return found


# --- the queues ----------------------------------------------------------------------------------------------


def unfiled_before(team_id: str, before: datetime, *, limit: int = 100) -> list[ConversationItem]:
    """A team's conversations whose oldest unfiled message is at or before ``before``, oldest first (gsi9)."""
    with storage():
        return [c for c in ConversationItem.by_gsi9.query(keys.team_unfiled(team_id),
                                                          ConversationItem.gsi9sk <= f"{keys.iso(before)}~",
                                                          limit=limit)
                if isinstance(c, ConversationItem)]


def count_unfiled_before(team_id: str, before: datetime) -> int:
    """How many of a team's conversations have had a message unfiled since ``before`` (one counting Query)."""
    with storage():
        return int(ConversationItem.by_gsi9.count(keys.team_unfiled(team_id),
                                                  ConversationItem.gsi9sk <= f"{keys.iso(before)}~"))


def pending_exports(limit: int = 10) -> list[ExportItem]:
    """Exports whose transcript and bundle are still to be made, oldest first (gsi9)."""
    with storage():
        return [e for e in ExportItem.by_gsi9.query(keys.EXPORTS_PENDING, limit=limit) if isinstance(e, ExportItem)]


class RetentionPage:
    """One page of a team's conversations whose last activity is old enough to be past retention."""

    def __init__(self, conversations: list[ConversationItem], next_cursor: str | None) -> None:
        self.conversations = conversations
        self.next_cursor = next_cursor


def retention_page(team_id: str, last_activity_before: datetime, *, cursor_text: str | None = None,
                   limit: int = 25) -> RetentionPage:
    """Conversations of a team with last activity at or before the bound, oldest first (gsi10, one Query)."""
    partition = keys.team_retention(team_id)
    start = cursor.decode(cursor_text, names={"pk", "sk", "gsi10pk", "gsi10sk"}, partition=("gsi10pk", partition))
    with storage():
        results = ConversationItem.by_gsi10.query(partition, ConversationItem.gsi10sk <= f"{keys.iso(last_activity_before)}~",
                                                  limit=limit, page_size=limit, last_evaluated_key=start)
        items = [c for c in results if isinstance(c, ConversationItem)]
        next_key = results.last_evaluated_key
    return RetentionPage(items, cursor.encode(next_key) if next_key and len(items) == limit else None)


# --- the retention job's checkpoint ------------------------------------------------------------------------


def checkpoint(name: str) -> JobCheckpointItem:
    """The job's checkpoint (a fresh, unsaved one the first time)."""
    found: JobCheckpointItem | None = get(keys.job_checkpoint(name), JobCheckpointItem, consistent=True)
    return found or JobCheckpointItem(*keys.job_checkpoint(name), name=name, counts={})


def save_checkpoint(item: JobCheckpointItem) -> None:
    """Store where the job is (a plain put: one job runs at a time, by schedule)."""
    with storage():
        item.save()


def delete_items(items: list[MainItem]) -> None:
    """Delete items by key (BatchWriteItem, 25 a call)."""
    with storage(), MainItem.batch_write() as batch:
        for item in items:
            batch.delete(item)


def iterate(items: list[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in chunks of ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
