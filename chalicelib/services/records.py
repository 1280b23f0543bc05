"""Reading the record side of a conversation: its filing page, an export's transcript and files, the unfiled queue.

Every read of an export's contents (the transcript page, the PDF, the FHIR bundle) is audited, in
its own write before anything is handed over: an IG lead can see who took a copy of which record. The
unfiled queue is one Query on gsi9; its count in the inbox is the team's ``unfiled_count``, refreshed
by the daily reminder and after each filing, so the inbox costs no extra read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import filing
from chalicelib.domain.transcript import nhs_number_text, transcript
from chalicelib.errors import Conflict, Forbidden, ServiceUnavailable, ValidationError
from chalicelib.models import db, export_files
from chalicelib.models import records as store
from chalicelib.models.audit import AuditEventType, audit_event, record
from chalicelib.models.people import PatientItem
from chalicelib.models.records import ExportItem
from chalicelib.models.team import TeamItem, team_policy
from chalicelib.scopes import StaffRecord, StaffTeam
from chalicelib.services import filing as filing_service
from chalicelib.services import present

MAX_UNFILED_DAYS = 90
FORMATS = {"pdf": ("transcript", "application/pdf", "transcript.pdf"),
           "json": ("bundle", "application/fhir+json", "bundle.json")}


def unfiled_days(team: TeamItem) -> int:
    """After how many days an unfiled message puts its conversation in the team's unfiled queue."""
    return int(team.unfiled_after_days or filing_service.DEFAULT_UNFILED_DAYS)


def _export_row(sr: StaffRecord | StaffTeam, export: ExportItem, now: datetime) -> dict[str, Any]:
    base = f"/staff/teams/{export.team_id}/patients/{export.patient_id}/record/{export.export_id}"
    return {"export_id": export.export_id, "filed_at": present.iso(export.filed_at),
            "filed_text": present.when_text_for(sr.team, export.filed_at, now), "filed_by": export.filed_by_name,
            "messages": int(export.message_count), "ready": export.state == "ready", "url": base,
            "pdf_url": f"{base}/transcript.pdf", "json_url": f"{base}/bundle.json"}


def export_summary(sr: StaffRecord, export: ExportItem, now: datetime) -> dict[str, Any]:
    """An export as the API returns it."""
    return _export_row(sr, export, now)


def record_view(sr: StaffRecord, now: datetime) -> dict[str, Any]:
    """The filing page: what is unfiled, and every export so far (two Queries in the conversation's partition)."""
    messages = store.all_messages(sr.team.team_id, sr.conversation.patient_id)
    ranges = filing.as_ranges(sr.conversation.filed_ranges)
    unfiled = [m for m in messages if not filing.is_filed(m.sk, ranges)]
    patient = sr.patient
    assert isinstance(patient, PatientItem)
    return {
        "team": {"team_id": sr.team.team_id, "name": sr.team.name},
        "patient": {"patient_id": patient.patient_id, "name": patient.display_name,
                    "nhs_number": nhs_number_text(patient.nhs_number)},
        "messages": len(messages),
        "unfiled": len(unfiled),
        "unfiled_from": present.when_text_for(sr.team, unfiled[0].sent_at, now) if unfiled else None,
        "exports": [_export_row(sr, e, now) for e in reversed(store.exports_of(sr.team.team_id, patient.patient_id))],
        "retention_due": sr.conversation.retention_due_at is not None,
    }


def _audit_read(sr: StaffRecord, export: ExportItem, now: datetime, fmt: str) -> None:
    record(audit_event(now, AuditEventType.RECORD_DOWNLOADED, sr.actor, team_id=export.team_id,
                       patient_id=export.patient_id, detail={"export_id": export.export_id, "format": fmt}))


