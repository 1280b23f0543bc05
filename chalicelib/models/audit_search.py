"""Searching the audit log over a range of time, and the records that put names to its rows.

The audit table is partitioned by UTC day, so events between two instants are one Query per day in
the range (newest day first, at most ``MAX_DAYS``), each bounded by sort key; everything about one
patient or by one person is one Query on ``by_subject`` or ``by_actor`` bounded the same way. Filters
(the reader's Trust, an event kind, a staff member) run in DynamoDB, and a page stops at ``PAGE_SIZE``
events with a cursor for the rest. A search never Scans.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from chalicelib.errors import ValidationError
from chalicelib.models import cursor, keys
from chalicelib.models.audit import AuditEvent, EventPage
from chalicelib.models.db import batch_get, storage

PAGE_SIZE = 50
MAX_DAYS = 31


class Window(NamedTuple):
    """A span of time, start included, end not (UTC instants)."""

    start: datetime
    end: datetime

    @property
    def sort_keys(self) -> tuple[str, str]:
        """The audit sort-key bounds (BETWEEN, inclusive) for events in the window."""
        return keys.iso(self.start), keys.iso(self.end - timedelta(microseconds=1)) + "~"

    def utc_days(self) -> list[date]:
        """The UTC days the window touches, newest first."""
        first, last = self.start.date(), (self.end - timedelta(microseconds=1)).date()
        return [last - timedelta(days=n) for n in range((last - first).days + 1)]


class Filters(NamedTuple):
    """What else an event must match: the reader's Trust (always), an event kind, who did it."""

    trust_id: str
    event_type: str | None = None
    actor_id: str | None = None


def _condition(filters: Filters) -> Any:
    condition = (AuditEvent.trust_id == filters.trust_id) | AuditEvent.trust_id.does_not_exist()
    if filters.event_type:
        condition &= AuditEvent.event_type == filters.event_type
    if filters.actor_id:
        condition &= AuditEvent.actor_id == filters.actor_id
    return condition


def _run(query: Any, limit: int) -> tuple[list[AuditEvent], dict[str, Any] | None]:
    with storage():
        events = [e for e in query if isinstance(e, AuditEvent)]
        return events, (query.last_evaluated_key if len(events) >= limit else None)


def about_patient(patient_id: str, window: Window, filters: Filters, cursor_text: str | None = None,
                  limit: int = PAGE_SIZE) -> EventPage:
    """Everything that touched one patient's data in the window, newest first (one Query on ``by_subject``)."""
    subject = keys.audit_subject(patient_id)
    start = cursor.decode(cursor_text, names={"pk", "sk", "subject"}, partition=("subject", subject))
    low, high = window.sort_keys
    events, last = _run(AuditEvent.by_subject.query(subject, AuditEvent.sk.between(low, high),
                                                    filter_condition=_condition(filters), scan_index_forward=False,
                                                    limit=limit, last_evaluated_key=start), limit)
    return EventPage(events, cursor.encode(last))


def by_staff(staff_id: str, window: Window, filters: Filters, cursor_text: str | None = None,
             limit: int = PAGE_SIZE) -> EventPage:
    """Everything one staff member did in the window, newest first (one Query on ``by_actor``)."""
    actor = keys.audit_actor("staff", staff_id)
    start = cursor.decode(cursor_text, names={"pk", "sk", "actor"}, partition=("actor", actor))
    low, high = window.sort_keys
    events, last = _run(AuditEvent.by_actor.query(actor, AuditEvent.sk.between(low, high),
                                                  filter_condition=_condition(filters), scan_index_forward=False,
                                                  limit=limit, last_evaluated_key=start), limit)
    return EventPage(events, cursor.encode(last))


def _day_cursor(cursor_text: str | None, days: list[date]) -> tuple[int, dict[str, Any] | None]:
    """Which day of ``days`` a cursor resumes at, and where in it ("<day>.<key>")."""
    if not cursor_text:
        return 0, None
    day_text, _, key_text = cursor_text.partition(".")
    try:
        index = days.index(date.fromisoformat(day_text))
    except ValueError as exc:
        raise ValidationError("That page link is not valid.", field="cursor") from exc
    pk = keys.audit_day(days[index].isoformat())
    return index, cursor.decode(key_text or None, names={"pk", "sk"}, partition=("pk", pk))


def between(window: Window, filters: Filters, cursor_text: str | None = None, limit: int = PAGE_SIZE) -> EventPage:
    """Every event in the window, newest first: one Query per UTC day, until a page is full."""
    days = window.utc_days()
    if len(days) > MAX_DAYS + 1:  # a local range of 31 days can touch 32 UTC days
        raise ValidationError(f"Search up to {MAX_DAYS} days at a time.", field="from")
    index, start = _day_cursor(cursor_text, days)
    low, high = window.sort_keys
    found: list[AuditEvent] = []
    for position in range(index, len(days)):
        day = days[position]
        events, last = _run(AuditEvent.query(keys.audit_day(day.isoformat()), AuditEvent.sk.between(low, high),
                                             filter_condition=_condition(filters), scan_index_forward=False,
                                             limit=limit - len(found), last_evaluated_key=start), limit - len(found))
        found += events
        start = None
        if len(found) >= limit:
            if last:
                return EventPage(found, f"{day.isoformat()}.{cursor.encode(last)}")
            more = position + 1 < len(days)
            return EventPage(found, f"{days[position + 1].isoformat()}." if more else None)
    return EventPage(found, None)


def records(keys_wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """Staff, patients and teams by key (BatchGetItem, in as many calls of 100 as needed)."""
    return batch_get(keys_wanted)


def patients_named(team_ids: Iterable[str], family: str, given: str = "") -> set[str]:
    """Ids of the patients of these teams whose family name is ``family`` (and given name starts ``given``).

    One Query per team on its patient list (gsi3, by name): a Trust's teams are a handful, and this is an
    IG lead's search, not a page everyone opens.
    """
    from chalicelib.models.conversation import ConversationItem

    prefix = keys.by_name_prefix(family.strip(), given.strip())
    found: set[str] = set()
    with storage():
        for team_id in team_ids:
            found |= {c.patient_id for c in ConversationItem.by_gsi3.query(
                keys.team_patients(team_id), ConversationItem.gsi3sk.startswith(prefix))
                if isinstance(c, ConversationItem)}
    return found
