"""Filing a conversation to the clinical record, and making each export's FHIR bundle and transcript.

Filing is two steps:

1. ``do_file_conversation`` decides and records, in ONE transaction: the export item (who, when, which
   messages: a span of sort keys and what was filed before it), the conversation's filed ranges and
   unfiled marker (under its revision condition, so a message arriving meanwhile is never marked filed
   unseen: the filing is planned again), and the audit row. Filing again takes only what is unfiled.
2. ``make_export`` builds the bundle (validated with fhir.resources) and the PDF, stores them in the
   export bucket, then the manifest (the sign, for a Trust's integration engine, that an export is
   complete), and marks the export ready. An export of up to ``MAKE_NOW_LIMIT`` messages is made in
   the filing request; a larger one by the ``make_exports`` job (every minute), because 5,000 messages
   take seconds of CPU that a 512 MB Lambda would spend past the request's deadline. Making is
   idempotent (the same export always gives the same objects) and retried by the job until it succeeds.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import filing
from chalicelib.domain.transcript import ExportContext, RecordMessage, RecordPatient
from chalicelib.errors import Conflict, ServiceUnavailable, ValidationError
from chalicelib.ids import new_id
from chalicelib.logs import log_event
from chalicelib.models import db, export_files, keys
from chalicelib.models import records as store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.conversation import ConversationItem, MessageItem, load, unchanged_since_loaded
from chalicelib.models.people import PatientItem, names_of
from chalicelib.models.records import ExportItem
from chalicelib.models.team import TeamItem, team_policy
from chalicelib.scopes import StaffRecord

MAKE_NOW_LIMIT = 300
#: After this many days an unfiled message puts its conversation in the team's unfiled queue (lead's setting).
DEFAULT_UNFILED_DAYS = 14
ATTEMPTS = 3


def period(start: object, end: object, timezone: str) -> tuple[datetime | None, datetime | None]:
    """A date range typed by a clinician (team's local dates, both days included) as instants; blanks: open."""
    zone = ZoneInfo(timezone)

    def day(value: object, field: str) -> date | None:
        if value in (None, ""):
            return None
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise ValidationError("Enter a real date, for example 2026-11-25.", field=field) from exc

    first, last = day(start, "start"), day(end, "end")
    if first and last and last < first:
        raise ValidationError("The end date must be the same as or after the start date.", field="end")
    return (datetime.combine(first, time(0), zone) if first else None,
            datetime.combine(last + timedelta(days=1), time(0), zone) - timedelta(microseconds=1) if last else None)


def do_file_conversation(sr: StaffRecord, now: datetime, *, start: object = None, end: object = None,
                         make_now_limit: int = MAKE_NOW_LIMIT) -> ExportItem:
    """File every unfiled message of the conversation (in the period, if given); make the export if small."""
    policy = team_policy(sr.team)
    begin, finish = period(start, end, policy.timezone)
    conv = sr.conversation
    for _ in range(ATTEMPTS):
        messages = store.all_messages(conv.team_id, conv.patient_id)
        plan = filing.plan_filing([filing.Stamped(m.sk, m.sent_at) for m in messages],
                                  filing.as_ranges(conv.filed_ranges), start=begin, end=finish)
        if not plan.chosen:
            raise Conflict("There is nothing new to file: every message in that period is already in the record.")
        export = _new_export(sr, now, messages, plan, begin, finish, policy.timezone)
        try:
            _commit(sr, conv, export, plan, now)
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" not in db.cancellation_codes(exc):
                raise ServiceUnavailable() from exc
            conv = load(conv.team_id, conv.patient_id) or conv  # a message arrived: plan again
            continue
        if len(plan.chosen) <= make_now_limit:
            _make_soon(export, now, [messages[i] for i in plan.chosen])
        refresh_unfiled_count(sr.team, now)
        return export
    raise ServiceUnavailable("The conversation is busy just now. Nothing was filed; please try again.")


def _new_export(sr: StaffRecord, now: datetime, messages: Sequence[MessageItem], plan: filing.FilingPlan,
                begin: datetime | None, finish: datetime | None, timezone: str) -> ExportItem:
    assert plan.span is not None and isinstance(sr.patient, PatientItem)
    export_id = new_id(now)
    first = plan.chosen[0]
    return ExportItem(
        *store.export_key(sr.team.team_id, sr.conversation.patient_id, export_id),
        export_id=export_id, trust_id=sr.team.trust_id, team_id=sr.team.team_id, team_name=sr.team.name,
        timezone=timezone, patient_id=sr.conversation.patient_id, filed_at=now, filed_by_id=sr.actor.id,
        filed_by_name=sr.actor.display_name, first_sk=plan.span[0], last_sk=plan.span[1],
        earlier_ranges=[list(r) for r in filing.as_ranges(sr.conversation.filed_ranges)],
        message_count=len(plan.chosen), period_start=begin, period_end=finish,
        patient={"given_name": sr.patient.given_name, "family_name": sr.patient.family_name,
                 "date_of_birth": sr.patient.date_of_birth, "nhs_number": sr.patient.nhs_number},
        previous_message_id=messages[first - 1].message_id if first > 0 else None,
        state="pending", gsi9pk=keys.EXPORTS_PENDING, gsi9sk=keys.pending_export_sk(now, export_id))


def _commit(sr: StaffRecord, conv: ConversationItem, export: ExportItem, plan: filing.FilingPlan,
            now: datetime) -> None:
    actions: list[Any] = [ConversationItem.filed_ranges.set([list(r) for r in plan.ranges]),
                          ConversationItem.revision.add(1),
                          # Filed messages are now data the retention job will one day delete.
                          ConversationItem.gsi10pk.set(keys.team_retention(conv.team_id)),
                          ConversationItem.gsi10sk.set(keys.retention_sk(conv.last_activity_at, conv.patient_id))]
    if plan.unfiled_since is None:
        actions += [ConversationItem.unfiled_since.remove(), ConversationItem.gsi9pk.remove(),
                    ConversationItem.gsi9sk.remove(), ConversationItem.retention_due_at.remove()]
    else:
        actions += [ConversationItem.unfiled_since.set(plan.unfiled_since),
                    ConversationItem.gsi9pk.set(keys.team_unfiled(conv.team_id)),
                    ConversationItem.gsi9sk.set(keys.unfiled_sk(plan.unfiled_since, conv.patient_id))]
    detail = {"export_id": export.export_id, "messages": len(plan.chosen),
              "period": "all" if export.period_start is None and export.period_end is None else "range"}
    with db.transaction() as tx:
        tx.save(export, condition=ExportItem.pk.does_not_exist())
        tx.update(conv, actions=actions, condition=unchanged_since_loaded(conv))
        tx.save(audit_event(now, AuditEventType.RECORD_FILED, sr.actor, team_id=conv.team_id,
                            patient_id=conv.patient_id, detail=detail))


def _make_soon(export: ExportItem, now: datetime, messages: list[MessageItem]) -> None:
    """Make a small export now; if that fails the job makes it (the filing itself is already safe)."""
    try:
        make_export(export, now, messages)
    except Exception as exc:  # noqa: BLE001 - the export stays pending and the job retries it
        log_event("export_make_deferred", logging.WARNING, error_type=type(exc).__name__)


def refresh_unfiled_count(team: TeamItem, now: datetime) -> int:
    """Count the team's conversations unfiled for more than its N days (gsi9) and keep the figure on the team."""
    days = int(team.unfiled_after_days or DEFAULT_UNFILED_DAYS)
    count = store.count_unfiled_before(team.team_id, now - timedelta(days=days))
    if count != int(team.unfiled_count or 0):
        with db.storage():
            team.update(actions=[TeamItem.unfiled_count.set(count)])
    return count


# --- making an export ------------------------------------------------------------------------------------


def export_messages(export: ExportItem) -> list[MessageItem]:
    """Exactly the messages an export filed, oldest first (one paged Query of its span)."""
    found = store.all_messages(export.team_id, export.patient_id, first=export.first_sk, last=export.last_sk)
    keep = filing.members([m.sk for m in found], (export.first_sk, export.last_sk),
                          filing.as_ranges(export.earlier_ranges))
    return [found[i] for i in keep]


def _authors(export: ExportItem, messages: Sequence[MessageItem]) -> dict[str, str]:
    staff_ids = {m.sender_id for m in messages if m.sender_kind == "staff" and m.sender_id}
    names = names_of(staff_ids, set()) if staff_ids else {}
    authors = {}
    for m in messages:
        if m.sender_kind == "staff" and m.sender_id and m.sender_id not in authors:
            role = m.sender_label.partition("(")[2].rstrip(")") if "(" in m.sender_label else ""
            name = names.get(m.sender_id) or m.sender_label or "Clinician"
            authors[m.sender_id] = f"{name} ({role})" if role and name != m.sender_label else name
    return authors


def record_context(export: ExportItem) -> ExportContext:
    """What the transcript and bundle say about the export (the patient as they were when filed)."""
    p = export.patient or {}
    patient = RecordPatient(export.patient_id, p.get("given_name", ""), p.get("family_name", ""),
                            p.get("date_of_birth", ""), p.get("nhs_number"))
    return ExportContext(export.export_id, export.filed_at, export.filed_by_name, export.team_id, export.team_name,
                         export.timezone, patient, export.previous_message_id)


def record_messages(export: ExportItem, messages: Sequence[MessageItem]) -> list[RecordMessage]:
    """Messages as the record shows them: who wrote each, in words."""
    authors = _authors(export, messages)
    patient_name = f"{(export.patient or {}).get('given_name', '')} {(export.patient or {}).get('family_name', '')}"
    labels = {"patient": f"{patient_name.strip()} (patient)", "auto": "Teamline (automatic reply)",
              "system": "Teamline"}
    return [RecordMessage(m.message_id, m.sender_kind, m.sender_id,
                          authors.get(m.sender_id or "", m.sender_label) if m.sender_kind == "staff"
                          else labels.get(m.sender_kind, m.sender_kind), m.body, m.sent_at) for m in messages]


def _file(key: str, body: bytes, content_type: str) -> dict[str, Any]:
    export_files.put(key, body, content_type)
    return {"key": key, "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body), "content_type": content_type}


def make_export(export: ExportItem, now: datetime, messages: list[MessageItem] | None = None) -> ExportItem:
    """Build and store an export's bundle, transcript and manifest; mark it ready."""
    from chalicelib.domain.fhir_export import fhir_bundle
    from chalicelib.domain.transcript import transcript, transcript_pdf

    chosen = export_messages(export) if messages is None else messages
    if len(chosen) != export.message_count:  # would mean data was lost: never store a short record
        raise ServiceUnavailable("The export's messages could not all be read.")
    ctx, rms = record_context(export), record_messages(export, chosen)
    prefix = export_files.export_prefix(export.trust_id, export.team_id, export.patient_id, export.export_id)
    files = {"bundle": _file(prefix + "bundle.json", fhir_bundle(ctx, rms).encode(), "application/fhir+json"),
             "transcript": _file(prefix + "transcript.pdf", transcript_pdf(transcript(ctx, rms), created=export.filed_at),
                                 "application/pdf")}
    manifest = {"format": "teamline-export/1", "export_id": export.export_id, "trust_id": export.trust_id,
                "team": {"id": export.team_id, "name": export.team_name},
                "patient": {"id": export.patient_id, **(export.patient or {})},
                "filed_at": keys.iso(export.filed_at), "filed_by": {"id": export.filed_by_id,
                                                                   "name": export.filed_by_name},
                "messages": len(chosen), "first_message_at": keys.iso(chosen[0].sent_at),
                "last_message_at": keys.iso(chosen[-1].sent_at), "files": files}
    files["manifest"] = _file(prefix + "manifest.json", json.dumps(manifest, indent=1).encode(), "application/json")
    with db.storage():
        export.update(actions=[ExportItem.state.set("ready"), ExportItem.files.set(files),
                               ExportItem.made_at.set(now), ExportItem.gsi9pk.remove(),
                               ExportItem.gsi9sk.remove()])
    return export


def make_pending(now: datetime, *, limit: int = 5) -> int:
    """Make the exports still pending (the ``make_exports`` job); returns how many were made."""
    made = 0
    for export in store.pending_exports(limit):
        try:
            make_export(export, now)
            made += 1
        except ServiceUnavailable:
            log_event("export_make_failed", logging.ERROR, outcome="retry")
    log_event("exports_made", count=made)
    return made
