"""Keeping each team's workload counters: from the table's stream, from the overdue sweep, and by recounting.

* **The stream** (``services.stream`` runs ``count_inserts`` on every batch of inserted items): the rules
  of ``services.counting_rules`` say what each item adds; the batch's figures are grouped by team and
  local day and written with one conditional UpdateItem per group (``models.stats.add``), which counts
  each item at most once however often Lambda delivers the batch. A batch reads its teams once (one
  BatchGetItem: the policy says the timezone and whether the team was open); parsed policies are cached.
* **The sweep** (``services.overdue``) records how many conversations were overdue each quarter hour.
* **The backfill** (``python -m scripts.backfill_counters``) clears a team's stream counters and counts
  every stored message again, conversation by conversation (a Query per conversation: a command, never
  a request). Counting goes through the same conditional writes, so messages stored while it runs are
  counted once, by whichever gets there first. Reply times come from what a reply recorded when it was
  sent (``MessageItem.answers_since``); replies stored before that existed count as replies, without a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from chalicelib.domain.workload import local_day, quarter_slot
from chalicelib.models import stats
from chalicelib.models import team as team_store
from chalicelib.models.base import MainItem
from chalicelib.models.team import TeamItem, team_policy
from chalicelib.services import counting_rules

Groups = dict[tuple[str, date], dict[str, stats.Delta]]


class CountResult(NamedTuple):
    """What one batch (or one recount) did: items that counted, and how many of them were new."""

    items: int
    added: int


def _add_tallies(groups: Groups, item: MainItem, team: TeamItem) -> int:
    """Group what the rules make of ``item`` by (team, local day), under the item's digest; returns tallies found."""
    policy = team_policy(team)
    found = counting_rules.tallies(item, policy)
    digest = stats.item_digest(item.pk, item.sk)
    for tally in found:
        deltas = groups.setdefault((tally.team_id, local_day(tally.at, policy.timezone)), {})
        before = deltas.get(digest, stats.Delta({}, {}, {}))
        counts = dict(before.counts)
        for name, amount in tally.counts.items():
            counts[name] = counts.get(name, 0) + amount
        samples = {k: list(v) for k, v in before.samples.items()}
        for name, values in tally.samples.items():
            samples.setdefault(name, []).extend(values)
        deltas[digest] = stats.Delta(counts, samples, {**before.labels, **tally.labels})
    return len(found)


def _write(groups: Groups) -> int:
    return sum(stats.add(team_id, day, deltas) for (team_id, day), deltas in sorted(groups.items()))


def count_items(items: Iterable[MainItem], teams: Mapping[str, TeamItem]) -> CountResult:
    """Count stored items into their teams' days (each at most once); items of unknown teams are left out."""
    groups: Groups = {}
    counted = 0
    for item in items:
        team = teams.get(str(getattr(item, "team_id", "")))
        if team is not None and _add_tallies(groups, item, team):
            counted += 1
    return CountResult(counted, _write(groups))


def count_inserts(images: list[dict[str, Any]], now: datetime) -> CountResult:
    """The stream consumer: count a batch of newly inserted items (a redelivered batch adds nothing)."""
    items = [item for raw in images if (item := stats.from_image(raw)) is not None and counting_rules.watched(item)]
    if not items:
        return CountResult(0, 0)
    teams = team_store.teams_by_id(sorted({str(getattr(item, "team_id")) for item in items}))  # noqa: B009
    return count_items(items, teams)


def record_overdue(team: TeamItem, now: datetime, count: int) -> None:
    """The sweep's reading: ``count`` conversations of ``team`` overdue in this quarter hour of its day."""
    timezone = team_policy(team).timezone
    stats.record_overdue(team.team_id, local_day(now, timezone), quarter_slot(now, timezone), count)


# --- recounting ---------------------------------------------------------------------------------------------


def recount_team(team: TeamItem) -> CountResult:
    """Clear a team's stream counters and count every stored message of every conversation again."""
    from chalicelib.models.conversation import ConversationItem
    from chalicelib.models.patient_list import whole_list

    stats.clear_counts(team.team_id)
    items: list[MainItem] = []
    counted = added = 0
    for conversation in (row for row in whole_list(team.team_id) if isinstance(row, ConversationItem)):
        items += stats.conversation_history(team.team_id, conversation.patient_id)
        if len(items) >= 500:  # write as we go: a team's whole history need not sit in memory
            result = count_items(items, {team.team_id: team})
            counted, added, items = counted + result.items, added + result.added, []
    result = count_items(items, {team.team_id: team})
    return CountResult(counted + result.items, added + result.added)


def recount_all() -> dict[str, CountResult]:
    """Recount every team of every Trust, by team id."""
    return {team.team_id: recount_team(team) for trust in team_store.all_trusts()
            for team in team_store.trust_teams(trust.trust_id)}
