"""Trusts, teams and who is in each team: the items, their keys, their queries, and the team's parsed policy.

A team's record holds its policy (availability, auto-reply texts, away periods) as data the lead
edits; every edit bumps ``policy_version`` under a condition. ``team_policy`` parses it once per
(team, version) per Lambda container.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.domain.policy import TeamPolicy, build_policy
from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import batch_get, get, storage


class TrustItem(MainItem, discriminator="trust"):
    """An NHS Trust: the organisation that deploys Teamline."""

    trust_id = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    #: The Trust's own timezone: the audit log shows times in it (teams keep their own in their policy).
    timezone = UnicodeAttribute(default="Europe/London")
    #: The Trust's own urgent lines (set by a Trust admin; copied onto every team, see TeamItem.trust_lines).
    urgent_lines = JSONAttribute(null=True)
    #: Years a conversation's filed messages are kept after its last activity (domain.retention; default 8).
    retention_years = NumberAttribute(null=True)


class TeamItem(MainItem, discriminator="team"):
    """A specialist clinical team and its policy (availability, auto-replies, who is away)."""

    team_id = UnicodeAttribute()
    trust_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    #: The team's shared Trust number shown to patients; never a clinician's personal number.
    phone = UnicodeAttribute(default="")
    #: Availability policy as JSON (chalicelib.domain.availability.parse_policy reads it).
    policy = JSONAttribute(null=True)
    #: Auto-reply templates by kind, edited by the team lead; absent kinds use the defaults.
    auto_replies = JSONAttribute(null=True)
    #: Staff away periods: {staff_id: {"staff_name", "start", "end", "cover_id", "cover_name", "cover_role"}}.
    away = JSONAttribute(null=True)
    #: Clinicians the lead marked as senior (staff ids): they take escalations (domain.people.takes_escalations).
    seniors = JSONAttribute(null=True)
    #: Bumped by every change to the fields above (and the name): the policy cache's key.
    policy_version = NumberAttribute(default=0)
    #: Conversations past their reply-by; raised by the overdue job, lowered by the reply that answers.
    overdue_count = NumberAttribute(default=0)
    #: Messages unfiled for more than this many days are in the team's unfiled queue (a lead's setting).
    unfiled_after_days = NumberAttribute(null=True)
    #: Conversations in that queue; set by the daily records reminder and after each filing.
    unfiled_count = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    active = BooleanAttribute(default=True)
    # --- safety (domain/team_safety.py, domain/agreement.py); every change bumps policy_version ---
    #: The team's urgent lines, red-flag words, out-of-hours alerts and daily cap.
    safety = JSONAttribute(null=True)
    #: The Trust's urgent lines, copied here when a Trust admin sets them, so a send reads them with the team.
    trust_lines = JSONAttribute(null=True)
    #: The current communication agreement (version, reworded sections, who published it when).
    agreement = JSONAttribute(null=True)


class TeamMemberItem(MainItem, discriminator="team_member"):
    """A staff member's role in a team; lives in the team's partition so the roster is one Query."""

    team_id = UnicodeAttribute()
    staff_id = UnicodeAttribute()
    role = UnicodeAttribute()  # clinician | lead
    display_name = UnicodeAttribute()
    job_title = UnicodeAttribute(default="")


def senior_ids(team: TeamItem) -> frozenset[str]:
    """The staff ids the team's lead marked as senior (the lead is senior by role and need not be marked)."""
    return frozenset(str(s) for s in (team.seniors or []))


def new_trust(trust_id: str, name: str, now: datetime) -> TrustItem:
    """A Trust record, listed with every Trust (for jobs that walk all teams)."""
    return TrustItem(*keys.trust(trust_id), trust_id=trust_id, name=name, created_at=now,
                     gsi1pk=keys.ALL_TRUSTS, gsi1sk=keys.team_name_sk(name, trust_id))


def new_team(team_id: str, trust_id: str, *, name: str, description: str, phone: str, now: datetime) -> TeamItem:
    """A team record, listed with its Trust's teams by name."""
    return TeamItem(*keys.team(team_id), team_id=team_id, trust_id=trust_id, name=name, description=description,
                    phone=phone, created_at=now, gsi1pk=keys.trust_teams(trust_id),
                    gsi1sk=keys.team_name_sk(name, team_id))


