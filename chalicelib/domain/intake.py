"""What happens when a patient's message arrives: its reply-by and any auto-reply. Pure.

Decided inside the send request from the team's policy and the conversation's state, so the patient
gets the auto-reply in the same response and it is stored in the same transaction as their message.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from chalicelib.domain import auto_reply
from chalicelib.domain.availability import Status, reply_by, status_at
from chalicelib.domain.policy import Away, TeamPolicy, when_text
from chalicelib.domain.safety import EMERGENCY_ROUTES, EmergencyRoute


class Intake(NamedTuple):
    """A message's reply-by and the auto-reply it earns (kind, no-flood key and text; all None if none)."""

    status: Status
    reply_by: datetime | None
    auto_kind: str | None
    auto_key: str | None
    auto_text: str | None


def _values(policy: TeamPolicy, status: Status, due: datetime | None, away: Away | None,
            now: datetime, contact: tuple[str, str] | None = None) -> dict[str, str]:
    """The placeholder values an auto-reply template may use."""
    return {
        "team_name": policy.team_name,
        "next_opening": when_text(policy, status.next_opening, now),
        "reply_by": when_text(policy, due, now),
        "closure_reason": status.detail or "",
        "pause_reason": status.detail or "",
        "holiday_name": status.detail or "a bank holiday",
        "assigned_name": away.staff_name if away else "",
        "cover_name": away.cover_name if away else "",
        "cover_role": away.cover_role if away else "",
        # The rota's named contact (on now, or next) and when they will see the message.
        "named_contact": contact[0] if contact else "the team",
        "named_contact_from": contact[1] if contact else when_text(policy, due, now),
    }


def plan_intake(policy: TeamPolicy, *, assigned_staff_id: str | None, last_auto_key: str | None, now: datetime,
                contact: tuple[str, str] | None = None,
                routes: tuple[EmergencyRoute, ...] = EMERGENCY_ROUTES) -> Intake:
    """Decide the reply-by and the auto-reply (at most one per period) for a message arriving at ``now``.

    ``contact`` is the rota's named contact (label, when they will see it) for templates that name them.
    ``routes`` end every auto-reply: the team's own urgent lines first (``domain.team_safety``), then the national ones.
    """
    status = status_at(policy.availability, now)
    due = reply_by(policy.availability, now)
    away = policy.away_now(assigned_staff_id, now)
    away_info = auto_reply.AwayInfo(away.staff_name, away.cover_name, away.cover_role, away.end) if away else None
    kind = auto_reply.choose(status, assigned_away=away_info)
    key = auto_reply.period_key(status, away_info, assigned_staff_id)
    if kind is None or key is None or key == last_auto_key:
        return Intake(status, due, None, None, None)
    template = policy.templates.get(kind, auto_reply.DEFAULT_TEMPLATES[kind])
    text = auto_reply.compose(kind, template, _values(policy, status, due, away, now, contact), routes)
    return Intake(status, due, kind, key, text)
