"""A team's policy as the rest of Teamline uses it: availability, auto-reply texts, who is away.

The policy is data in the team's DynamoDB item, edited by the team lead. Parsing it is pure but not
free, so parsed policies are cached per (team, policy version) for the life of the Lambda container.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from chalicelib.domain import auto_reply
from chalicelib.domain.availability import (
    DEFAULT_POLICY,
    AvailabilityPolicy,
    Status,
    humanise,
    parse_policy,
    reply_by,
    status_at,
)
from chalicelib.models.items import TeamItem


class Away(NamedTuple):
    """A staff member's away period and who covers for them."""

    staff_id: str
    staff_name: str
    start: datetime
    end: datetime
    cover_id: str
    cover_name: str
    cover_role: str

    def active(self, now: datetime) -> bool:
        return self.start <= now < self.end


class TeamPolicy(NamedTuple):
    """Everything about a team that decides how an incoming message is answered."""

    team_id: str
    team_name: str
    availability: AvailabilityPolicy
    templates: dict[str, str]
    away: dict[str, Away]

    @property
    def timezone(self) -> str:
        return self.availability.timezone

    def away_now(self, staff_id: str | None, now: datetime) -> Away | None:
        """The away period covering ``staff_id`` at ``now``, if any."""
        if not staff_id:
            return None
        period = self.away.get(staff_id)
        return period if period and period.active(now) else None


def _parse_away(raw: dict[str, Any] | None) -> dict[str, Away]:
    result: dict[str, Away] = {}
    for staff_id, entry in (raw or {}).items():
        result[staff_id] = Away(
            staff_id=staff_id,
            staff_name=entry["staff_name"],
            start=datetime.fromisoformat(entry["start"]),
            end=datetime.fromisoformat(entry["end"]),
            cover_id=entry["cover_id"],
            cover_name=entry["cover_name"],
            cover_role=entry.get("cover_role", ""),
        )
    return result


@lru_cache(maxsize=256)
def _cached(team_id: str, version: int, name: str, policy_json: str, templates_json: str, away_json: str) -> TeamPolicy:
    import json

    policy = json.loads(policy_json)
    availability = parse_policy(policy) if policy else DEFAULT_POLICY
    templates = {**auto_reply.DEFAULT_TEMPLATES, **(json.loads(templates_json) or {})}
    return TeamPolicy(team_id, name, availability, templates, _parse_away(json.loads(away_json)))


def policy_of(team: TeamItem) -> TeamPolicy:
    """The team's parsed policy (cached per policy version)."""
    import json

    return _cached(
        team.team_id,
        int(team.policy_version or 0),
        team.name,
        json.dumps(team.policy or None, sort_keys=True),
        json.dumps(team.auto_replies or None, sort_keys=True),
        json.dumps(team.away or None, sort_keys=True),
    )


class Intake(NamedTuple):
    """What happens when a patient's message arrives: its reply-by and any auto-reply."""

    status: Status
    reply_by: datetime | None
    auto_kind: str | None
    auto_key: str | None
    auto_text: str | None


def when_text(policy: TeamPolicy, when: datetime | None, now: datetime) -> str:
    """A time as a young person reads it, in the team's timezone."""
    if when is None:
        return "as soon as they can"
    return humanise(when, now, policy.timezone)


def plan_intake(policy: TeamPolicy, *, assigned_staff_id: str | None, last_auto_key: str | None, now: datetime) -> Intake:
    """Decide the reply-by and the auto-reply (at most one per period) for a message arriving at ``now``."""
    status = status_at(policy.availability, now)
    due = reply_by(policy.availability, now)
    away = policy.away_now(assigned_staff_id, now)
    away_info = (
        auto_reply.AwayInfo(away.staff_name, away.cover_name, away.cover_role, away.end) if away else None
    )
    kind = auto_reply.choose(status, assigned_away=away_info)
    key = auto_reply.period_key(status, away_info, assigned_staff_id)
    if kind is None or key is None or key == last_auto_key:
        return Intake(status, due, None, None, None)
    values = {
        "team_name": policy.team_name,
        "next_opening": when_text(policy, status.next_opening, now),
        "reply_by": when_text(policy, due, now),
        "closure_reason": status.detail or "",
        "pause_reason": status.detail or "",
        "holiday_name": status.detail or "a bank holiday",
        "assigned_name": away.staff_name if away else "",
        "cover_name": away.cover_name if away else "",
        "cover_role": away.cover_role if away else "",
    }
    text = auto_reply.compose(kind, policy.templates.get(kind, auto_reply.DEFAULT_TEMPLATES[kind]), values)
    return Intake(status, due, kind, key, text)
