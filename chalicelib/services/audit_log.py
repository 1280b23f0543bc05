"""Reading the audit log, for a Trust's admin or IG lead: who did what, to whose data, when.

Three questions, each one Query on the audit table: everything that touched one patient's data
(``by_subject``), everything one person did (``by_actor``), and one day's events (the table's own
partition). Results are limited to the reader's Trust, and reading the log is itself audited.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import date, datetime
from typing import Any, NamedTuple

from pynamodb.exceptions import PynamoDBException

from chalicelib.auth.actor import Actor
from chalicelib.domain.people import clean_nhs_number
from chalicelib.errors import Forbidden, NotFound, ServiceUnavailable, ValidationError
from chalicelib.models import db, keys
from chalicelib.models.audit import AuditEvent, AuditEventType, audit_event
from chalicelib.models.items import NhsNumberItem, PatientItem, StaffItem

PAGE_SIZE = 50
_ID = re.compile(r"^[0-9a-z]{26}$")


class AuditPage(NamedTuple):
    """Events newest first, the names of the people in them, and the cursor for older events."""

    events: list[AuditEvent]
    names: dict[str, str]
    next_cursor: str | None
    subject: str


def _cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    flat = {k: v["S"] for k, v in key.items()}
    return base64.urlsafe_b64encode(json.dumps(flat).encode()).decode().rstrip("=")


def _start(cursor: str | None, index_key: str, value: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        flat = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        if not isinstance(flat, dict) or flat.get(index_key) != value or not all(isinstance(v, str) for v in flat.values()):
            raise ValueError("cursor for another search")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError("That page link is not valid.", field="cursor") from exc
    return {k: {"S": v} for k, v in flat.items()}


def find_patient_by_nhs_number(admin: Actor, number: object) -> str:
    """The id of the patient with this NHS number in the admin's Trust."""
    cleaned = clean_nhs_number(number)
    if not cleaned:
        raise ValidationError("Enter an NHS number.", field="nhs_number")
    found = db.batch_get([keys.nhs_number(admin.trust_id, cleaned)]).get(keys.nhs_number(admin.trust_id, cleaned))
    if not isinstance(found, NhsNumberItem):
        raise NotFound("No patient in this Trust has that NHS number.", field="nhs_number")
    return found.patient_id


def _person_query(admin: Actor, patient_id: str | None, staff_id: str | None, cursor: str | None) -> tuple[Any, str]:
    """Events about a patient (by_subject) or by a staff member (by_actor) of the admin's Trust."""
    model: type[PatientItem] | type[StaffItem]
    if patient_id:
        person_id, field, what, key, model = patient_id, "patient", "patient", keys.patient(patient_id), PatientItem
    else:
        person_id, field, what, key, model = staff_id or "", "staff", "staff member", keys.staff(staff_id or ""), StaffItem
    if not _ID.match(person_id):
        raise ValidationError(f"That {field} id is not valid.", field=field)
    person = db.batch_get([key]).get(key)
    if not isinstance(person, model) or person.trust_id != admin.trust_id:
        raise NotFound(f"We could not find that {what}.", field=field)
    if patient_id:
        subject = f"PATIENT#{person_id}"
        return AuditEvent.by_subject.query(subject, scan_index_forward=False, limit=PAGE_SIZE,
                                           last_evaluated_key=_start(cursor, "subject", subject)), subject
    subject = f"STAFF#{person_id}"
    return AuditEvent.by_actor.query(subject, scan_index_forward=False, limit=PAGE_SIZE,
                                     last_evaluated_key=_start(cursor, "actor", subject)), subject


def search(now: datetime, admin: Actor, *, patient_id: str | None = None, staff_id: str | None = None,
           day: str | None = None, cursor: str | None = None) -> AuditPage:
    """One page of the audit log for a patient, a staff member or a day (default: today)."""
    if not admin.is_trust_admin:
        raise Forbidden("Only a Trust admin can read the audit log.")
    results: Any  # PynamoDB types index queries by the base model; they yield AuditEvent rows
    try:
        if patient_id or staff_id:
            results, subject = _person_query(admin, patient_id, staff_id, cursor)
        else:
            try:
                when = date.fromisoformat(day) if day else now.date()
            except ValueError as exc:
                raise ValidationError("Enter the day as YYYY-MM-DD.", field="day") from exc
            subject = f"DAY#{when.isoformat()}"
            results = AuditEvent.query(subject, scan_index_forward=False, limit=PAGE_SIZE,
                                       last_evaluated_key=_start(cursor, "pk", subject))
        events: list[AuditEvent] = [e for e in results if e.trust_id in (None, admin.trust_id)]
        next_key = results.last_evaluated_key
    except PynamoDBException as exc:
        raise ServiceUnavailable() from exc
    audit_event(now, AuditEventType.AUDIT_VIEWED, actor_kind="staff", actor_id=admin.id, trust_id=admin.trust_id,
                detail={"search": subject.split("#", 1)[0].lower()}).save()
    return AuditPage(events, _names(events), _cursor(next_key) if len(events) == PAGE_SIZE else None, subject)


def _names(events: list[AuditEvent]) -> dict[str, str]:
    """Names for the staff and patients in a page of events (one BatchGetItem)."""
    wanted: list[tuple[str, str]] = []
    for event in events:
        if event.actor_kind == "staff" and event.actor_id:
            wanted.append(keys.staff(event.actor_id))
        if event.patient_id:
            wanted.append(keys.patient(event.patient_id))
    found = db.batch_get(wanted[:100])
    names: dict[str, str] = {}
    for item in found.values():
        if isinstance(item, StaffItem):
            names[item.staff_id] = item.display_name
        elif isinstance(item, PatientItem):
            names[item.patient_id] = item.display_name
    return names
