"""The named-contact rota: one item per team per month, holding the lead's draft and what patients see.

``TEAM#<team>`` / ``ROTA#<YYYY-MM>``: a few kilobytes at most (31 small entries twice), so a page or a
send fetches the month it needs by key in its first BatchGetItem, at no extra round trip. Publishing
copies the draft to ``published``, bumps ``version`` (conditioned, so two leads cannot both publish
over each other) and records which days changed since the last publication.

``TEAM#<team>`` / ``ROTACHANGED#<YYYY-MM>#<version>``: a re-publication that changed days still ahead
(``RotaNoticeItem``), written in the same transaction. Nothing reads it by key: its INSERT on the table's
stream is what tells the push consumer to notify the team's patients, and DynamoDB's TTL removes it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.domain import rota as rules
from chalicelib.domain.rota import RotaDay
from chalicelib.models import keys
from chalicelib.models.base import MainItem
from chalicelib.models.db import batch_get

#: A notice is wanted only while its stream record may still be delivered (24 hours) and retried.
NOTICE_LIFETIME = timedelta(days=2)


class RotaMonthItem(MainItem, discriminator="rota_month"):
    """A team's rota for one month: the draft the lead edits and the version patients see."""

    team_id = UnicodeAttribute()
    month = UnicodeAttribute()  # YYYY-MM
    draft = JSONAttribute(null=True)
    published = JSONAttribute(null=True)
    published_at = UTCDateTimeAttribute(null=True)
    #: Days changed by the latest publication (after the first): shown as "updated" to patients.
    updated_days = JSONAttribute(null=True)
    #: 0 until first published; every publication adds one. Draft edits are conditioned on ``draft_version``.
    version = NumberAttribute(default=0)
    draft_version = NumberAttribute(default=0)

    def draft_days(self) -> dict[date, RotaDay]:
        return rules.days_from_raw(self.draft)

    def published_days(self) -> dict[date, RotaDay]:
        return rules.days_from_raw(self.published)


class RotaNoticeItem(MainItem, discriminator="rota_notice"):
    """A published month changed on days patients still rely on: the push consumer tells the team's patients.

    Only ever written (by the re-publication's transaction) and seen on the table's stream; never read by a
    request. ``tell_until`` is when the last changed day ends: a stream record handled later sends nothing.
    """

    notice_id = UnicodeAttribute()  # what each device's delivery claim is keyed by (one push per device)
    team_id = UnicodeAttribute()
    month = UnicodeAttribute()  # YYYY-MM: where the notification opens
    version = NumberAttribute()
    tell_until = UTCDateTimeAttribute()


def new_notice(team_id: str, month: str, version: int, *, tell_until: datetime, now: datetime) -> RotaNoticeItem:
    """The notice of one re-publication (its key names the version, so each publication writes a new item)."""
    return RotaNoticeItem(*keys.rota_notice(team_id, month, version), notice_id=f"rota-{team_id}-{month}-{version}",
                          team_id=team_id, month=month, version=version, tell_until=tell_until,
                          expires_at=now + NOTICE_LIFETIME)


def is_notice(raw: dict[str, Any]) -> bool:
    """True when a raw item (a stream record's image) is a rota notice."""
    return raw.get("kind", {}).get("S") == "rota_notice"


def notice_from_raw(raw: dict[str, Any]) -> RotaNoticeItem:
    return RotaNoticeItem.from_raw_data(raw)


def new_month(team_id: str, month: str) -> RotaMonthItem:
    """An empty month (saved by its first edit)."""
    return RotaMonthItem(*keys.rota_month(team_id, month), team_id=team_id, month=month, draft={}, published=None)


def month_keys(team_id: str, months: list[str]) -> list[tuple[str, str]]:
    return [keys.rota_month(team_id, m) for m in months]


def published_from(items: dict[tuple[str, str], Any], team_id: str, months: list[str]) -> dict[date, RotaDay]:
    """Every published day of the given months, from a BatchGetItem's items."""
    days: dict[date, RotaDay] = {}
    for key in month_keys(team_id, months):
        item = items.get(key)
        if isinstance(item, RotaMonthItem) and item.published:
            days.update(item.published_days())
    return days


def month_item(items: dict[tuple[str, str], Any], team_id: str, month: str) -> RotaMonthItem | None:
    item = items.get(keys.rota_month(team_id, month))
    return item if isinstance(item, RotaMonthItem) else None


def published_for(team_id: str, now: datetime) -> dict[date, RotaDay]:
    """The published days around ``now`` (one BatchGetItem; for jobs and the push path, not pages)."""
    months = rules.months_around(now)
    return published_from(batch_get(month_keys(team_id, months)), team_id, months)


def save_draft_action(item: RotaMonthItem, days: dict[date, RotaDay]) -> list[Any]:
    # An update creates a new month without its kind: set it, so a BatchGetItem knows what it is.
    return [RotaMonthItem.draft.set(rules.days_to_raw(days)), RotaMonthItem.draft_version.add(1),
            RotaMonthItem.kind.set(RotaMonthItem),
            RotaMonthItem.team_id.set(item.team_id), RotaMonthItem.month.set(item.month)]


def draft_unchanged(item: RotaMonthItem) -> Any:
    """No one else has saved this month's draft since it was read (a new month: no one created it)."""
    if not item.draft_version:
        return RotaMonthItem.draft_version.does_not_exist() | (RotaMonthItem.draft_version == 0)
    return RotaMonthItem.draft_version == item.draft_version


def publish_actions(item: RotaMonthItem, changed: list[date], now: datetime) -> list[Any]:
    return [RotaMonthItem.published.set(item.draft or {}), RotaMonthItem.published_at.set(now),
            RotaMonthItem.updated_days.set([d.isoformat() for d in changed] if item.version else []),
            RotaMonthItem.version.add(1)]


def unpublished_since_loaded(item: RotaMonthItem) -> Any:
    if not item.version:
        return RotaMonthItem.version.does_not_exist() | (RotaMonthItem.version == 0)
    return RotaMonthItem.version == item.version


def patient_teams_and_rota(patient_id: str, team_ids: list[str], now: datetime
                           ) -> tuple[list[tuple[Any, Any]], dict[tuple[str, str], Any]]:
    """(team, conversation) per team that has both, and the teams' rota months: ONE BatchGetItem."""
    from chalicelib.models.conversation import ConversationItem
    from chalicelib.models.team import TeamItem

    months = rules.months_around(now)
    found = batch_get([*(k for t in team_ids for k in (keys.team(t), keys.conversation(t, patient_id))),
                       *(k for t in team_ids for k in month_keys(t, months))])
    pairs = [(found.get(keys.team(t)), found.get(keys.conversation(t, patient_id))) for t in team_ids]
    return [(team, conv) for team, conv in pairs if isinstance(team, TeamItem) and isinstance(conv, ConversationItem)
            ], found
