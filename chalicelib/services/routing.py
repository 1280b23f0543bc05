"""Routing by the named-contact rota, and the inbox sweep that keeps routing and the views' counts honest.

A patient's message in a conversation nobody holds goes to today's named contact while they are on
shift (their cover when they are away): decided inside the send, from the rota months the send's
own BatchGetItem fetched, so routing costs no round trip. Outside the contact's hours the message
waits, unassigned; the sweep (every 5 minutes) gives waiting unowned conversations to the named
contact as their shift starts. The sweep also sets every view's count to its exact figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import conversation as rules
from chalicelib.domain import rota as rota_rules
from chalicelib.domain.policy import TeamPolicy, when_text
from chalicelib.domain.rota import RotaDay
from chalicelib.models import conversation as store
from chalicelib.models import db
from chalicelib.models import inbox as inbox_store
from chalicelib.models import notes as note_store
from chalicelib.models import rota as rota_store
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, audit_event, system
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.team import TeamItem

SWEEP_PAGE = 100


class Routed(NamedTuple):
    """A send's routing: the change that assigns the conversation and the staff-only line saying so."""

    change: rules.Change
    note: Any
    staff_id: str


def rota_keys(team_id: str, now: datetime) -> list[tuple[str, str]]:
    """The rota months a send or a page fetches with the session (this month, the next and the last)."""
    return rota_store.month_keys(team_id, rota_rules.months_around(now))


def published(items: dict[tuple[str, str], Any], team_id: str, now: datetime) -> dict[date, RotaDay]:
    """The published rota days around ``now`` from what a loader fetched.

    A scope built without a loader (a script, a job) has no items at all: then the months are read
    here (one BatchGetItem), so routing never silently depends on how the caller was written.
    """
    if not items:
        return rota_store.published_for(team_id, now)
    return rota_store.published_from(items, team_id, rota_rules.months_around(now))


def on_send(conv: ConversationItem, days: dict[date, RotaDay], policy: TeamPolicy, at: datetime) -> Routed | None:
    """Give an unowned conversation to today's named contact (or their cover) while they are on shift."""
    if conv.assigned_staff_id or not days:
        return None
    found = rota_rules.route(days, policy, at)
    if found is None:
        return None
    line = (f"Sent to {found.label}, covering for today's named contact." if found.covering_for
            else f"Sent to {found.label}, today's named contact.")
    note = note_store.new_note(conv, at, kind="event", author_id=None, author_label="Teamline", body=line,
                               step="assigned", subject=(found.staff_id, found.label))
    change = rules.merge(rules.assign(conv.state, found.staff_id, found.label), rules.Change({}, add={"note_count": 1}))
    return Routed(change, note, found.staff_id)


def contact_wording(days: dict[date, RotaDay], policy: TeamPolicy, now: datetime) -> tuple[str, str] | None:
    """For auto-replies: the named contact on now or next, and when they will see a message."""
    found = rota_rules.next_shift(days, policy, now)
    if found is None:
        return None
    entry, begins = found
    return entry.label, when_text(policy, begins, now)


# --- the sweep ----------------------------------------------------------------------------------------------


@dataclass
class InboxSweepResult:
    teams: int = 0
    routed: int = 0


def _route_waiting(team: TeamItem, days: dict[date, RotaDay], now: datetime) -> int:
    """Give each waiting, unowned conversation to the named contact on shift now (conditional: a claim wins)."""
    policy = team_store.team_policy(team)
    if rota_rules.route(days, policy, now) is None:
        return 0
    routed = 0
    page = inbox_store.view_page(inbox_store.view_query("unassigned", team.team_id, "", now), limit=SWEEP_PAGE)
    for conv in page.conversations:
        if conv.waiting_since is None:
            continue
        step = on_send(conv, days, policy, now)
        if step is None:
            continue
        try:
            with db.transaction() as tx:
                tx.update(conv, actions=store.update_actions(conv, step.change),
                          condition=store.unchanged_since_loaded(conv))
                inbox_store.count_updates(tx, conv, step.change)
                tx.save(step.note)
                tx.save(audit_event(now, AuditEventType.CONVERSATION_ROUTED, system(team.trust_id),
                                    team_id=team.team_id, patient_id=conv.patient_id, detail={"to": step.staff_id}))
        except TransactWriteError:
            continue  # it changed since it was read (someone claimed it, or the patient wrote): next sweep
        routed += 1
    return routed


def recount(team: TeamItem, now: datetime) -> None:
    """Set every view's count to the figure its index holds now (Select COUNT; a job, never a page)."""
    team_id = team.team_id
    for view, name in (("unassigned", "new"), ("awaiting", "awaiting_patient"), ("closed", "closed"),
                       ("followup", "followup_due")):
        inbox_store.set_count(team_id, name, inbox_store.count_query(inbox_store.view_query(view, team_id, "", now)))
    for member in team_store.roster(team_id):
        for view in ("mine", "escalated"):
            figure = inbox_store.count_query(inbox_store.view_query(view, team_id, member.staff_id, now))
            inbox_store.set_count(team_id, f"{view}#{member.staff_id}", figure)


def run_inbox_sweep(now: datetime) -> InboxSweepResult:
    """Route what waited for a named contact, and recount the views, for every team of every Trust."""
    result = InboxSweepResult()
    for trust in team_store.all_trusts():
        for team in team_store.trust_teams(trust.trust_id):
            if not team.active:
                continue
            days = rota_store.published_for(team.team_id, now)
            if days:
                result.routed += _route_waiting(team, days, now)
            recount(team, now)
            result.teams += 1
    return result
