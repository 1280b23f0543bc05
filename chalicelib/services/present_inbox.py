"""Shaping the team workflow's records for staff pages: a conversation's status, owner and escalation."""

from __future__ import annotations

from typing import Any

from chalicelib.domain import conversation as rules
from chalicelib.models.conversation import ConversationItem
from chalicelib.services.present import iso


def conversation_status(conv: ConversationItem) -> dict[str, Any]:
    """The workflow facts a staff page shows about one conversation."""
    status = rules.status_of(conv.state)
    return {
        "status": status,
        "label": rules.STATUS_LABELS[status],
        "follow_up_at": iso(conv.follow_up_at),
        "follow_up_date": conv.follow_up_at.date().isoformat() if conv.follow_up_at else "",
        "escalated_to": conv.escalated_to,
        "revision": int(conv.revision or 0),
    }
