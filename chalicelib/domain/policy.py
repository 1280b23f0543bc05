"""A team's policy as the rest of Teamline uses it: availability, auto-reply texts, who is away. Pure.

The policy is data in the team's DynamoDB item, edited by the team lead. ``build_policy`` turns that
data into these immutable values; ``chalicelib.models.team.team_policy`` caches the result per
(team, policy version), since parsing is pure but not free.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from chalicelib.domain import auto_reply
from chalicelib.domain.availability import DEFAULT_POLICY, AvailabilityPolicy, humanise, parse_policy


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

    def covered_by(self, staff_id: str, now: datetime) -> list[str]:
        """Ids of colleagues ``staff_id`` is covering for at ``now``."""
        return [sid for sid, period in self.away.items() if period.cover_id == staff_id and period.active(now)]


def parse_away(raw: Mapping[str, Any] | None) -> dict[str, Away]:
    """Away periods from their stored form: ``{staff_id: {staff_name, start, end, cover_id, cover_name, cover_role}}``."""
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


def build_policy(team_id: str, name: str, availability: Mapping[str, Any] | None,
                 templates: Mapping[str, str] | None, away: Mapping[str, Any] | None) -> TeamPolicy:
    """A team's policy from its stored data (absent parts take the defaults)."""
    parsed = parse_policy(availability) if availability else DEFAULT_POLICY
    return TeamPolicy(team_id, name, parsed, {**auto_reply.DEFAULT_TEMPLATES, **(templates or {})}, parse_away(away))


def when_text(policy: TeamPolicy, when: datetime | None, now: datetime) -> str:
    """A time as a young person reads it, in the team's timezone."""
    if when is None:
        return "as soon as they can"
    return humanise(when, now, policy.timezone)
