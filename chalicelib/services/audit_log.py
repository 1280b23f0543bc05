"""Reading the audit log, for a Trust's information governance lead or Trust admin: who did what, to whose data, when.

A search is a date range (the Trust's local dates, up to 31 days; today by default) and, optionally,
a patient (by NHS number, by name and date of birth, or from a link), a staff member and an event
kind. Each page is one Query on the index that answers it (``models.audit_search``), plus one
BatchGetItem for the names, roles and teams that turn rows into sentences (``services.audit_words``).
Results are limited to the reader's Trust. Reading the log is audited, and so is every download.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from chalicelib.auth.actor import Actor
from chalicelib.domain.people import clean_nhs_number
from chalicelib.errors import Checks, Forbidden, NotFound, ValidationError
from chalicelib.models import audit, audit_search
from chalicelib.models import people as people_store
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEvent, AuditEventType, audit_event
from chalicelib.services import audit_words
from chalicelib.services.audit_names import Names, names_for

_ID = re.compile(r"^[0-9a-z]{26}$")
EXPORT_LIMIT = 5000
DEFAULT_TIMEZONE = "Europe/London"


class Search(NamedTuple):
    """What the reader asked for, checked."""

    first: date
    last: date
    patient_id: str | None
    staff_id: str | None
    event_type: str | None


class AuditPage(NamedTuple):
    """Events newest first, the names to show them with, the cursor for older events, and what was searched."""

    events: list[AuditEvent]
    names: Names
    next_cursor: str | None
    search: Search
    timezone: str


def _require_reader(reader: Actor) -> None:
    if not (reader.is_ig_lead or reader.is_trust_admin):
        raise Forbidden("Only information governance and Trust admins can read the audit log.")


def trust_timezone(trust_id: str) -> str:
    """The Trust's timezone (Europe/London unless the Trust says otherwise)."""
    trust = team_store.get_trust(trust_id)
    return (trust.timezone if trust else None) or DEFAULT_TIMEZONE