def new_member(team_id: str, staff_id: str, *, role: str, display_name: str, job_title: str) -> TeamMemberItem:
    """A staff member's place in a team's roster."""
    return TeamMemberItem(*keys.team_member(team_id, staff_id), team_id=team_id, staff_id=staff_id, role=role,
                          display_name=display_name, job_title=job_title)


def member_key(team_id: str, staff_id: str) -> TeamMemberItem:
    """A roster entry by key only (to delete it)."""
    return TeamMemberItem(*keys.team_member(team_id, staff_id))


def details_actions(team_id: str, name: str, description: str, phone: str) -> list[Any]:
    """Update actions for a team's name, description and shared phone (its place in the Trust's list follows
    the name; the policy version goes up, since the cached policy holds the name)."""
    return [TeamItem.name.set(name), TeamItem.description.set(description), TeamItem.phone.set(phone),
            TeamItem.gsi1sk.set(keys.team_name_sk(name, team_id)), TeamItem.policy_version.add(1)]


def overdue_answered() -> list[Any]:
    """Update actions for a reply that answered an overdue conversation: the team's count goes down at once."""
    return [TeamItem.overdue_count.add(-1)]


def set_overdue_count(team: TeamItem, count: int) -> None:
    """Set the team's overdue count to the figure the sweep found."""
    with storage():
        team.update(actions=[TeamItem.overdue_count.set(count)])


# --- reading ---------------------------------------------------------------------------------------------


def roster(team_id: str) -> list[TeamMemberItem]:
    """A team's staff and their roles (one Query in the team's partition)."""
    with storage():
        return [m for m in TeamMemberItem.query(keys.team_pk(team_id),
                                                TeamMemberItem.sk.startswith(keys.TEAM_MEMBER_PREFIX))
                if isinstance(m, TeamMemberItem)]


def trust_teams(trust_id: str) -> list[TeamItem]:
    """All teams of a Trust by name (one Query on gsi1)."""
    with storage():
        return [t for t in TeamItem.by_gsi1.query(keys.trust_teams(trust_id)) if isinstance(t, TeamItem)]


def all_trusts() -> list[TrustItem]:
    """Every Trust (one Query on gsi1; a handful of items)."""
    with storage():
        return [t for t in TrustItem.by_gsi1.query(keys.ALL_TRUSTS) if isinstance(t, TrustItem)]


def get_trust(trust_id: str) -> TrustItem | None:
    """A Trust record, or None."""
    trust: TrustItem | None = get(keys.trust(trust_id), TrustItem)
    return trust


def get_team(team_id: str) -> TeamItem | None:
    """A team record, or None."""
    team: TeamItem | None = get(keys.team(team_id), TeamItem)
    return team


def teams_by_id(team_ids: list[str]) -> dict[str, TeamItem]:
    """Teams by id (one BatchGetItem); ids that are not teams are left out."""
    found = batch_get([keys.team(t) for t in team_ids])
    return {t: item for t in team_ids if isinstance(item := found.get(keys.team(t)), TeamItem)}


def team_and_conversation(team_id: str, patient_id: str) -> tuple[TeamItem | None, Any]:
    """A team and its conversation with a patient (one BatchGetItem); None where absent."""
    from chalicelib.models.conversation import ConversationItem

    found = batch_get([keys.team(team_id), keys.conversation(team_id, patient_id)])
    team = found.get(keys.team(team_id))
    conv = found.get(keys.conversation(team_id, patient_id))
    return (team if isinstance(team, TeamItem) else None, conv if isinstance(conv, ConversationItem) else None)


# --- the parsed policy -------------------------------------------------------------------------------------

_MAX_CACHED = 256
T = TypeVar("T")


def per_policy_version(cache: dict[tuple[str, int], T], team: TeamItem, build: Callable[[], T]) -> T:
    """What ``build`` makes of a team's stored settings, kept per (team, policy version) for the container's life.

    Every change to a team's settings bumps ``policy_version``, so a cached value is never stale. A container
    serves a few teams; a full cache means something unusual, so it starts again.
    """
    key = (team.team_id, int(team.policy_version or 0))
    found = cache.get(key)
    if found is None:
        if len(cache) >= _MAX_CACHED:
            cache.clear()
        found = cache[key] = build()
    return found


_policies: dict[tuple[str, int], TeamPolicy] = {}


def team_policy(team: TeamItem) -> TeamPolicy:
    """The team's parsed policy, cached per (team, policy version) for the life of the container."""
    return per_policy_version(_policies, team, lambda: build_policy(team.team_id, team.name, team.policy,
                                                                    team.auto_replies, team.away))
