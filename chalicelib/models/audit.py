"""Audit events: what happened, who did it, whose data it touched. Written in the same transaction as the change."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.ids import new_id
from chalicelib.models.base import AuditItem
from chalicelib.models.keys import iso


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
    PATIENT_REINVITED = "patient.reinvited"
    INVITE_ACCEPTED = "invite.accepted"
    MESSAGE_SENT = "message.sent"
    AUTO_REPLY_SENT = "message.auto_reply"
    CONVERSATION_VIEWED = "conversation.viewed"
    INBOX_VIEWED = "inbox.viewed"
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


def audit_event(
    now: datetime,
    event_type: AuditEventType,
    *,
    actor_kind: str,
    actor_id: str | None,
    trust_id: str | None = None,
    team_id: str | None = None,
    patient_id: str | None = None,
    message_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Build (not save) an audit row; services add it to the transaction that makes the change."""
    stamp = iso(now)
    return AuditEvent(
        pk=f"DAY#{stamp[:10]}",
        sk=f"{stamp}#{new_id(now)}",
        subject=f"PATIENT#{patient_id}" if patient_id else None,
        actor=f"{actor_kind.upper()}#{actor_id}" if actor_id else actor_kind.upper(),
        event_type=event_type.value,
        at=now,
        actor_kind=actor_kind,
        actor_id=actor_id,
        trust_id=trust_id,
        team_id=team_id,
        patient_id=patient_id,
        message_id=message_id,
        detail=detail,
    )