def _date(query: Mapping[str, str | None], prefix: str, label: str) -> date | None:
    parts = [str(query.get(f"{prefix}_{p}") or "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None
    if not all(parts) or not all(p.isdigit() for p in parts):
        raise ValidationError(f"Enter the {label} date as a day, month and year, for example 25 11 2026.",
                              field=f"{prefix}_day")
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError as exc:
        raise ValidationError(f"The {label} date must be a real date.", field=f"{prefix}_day") from exc


def _dates(problems: Checks, query: Mapping[str, str | None], today: date) -> tuple[date, date]:
    first = problems.run(_date, query, "from", "start")
    last = problems.run(_date, query, "to", "end")
    first, last = first or last or today, last or first or today
    if last < first:
        problems.add(ValidationError("The end date must be the same as or after the start date.", field="to_day"))
    elif (last - first).days >= audit_search.MAX_DAYS:
        problems.add(ValidationError(f"Search up to {audit_search.MAX_DAYS} days at a time.", field="to_day"))
    return first, last


def _staff(reader: Actor, staff_id: str | None) -> str | None:
    if not staff_id:
        return None
    staff = people_store.get_staff(staff_id) if _ID.match(staff_id) else None
    if staff is None or staff.trust_id != reader.trust_id:
        raise ValidationError("Choose a staff member from the list.", field="staff")
    return staff_id


def _patient(reader: Actor, query: Mapping[str, str | None]) -> str | None:
    patient_id, number = query.get("patient") or "", query.get("nhs_number") or ""
    if number:
        cleaned = clean_nhs_number(number)
        found = people_store.patient_id_by_nhs_number(reader.trust_id, cleaned) if cleaned else None
        if found is None:
            raise NotFound("No patient in this Trust has that NHS number.", field="nhs_number")
        return found
    if query.get("family_name") or any(query.get(f"dob_{p}") for p in ("day", "month", "year")):
        return find_patient(reader, query)
    if patient_id:
        patient = people_store.get_patient(patient_id) if _ID.match(patient_id) else None
        if patient is None or patient.trust_id != reader.trust_id:
            raise NotFound("We could not find that patient.", field="patient")
        return patient_id
    return None


def find_patient(reader: Actor, query: Mapping[str, str | None]) -> str:
    """The one patient of the reader's Trust with this last name (first name optional) and date of birth."""
    family = " ".join(str(query.get("family_name") or "").split())
    problems = Checks()
    if not family:
        problems.add(ValidationError("Enter the patient's last name.", field="family_name"))
    born = problems.run(_date, query, "dob", "date of birth")
    if born is None and not problems.failed:
        problems.add(ValidationError("Enter the patient's date of birth.", field="dob_day"))
    problems.done()
    teams = [t.team_id for t in team_store.trust_teams(reader.trust_id)]
    candidates = audit_search.patients_named(teams, family, str(query.get("given_name") or ""))
    patients = [p for p in people_store.patients_by_id(candidates).values()
                if p.trust_id == reader.trust_id and p.date_of_birth == str(born)]
    if not patients:
        raise NotFound("No patient in this Trust has that name and date of birth.", field="family_name")
    if len(patients) > 1:
        raise ValidationError("More than one patient has that name and date of birth. Search by NHS number.",
                              field="family_name")
    return patients[0].patient_id


def parse_search(reader: Actor, query: Mapping[str, str | None], today: date) -> Search:
    """The search a query string asks for; every problem with it reported at once."""
    _require_reader(reader)
    problems = Checks()
    first, last = _dates(problems, query, today)
    kind = query.get("kind") or None
    if kind and kind not in audit_words.DESCRIPTIONS:
        problems.add(ValidationError("Choose a kind of event from the list.", field="kind"))
    staff_id = problems.run(_staff, reader, query.get("staff"))
    try:
        patient_id = _patient(reader, query)
    except (ValidationError, NotFound) as error:
        problems.add(error)
        patient_id = None
    problems.done()
    return Search(first, last, patient_id, staff_id, kind)


def _window(search: Search, timezone: str) -> audit_search.Window:
    zone = ZoneInfo(timezone)
    start = datetime.combine(search.first, time(0), zone)
    end = datetime.combine(search.last + timedelta(days=1), time(0), zone)
    return audit_search.Window(start, end)


def _page(reader: Actor, search: Search, timezone: str, cursor: str | None, limit: int) -> Any:
    window = _window(search, timezone)
    if search.patient_id:
        filters = audit_search.Filters(reader.trust_id, search.event_type, search.staff_id)
        return audit_search.about_patient(search.patient_id, window, filters, cursor, limit)
    filters = audit_search.Filters(reader.trust_id, search.event_type)
    if search.staff_id:
        return audit_search.by_staff(search.staff_id, window, filters, cursor, limit)
    return audit_search.between(window, filters, cursor, limit)


def _what(search: Search) -> dict[str, Any]:
    return {"from": search.first.isoformat(), "to": search.last.isoformat(), "kind": search.event_type,
            "patient": bool(search.patient_id), "staff": bool(search.staff_id)}


def search_log(now: datetime, reader: Actor, search: Search, *, cursor: str | None = None) -> AuditPage:
    """One page of the audit log. Reading it is audited on its own, after the read (a search changes nothing else)."""
    _require_reader(reader)
    timezone = trust_timezone(reader.trust_id)
    page = _page(reader, search, timezone, cursor, audit_search.PAGE_SIZE)
    audit.record(audit_event(now, AuditEventType.AUDIT_VIEWED, reader, patient_id=search.patient_id,
                             detail={"search": "patient" if search.patient_id else "staff" if search.staff_id else "day",
                                     **_what(search)}))
    return AuditPage(page.events, names_for(page.events), page.next_cursor, search, timezone)


def export_log(now: datetime, reader: Actor, search: Search) -> AuditPage:
    """Every event the search finds (up to ``EXPORT_LIMIT``), for a download; the download itself is audited."""
    _require_reader(reader)
    timezone = trust_timezone(reader.trust_id)
    page = _page(reader, search, timezone, None, EXPORT_LIMIT)
    audit.record(audit_event(now, AuditEventType.AUDIT_EXPORTED, reader, patient_id=search.patient_id,
                             detail={"rows": len(page.events), **_what(search)}))
    return AuditPage(page.events, names_for(page.events), page.next_cursor, search, timezone)


def staff_choices(reader: Actor) -> list[dict[str, str]]:
    """The Trust's staff, for the "who did it" list."""
    _require_reader(reader)
    return [{"staff_id": s.staff_id, "name": s.display_name} for s in people_store.trust_staff(reader.trust_id)]


def local_today(now: datetime, trust_id: str) -> date:
    """Today's date in the Trust's timezone."""
    return now.astimezone(ZoneInfo(trust_timezone(trust_id))).date()


