"""Reading the audit log, for a Trust's admin or IG lead: who did what, to whose data, when.

Three questions, each one Query on the audit table: everything that touched one patient's data
(``by_subject``), everything one person did (``by_actor``), and one day's events (the table's own
partition). Results are limited to the reader's Trust, and reading the log is itself audited.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import NamedTuple

from chalicelib.auth.actor import Actor
from chalicelib.domain.people import clean_nhs_number
from chalicelib.errors import Forbidden, NotFound, ValidationError
from chalicelib.models import audit
from chalicelib.models import people as people_store
from chalicelib.models.audit import AuditEvent, AuditEventType, audit_event

_ID = re.compile(r"^[0-9a-z]{26}$")


class AuditPage(NamedTuple):
    """Events newest first, the names of the people in them, the cursor for older events, and what was searched."""

    events: list[AuditEvent]
    names: dict[str, str]
    next_cursor: str | None
    search: str  # patient | staff | day


def find_patient_by_nhs_number(admin: Actor, number: object) -> str:
    """The id of the patient with this NHS number in the admin's Trust."""
    cleaned = clean_nhs_number(number)
    if not cleaned:
        raise ValidationError("Enter an NHS number.", field="nhs_number")
    patient_id = people_store.patient_id_by_nhs_number(admin.trust_id, cleaned)
    if patient_id is None:
        raise NotFound("No patient in this Trust has that NHS number.", field="nhs_number")
    return patient_id


def _check_person(admin: Actor, person_id: str, *, patient: bool) -> None:
    field, what = ("patient", "patient") if patient else ("staff", "staff member")
    if not _ID.match(person_id):
        raise ValidationError(f"That {field} id is not valid.", field=field)
    person = people_store.get_patient(person_id) if patient else people_store.get_staff(person_id)
    if person is None or person.trust_id != admin.trust_id:
        raise NotFound(f"We could not find that {what}.", field=field)


def _day(day: str | None, now: datetime) -> date:
    try:
        return date.fromisoformat(day) if day else now.date()
    except ValueError as exc:
        raise ValidationError("Enter the day as YYYY-MM-DD.", field="day") from exc


def search(now: datetime, admin: Actor, *, patient_id: str | None = None, staff_id: str | None = None,
           day: str | None = None, cursor: str | None = None) -> AuditPage:
    """One page of the audit log for a patient, a staff member or a day (default: today).

    Reading the log is audited on its own, after the read: a search writes nothing else.
    """
    if not admin.is_trust_admin:
        raise Forbidden("Only a Trust admin can read the audit log.")
    if patient_id:
        _check_person(admin, patient_id, patient=True)
        page, search_by = audit.about_patient(patient_id, admin.trust_id, cursor), "patient"
    elif staff_id:
        _check_person(admin, staff_id, patient=False)
        page, search_by = audit.by_staff(staff_id, admin.trust_id, cursor), "staff"
    else:
        page, search_by = audit.on_day(_day(day, now), admin.trust_id, cursor), "day"
    audit.record(audit_event(now, AuditEventType.AUDIT_VIEWED, admin, detail={"search": search_by}))
    return AuditPage(page.events, _names(page.events), page.next_cursor, search_by)


def _names(events: list[AuditEvent]) -> dict[str, str]:
    """Names for the staff and patients in a page of events (one BatchGetItem)."""
    staff = {e.actor_id for e in events if e.actor_kind == "staff" and e.actor_id}
    patients = {e.patient_id for e in events if e.patient_id}
    return people_store.names_of(staff, patients)
