"""The overdue sweep: mark conversations whose oldest unanswered patient message is past its reply-by.

Run every 15 minutes by a scheduled Lambda (``app.py``; ``make run`` drives it locally). It walks
Trusts → teams → each team's due list (a sparse index ordered by reply-by), so it reads only
conversations that are waiting, never the whole table. Marking is conditional on the conversation
not having changed since it was read, so a reply that lands mid-sweep wins. The team's overdue count
is set to the exact figure at the end of each team's sweep and lowered at once by the reply that
answers an overdue conversation, so the inbox shows it without an extra query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import TransactWriteError

from chalicelib.models import conversation as store
from chalicelib.models import db, keys
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, audit_event, system
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.team import TeamItem


@dataclass
class SweepResult:
    """What one sweep did."""

    teams: int = 0
    marked: int = 0
    overdue: int = 0


def _mark(team: TeamItem, conv: ConversationItem, now: datetime) -> bool:
    """Mark one conversation overdue (audited); False if it changed since it was read (usually: answered)."""
    try:
        with db.transaction() as tx:
            tx.update(conv, actions=[ConversationItem.overdue.set(True), ConversationItem.revision.add(1)],
                      condition=store.unchanged_since_loaded(conv))
            tx.save(audit_event(now, AuditEventType.CONVERSATION_OVERDUE, system(team.trust_id), team_id=team.team_id,
                                patient_id=conv.patient_id,
                                detail={"reply_by": keys.iso(conv.reply_by) if conv.reply_by else None}))
    except TransactWriteError:
        return False
    return True


def sweep_team(team: TeamItem, now: datetime) -> tuple[int, int]:
    """Mark a team's newly overdue conversations; return (newly marked, overdue now).

    The team's count is set after the marks, on its own: it is a figure the next sweep recomputes,
    not a change to audit.
    """
    due = store.due(team.team_id, now)
    marked = sum(1 for conv in due if not conv.overdue and _mark(team, conv, now))
    if marked or int(team.overdue_count or 0) != len(due):
        team_store.set_overdue_count(team, len(due))
    from chalicelib.services.counting import record_overdue  # loaded by the job only, not at the API's cold start

    record_overdue(team, now, len(due))  # the workload dashboard's overdue count over time
    return marked, len(due)


def run_sweep(now: datetime) -> SweepResult:
    """Sweep every team of every Trust."""
    result = SweepResult()
    for trust in team_store.all_trusts():
        for team in team_store.trust_teams(trust.trust_id):
            marked, overdue = sweep_team(team, now)
            result.teams += 1
            result.marked += marked
            result.overdue += overdue
    return result
