"""Putting names to audit rows: who did it (and their role), whose data, which team, when in the Trust's time.

A page of events names a few dozen people and teams; they are fetched in one BatchGetItem (per 100)
and the rows become plain dicts for the page and the CSV download alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from chalicelib.domain.workload import MONTHS, WEEKDAYS
from chalicelib.models import audit_search, keys
from chalicelib.models.audit import AuditEvent
from chalicelib.models.people import PatientItem, StaffItem
from chalicelib.models.team import TeamItem
from chalicelib.services import audit_words

_PERSON_DETAIL = ("staff_id", "from", "to", "cover_id", "issued_by")


class Names(NamedTuple):
    """The staff, patients and teams a page of events mentions, by id."""

    staff: dict[str, StaffItem]
    patients: dict[str, PatientItem]
    teams: dict[str, TeamItem]

    def person(self, person_id: Any) -> str:
        """A staff member's or patient's name ("someone no longer in Teamline" if neither)."""
        if isinstance(person_id, str):
            if person_id in self.staff:
                return self.staff[person_id].display_name
            if person_id in self.patients:
                return self.patients[person_id].display_name
        return "nobody" if person_id is None else "someone no longer in Teamline"

    def team(self, team_id: Any) -> str:
        return self.teams[team_id].name if isinstance(team_id, str) and team_id in self.teams else "a team"


def _ids(events: Iterable[AuditEvent]) -> tuple[set[str], set[str], set[str]]:
    people: set[str] = set()
    patients: set[str] = set()
    teams: set[str] = set()
    for event in events:
        detail = event.detail if isinstance(event.detail, dict) else {}
        if event.actor_id:
            (patients if event.actor_kind == "patient" else people).add(event.actor_id)
        if event.patient_id:
            patients.add(event.patient_id)
        if event.team_id:
            teams.add(event.team_id)
        people |= {str(detail[k]) for k in _PERSON_DETAIL if isinstance(detail.get(k), str)}
        teams |= {str(t) for t in (detail.get("roles") or {}) if isinstance(detail.get("roles"), dict)}
    return people, patients, teams


def names_for(events: list[AuditEvent]) -> Names:
    """The records behind every id in a page of events (staff ids in the detail included)."""
    people, patients, teams = _ids(events)
    wanted = ([keys.staff(s) for s in sorted(people)] + [keys.patient(p) for p in sorted(patients)]
              + [keys.team(t) for t in sorted(teams)])
    found = audit_search.records(wanted).values()
    return Names({s.staff_id: s for s in found if isinstance(s, StaffItem)},
                 {p.patient_id: p for p in found if isinstance(p, PatientItem)},
                 {t.team_id: t for t in found if isinstance(t, TeamItem)})


def date_text(day: date) -> str:
    """A date with its weekday: "Wed 25 Nov 2026"."""
    return f"{WEEKDAYS[day.weekday()][:3]} {day.day} {MONTHS[day.month - 1][:3]} {day.year}"


def _role(staff: StaffItem, team_id: str | None, names: Names) -> str:
    roles = staff.team_roles or {}
    parts = []
    if team_id and team_id in roles:
        parts.append(f"{'team lead' if roles[team_id] == 'lead' else 'clinician'}, {names.team(team_id)}")
    if staff.is_trust_admin:
        parts.append("Trust admin")
    if staff.is_ig_lead:
        parts.append("information governance")
    if not parts:
        parts.append(staff.job_title or "staff")
    if not staff.active:
        parts.append("account closed")
    return "; ".join(parts)


def _who(event: AuditEvent, names: Names) -> tuple[str, str]:
    """Who did it, and their role."""
    if event.actor_kind == "system":
        return "Teamline", "automatic"
    if event.actor_kind == "patient":
        return names.person(event.actor_id), "patient"
    staff = names.staff.get(event.actor_id or "")
    if staff is None:
        return ("Someone", "unknown account") if event.actor_id is None else (names.person(event.actor_id), "staff")
    return staff.display_name, _role(staff, event.team_id, names)


def row(event: AuditEvent, names: Names, timezone: str) -> dict[str, Any]:
    """One event as the log shows it (and the download holds it)."""
    local = event.at.astimezone(ZoneInfo(timezone))
    who, role = _who(event, names)
    patient = names.patients.get(event.patient_id or "")
    detail = event.detail if isinstance(event.detail, dict) else {}
    words = audit_words.Words(who, patient.display_name if patient else "a patient", names.team(event.team_id),
                              detail, names.person, names.team)
    return {
        "when": f"{date_text(local.date())}, {local.strftime('%H:%M')}", "when_iso": local.isoformat(timespec="seconds"),
        "what": audit_words.describe(event.event_type, words), "kind": audit_words.label(event.event_type),
        "event_type": event.event_type, "who": who, "who_role": role,
        "who_id": event.actor_id if event.actor_kind == "staff" and event.actor_id in names.staff else None,
        "patient": patient.display_name if patient else "", "patient_id": event.patient_id if patient else None,
        "patient_born": date_text(date.fromisoformat(patient.date_of_birth)) if patient else "",
        "team": names.team(event.team_id) if event.team_id else "",
    }


def date_text_iso(day: str) -> str:
    """``date_text`` of an ISO date string."""
    return date_text(date.fromisoformat(day))
