"""Internal notes and workflow events: staff-only items in a conversation's partition, never messages.

A note is its own kind of item (``kind = "note"``) under ``NOTE#<stamp>#<id>``: outside the ``MSG#``
range every patient read, export and push is built from, and of a class (``NoteItem``) that nothing
on the patient side, in ``services.present.message`` or in push delivery ever accepts. Workflow
events (assigned, released, status changed, escalated) are notes of kind ``event`` so the thread
shows them to staff, and only to staff.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.ids import new_id
from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.db import storage

NOTE_KINDS = ("note", "event", "escalation")


class NoteItem(MainItem, discriminator="note"):
    """A staff-only line in a conversation: a clinician's note, an escalation's reason, or a workflow event."""

    note_id = UnicodeAttribute()
    team_id = UnicodeAttribute()
    patient_id = UnicodeAttribute()
    note_kind = UnicodeAttribute()  # note | event | escalation
    author_id = UnicodeAttribute(null=True)
    author_label = UnicodeAttribute(default="")
    body = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    #: For the workload dashboard's per-clinician load (counted from the table's stream): "assigned" when the
    #: conversation became ``subject_id``'s (a claim, an assignment, the rota), "escalated" when it was
    #: escalated to them; absent on notes and other events.
    step = UnicodeAttribute(null=True)
    subject_id = UnicodeAttribute(null=True)
    subject_label = UnicodeAttribute(null=True)


def new_note(conv: ConversationItem, at: datetime, *, kind: str, author_id: str | None, author_label: str,
             body: str, step: str | None = None, subject: tuple[str, str] | None = None) -> NoteItem:
    """Build (not save) a staff-only note in ``conv``; ``step`` and ``subject`` (id, label) as on ``NoteItem``."""
    note_id = new_id(at)
    subject_id, subject_label = subject if subject else (None, None)
    return NoteItem(keys.conversation_pk(conv.team_id, conv.patient_id), keys.note_sk(at, note_id), note_id=note_id,
                    team_id=conv.team_id, patient_id=conv.patient_id, note_kind=kind, author_id=author_id,
                    author_label=author_label, body=body, at=at, step=step, subject_id=subject_id,
                    subject_label=subject_label)


def note_count_action() -> Any:
    return ConversationItem.note_count.add(1)


def notes_between(team_id: str, patient_id: str, after: datetime | None, upto: datetime | None,
                  *, limit: int = 200) -> list[NoteItem]:
    """The notes of one page's time span (one Query, oldest first): ``after`` exclusive, ``upto`` inclusive."""
    low = keys.note_sk(after, "") if after else keys.NOTE_PREFIX
    high = keys.note_sk(upto, "~") if upto else keys.NOTE_PREFIX + "~"
    with storage():
        return [n for n in NoteItem.query(keys.conversation_pk(team_id, patient_id), NoteItem.sk.between(low, high),
                                          limit=limit) if isinstance(n, NoteItem)]
