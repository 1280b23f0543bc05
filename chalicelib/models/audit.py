"""Audit events: what happened, who did it, whose data it touched. Written in the same transaction as the change.

The audit table is partitioned by UTC day and sorted by time; two indexes answer the IG lead's
other questions: everything that touched one patient (``by_subject``) and everything one person did
(``by_actor``). Rows hold ids and codes, never message text.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, Protocol

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.ids import new_id
from chalicelib.models import cursor, keys
from chalicelib.models.base import AuditItem
from chalicelib.models.db import storage
from chalicelib.settings import get_settings


class AuditEventType(enum.StrEnum):
    """Every kind of audited event. Values are stored: never rename one."""

    TRUST_ADMIN_CREATED = "trust_admin.created"
    TEAM_CREATED = "team.created"
    STAFF_CREATED = "staff.created"
    STAFF_ROLE_CHANGED = "staff.role_changed"
    STAFF_PASSWORD_RESET = "staff.password_reset"
    STAFF_PASSWORD_CHANGED = "staff.password_changed"
    STAFF_SIGNED_IN = "staff.signed_in"
    STAFF_SIGN_IN_FAILED = "staff.sign_in_failed"
    PATIENT_SIGNED_IN = "patient.signed_in"
    PATIENT_SIGN_IN_FAILED = "patient.sign_in_failed"
    SIGNED_OUT = "session.signed_out"
    SIGNED_OUT_EVERYWHERE = "session.signed_out_everywhere"
    PATIENT_INVITED = "patient.invited"
    #: Written by releases before account recovery existed (a re-issued code); kept so old rows read.
    PATIENT_REINVITED = "patient.reinvited"
    INVITE_ACCEPTED = "invite.accepted"
    INVITATION_DECLINED = "invite.declined"
    ACCOUNT_RECOVERY_ISSUED = "account.recovery_issued"
    ACCOUNT_RECOVERED = "account.recovered"
    STAFF_DEACTIVATED = "staff.deactivated"
    PATIENT_DISCHARGED = "patient.discharged"
    MESSAGE_SENT = "message.sent"
    CONVERSATION_VIEWED = "conversation.viewed"
    POLICY_CHANGED = "team.policy_changed"
    AUTO_REPLIES_CHANGED = "team.auto_replies_changed"
    AWAY_SET = "staff.away_set"
    AWAY_CLEARED = "staff.away_cleared"
    CONVERSATION_OVERDUE = "conversation.overdue"
    CONVERSATION_ASSIGNED = "conversation.assigned"
    CONVERSATION_URGENCY_CHANGED = "conversation.urgency_changed"
    AUDIT_VIEWED = "audit.viewed"
    PUSH_SUBSCRIBED = "push.subscribed"
    PUSH_UNSUBSCRIBED = "push.unsubscribed"
    AUDIT_EXPORTED = "audit.exported"
    TEAM_UPDATED = "team.updated"
    STAFF_ACCESS_CHANGED = "staff.access_changed"
    CONVERSATION_RELEASED = "conversation.released"
    CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
    CONVERSATION_ROUTED = "conversation.routed"
    NOTE_ADDED = "conversation.note_added"
    CONVERSATION_ESCALATED = "conversation.escalated"
    ESCALATION_SETTLED = "conversation.escalation_settled"
    CANNED_REPLIES_CHANGED = "team.canned_replies_changed"
    ROTA_DRAFT_CHANGED = "rota.draft_changed"
    ROTA_PUBLISHED = "rota.published"
    ROTA_CHANGED = "rota.changed"
    SENIOR_CHANGED = "team.senior_changed"
    # --- safety (issue 10)
    SAFETY_SETTINGS_CHANGED = "team.safety_changed"
    TRUST_LINES_CHANGED = "trust.urgent_lines_changed"
    AGREEMENT_PUBLISHED = "team.agreement_published"
    AGREEMENT_ACCEPTED = "agreement.accepted"
    MISUSE_REMINDER = "misuse.reminder"
    MISUSE_PLAN_SET = "misuse.plan_set"
    MISUSE_CAP_SET = "misuse.cap_set"
    MISUSE_PAUSED = "misuse.paused"
    MISUSE_STEP_ENDED = "misuse.step_ended"
    CONTENT_WARNING_CHANGED = "message.content_warning_changed"
    RECORD_FILED = "record.filed"
    RECORD_DOWNLOADED = "record.downloaded"
    RECORD_DELETED = "record.deleted_past_retention"
    RECORD_KEPT_UNFILED = "record.kept_unfiled_past_retention"
    UNFILED_REMINDER = "record.unfiled_reminder"
    UNFILED_SETTING_CHANGED = "team.unfiled_setting_changed"
    RETENTION_CHANGED = "trust.retention_changed"


class AuditEvent(AuditItem):
    """One audit row. ``detail`` holds ids and codes only, never message text."""

    event_type = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    actor_kind = UnicodeAttribute()  # staff | patient | system
    actor_id = UnicodeAttribute(null=True)
    trust_id = UnicodeAttribute(null=True)
    team_id = UnicodeAttribute(null=True)
    patient_id = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute(null=True)
    detail = JSONAttribute(null=True)


class Who(Protocol):
    """Whoever did the audited thing: an ``auth.actor.Actor``, or a ``Someone`` for sign-in and jobs."""

    @property
    def kind(self) -> str: ...

    @property
    def id(self) -> str | None: ...

    @property
    def trust_id(self) -> str | None: ...


class Someone(NamedTuple):
    """A doer without a session: a person failing to sign in, the system running a job."""

    kind: str  # staff | patient | system
    id: str | None
    trust_id: str | None


def system(trust_id: str | None = None) -> Someone:
    """Teamline itself (a scheduled job, the command line)."""
    return Someone("system", None, trust_id)


def audit_event(now: datetime, event_type: AuditEventType, who: Who, *, team_id: str | None = None,
                patient_id: str | None = None, message_id: str | None = None,
                detail: dict[str, Any] | None = None) -> AuditEvent:
    """Build (not save) an audit row; services add it to the transaction that makes the change.

    A patient's own actions are about their own data, so the patient is the subject unless another is named.
    """
    if patient_id is None and who.kind == "patient":
        patient_id = who.id
    return AuditEvent(
        pk=keys.audit_day(keys.iso(now)[:10]),
        sk=keys.audit_sk(now, new_id(now)),
        subject=keys.audit_subject(patient_id) if patient_id else None,
        actor=keys.audit_actor(who.kind, who.id),
        event_type=event_type.value,
        at=now,
        actor_kind=who.kind,
        actor_id=who.id,
        trust_id=who.trust_id,
        team_id=team_id,
        patient_id=patient_id,
        message_id=message_id,
        detail=detail,
        # Audit rows have their own retention (a stage setting, 8 years or more): DynamoDB's TTL removes them.
        expires_at=now + timedelta(days=get_settings().audit_retention_days),
    )


def record(event: AuditEvent) -> None:
    """Save an audit row on its own (only where there is no other write to share a transaction with)."""
    with storage():
        event.save()


# --- reading ---------------------------------------------------------------------------------------------

PAGE_SIZE = 50


class EventPage(NamedTuple):
    """Audit rows, newest first, and the cursor for older ones."""

    events: list[AuditEvent]
    next_cursor: str | None


def _page(results: Any, trust_id: str) -> EventPage:
    with storage():
        events: list[AuditEvent] = [e for e in results if e.trust_id in (None, trust_id)]
        next_key = results.last_evaluated_key
    return EventPage(events, cursor.encode(next_key) if len(events) == PAGE_SIZE else None)


def about_patient(patient_id: str, trust_id: str, cursor_text: str | None = None) -> EventPage:
    """Everything that touched one patient's data, newest first (one Query on ``by_subject``)."""
    subject = keys.audit_subject(patient_id)
    start = cursor.decode(cursor_text, names={"pk", "sk", "subject"}, partition=("subject", subject))
    return _page(AuditEvent.by_subject.query(subject, scan_index_forward=False, limit=PAGE_SIZE,
                                             last_evaluated_key=start), trust_id)


def by_staff(staff_id: str, trust_id: str, cursor_text: str | None = None) -> EventPage:
    """Everything one staff member did, newest first (one Query on ``by_actor``)."""
    actor = keys.audit_actor("staff", staff_id)
    start = cursor.decode(cursor_text, names={"pk", "sk", "actor"}, partition=("actor", actor))
    return _page(AuditEvent.by_actor.query(actor, scan_index_forward=False, limit=PAGE_SIZE,
                                           last_evaluated_key=start), trust_id)


def on_day(day: date, trust_id: str, cursor_text: str | None = None) -> EventPage:
    """One UTC day's events, newest first (one Query on the table's own partition)."""
    pk = keys.audit_day(day.isoformat())
    start = cursor.decode(cursor_text, names={"pk", "sk"}, partition=("pk", pk))
    return _page(AuditEvent.query(pk, scan_index_forward=False, limit=PAGE_SIZE, last_evaluated_key=start), trust_id)