def export_view(sr: StaffRecord, now: datetime) -> dict[str, Any]:
    """An export's printable transcript (HTML): audited as a download."""
    export = sr.export
    assert isinstance(export, ExportItem)
    _audit_read(sr, export, now, "html")
    messages = filing_service.export_messages(export)
    doc = transcript(filing_service.record_context(export), filing_service.record_messages(export, messages))
    return {"team": {"team_id": sr.team.team_id, "name": sr.team.name}, "export": _export_row(sr, export, now),
            "patient_id": export.patient_id, "title": doc.title, "details": doc.details,
            "entries": [e._asdict() for e in doc.entries]}


class Download(NamedTuple):
    """A file to hand over."""

    body: bytes
    content_type: str
    filename: str


def download(sr: StaffRecord, now: datetime, fmt: str) -> Download:
    """An export's PDF or FHIR bundle from the export bucket: audited before it is handed over."""
    export = sr.export
    assert isinstance(export, ExportItem)
    if export.state != "ready":
        raise Conflict("This export is still being prepared. It is usually ready within a minute or two.")
    name, content_type, filename = FORMATS[fmt]
    stored = (export.files or {}).get(name)
    if not stored:
        raise ServiceUnavailable()
    _audit_read(sr, export, now, fmt)
    return Download(export_files.read(stored["key"]), content_type, f"teamline-{export.export_id}-{filename}")


def unfiled_view(st: StaffTeam, now: datetime) -> dict[str, Any]:
    """Conversations with messages unfiled for more than the team's N days, oldest first (one Query on gsi9)."""
    days = unfiled_days(st.team)
    rows = store.unfiled_before(st.team.team_id, now - timedelta(days=days))
    policy = team_policy(st.team)
    return {
        "team": {"team_id": st.team.team_id, "name": st.team.name},
        "is_lead": st.role == "lead",
        "days": days,
        "conversations": [{
            "patient_id": c.patient_id, "patient_name": c.patient_name,
            "unfiled_text": present.when_text_for(st.team, c.unfiled_since, now),
            "retention_due": c.retention_due_at is not None,
            "url": f"/staff/teams/{st.team.team_id}/patients/{c.patient_id}/record",
        } for c in rows],
        "timezone": policy.timezone,
    }


def do_set_unfiled_days(st: StaffTeam, now: datetime, value: object) -> int:
    """The lead sets after how many days unfiled messages are flagged (audited; a policy version bump)."""
    if st.role != "lead":
        raise Forbidden("Only the team lead can change this.")
    try:
        days = int(str(value).strip())
    except ValueError as exc:
        raise ValidationError("Enter a number of days, like 14.", field="days") from exc
    if not 1 <= days <= MAX_UNFILED_DAYS:
        raise ValidationError(f"Choose between 1 and {MAX_UNFILED_DAYS} days.", field="days")
    team = st.team
    try:
        with db.transaction() as tx:
            tx.update(team, actions=[TeamItem.unfiled_after_days.set(days), TeamItem.policy_version.add(1)],
                      condition=TeamItem.policy_version == (team.policy_version or 0))
            tx.save(audit_event(now, AuditEventType.UNFILED_SETTING_CHANGED, st.actor, team_id=team.team_id,
                                detail={"days": days}))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            raise Conflict("Someone else changed the team's settings just now. Refresh the page and try again.") from exc
        raise ServiceUnavailable() from exc
    return days


def run_unfiled_reminder(now: datetime) -> int:
    """The daily reminder: refresh each team's unfiled count; where it is not zero, remind the team's leads.

    The reminder is what a lead sees at the top of their inbox (the count links to the unfiled queue),
    and an audit row naming who was reminded. Returns the number of teams reminded.
    """
    from chalicelib.models import team as team_store
    from chalicelib.models.audit import system

    reminded = 0
    for trust in team_store.all_trusts():
        for team in team_store.trust_teams(trust.trust_id):
            count = filing_service.refresh_unfiled_count(team, now)
            if not count:
                continue
            leads = [m.staff_id for m in team_store.roster(team.team_id) if m.role == "lead"]
            record(audit_event(now, AuditEventType.UNFILED_REMINDER, system(trust.trust_id), team_id=team.team_id,
                               detail={"conversations": count, "days": unfiled_days(team), "leads": leads}))
            reminded += 1
    return reminded
