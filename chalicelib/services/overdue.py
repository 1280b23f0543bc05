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

from pynamodb.exceptions import PynamoDBException, TransactWriteError

from chalicelib.errors import ServiceUnavailable
from chalicelib.models import db, keys
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.items import ConversationItem, TeamItem, TrustItem


@dataclass
class SweepResult:
    """What one sweep did."""

    teams: int = 0
    marked: int = 0
    overdue: int = 0


def due_conversations(team_id: str, now: datetime, *, limit: int | None = None) -> list[ConversationItem]:
    """A team's conversations past their reply-by, most overdue first (one Query on the sparse due index)."""
    upper = f"{keys.iso(now)}~"  # "~" sorts after the "#<patient id>" suffix
    try:
        return [c for c in ConversationItem.by_gsi2.query(keys.team_due(team_id), ConversationItem.gsi2sk <= upper,
                                                           limit=limit)
                if isinstance(c, ConversationItem) and c.waiting_since is not None]
    except PynamoDBException as exc:
        raise ServiceUnavailable() from exc


def sweep_team(team: TeamItem, now: datetime) -> tuple[int, int]:
    """Mark a team's newly overdue conversations; return (newly marked, overdue now)."""
    due = due_conversations(team.team_id, now)
    marked = 0
    for conv in due:
        if conv.overdue:
            continue
        try:
            with db.transaction() as tx:
                tx.update(conv, actions=[ConversationItem.overdue.set(True), ConversationItem.revision.add(1)],
                          condition=ConversationItem.revision == conv.revision)
                tx.save(audit_event(now, AuditEventType.CONVERSATION_OVERDUE, actor_kind="system", actor_id=None,
                                    trust_id=team.trust_id, team_id=team.team_id, patient_id=conv.patient_id,
                                    detail={"reply_by": keys.iso(conv.reply_by) if conv.reply_by else None}))
            marked += 1
        except TransactWriteError:
            continue  # the conversation changed (usually: answered) after it was read
    if marked or int(team.overdue_count or 0) != len(due):
        team.update(actions=[TeamItem.overdue_count.set(len(due))])
    return marked, len(due)


def run_sweep(now: datetime) -> SweepResult:
    """Sweep every team of every Trust."""
    result = SweepResult()
    for trust in TrustItem.by_gsi1.query(keys.ALL_TRUSTS):
        if not isinstance(trust, TrustItem):
            continue
        for team in TeamItem.by_gsi1.query(keys.trust_teams(trust.trust_id)):
            if not isinstance(team, TeamItem):
                continue
            marked, overdue = sweep_team(team, now)
            result.teams += 1
            result.marked += marked
            result.overdue += overdue
    return result
