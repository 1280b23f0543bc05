"""The team inbox: its views, who is handling each conversation, and marking one urgent.

Every view is one Query on an index built for it (the inbox, the due list, one per clinician for
"Mine"), after the access loader's BatchGetItem; none reads more than the page it shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.auth.actor import Actor
from chalicelib.domain import conversation as rules
from chalicelib.errors import Conflict, ServiceUnavailable, ValidationError
from chalicelib.models import conversation as store
from chalicelib.models import db
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.team import team_policy
from chalicelib.scopes import StaffConversation, StaffTeam
from chalicelib.services import present
from chalicelib.services.common import staff_label

VIEWS = (("all", "All"), ("mine", "Mine"), ("overdue", "Overdue"))
OVERDUE_VIEW_LIMIT = 50
OVERDUE_FIRST_LIMIT = 10


def inbox_view(st: StaffTeam, now: datetime, *, view: str | None = None, cursor: str | None = None) -> dict[str, Any]:
    """One page of one inbox view, with the counts and names the page shows around it."""
    view = view or "all"
    if view not in dict(VIEWS):
        raise ValidationError("Choose All, Mine or Overdue.", field="view")
    policy = team_policy(st.team)
    covering = policy.covered_by(st.actor.id, now)
    overdue_count = int(st.team.overdue_count or 0)
    next_cursor = None
    overdue_first: list[ConversationItem] = []
    if view == "mine":
        conversations = store.assigned_to(st.team.team_id, [st.actor.id, *covering])
    elif view == "overdue":
        conversations = store.due(st.team.team_id, now, limit=OVERDUE_VIEW_LIMIT)
    else:
        page = store.inbox_page(st.team.team_id, cursor_text=cursor)
        conversations, next_cursor = page.conversations, page.next_cursor
        if st.role == "lead" and overdue_count > 0 and not cursor:
            overdue_first = store.due(st.team.team_id, now, limit=OVERDUE_FIRST_LIMIT)  # the lead sees these first
    return {
        "team": {"team_id": st.team.team_id, "name": st.team.name, "status": present.team_status(st.team, now),
                 "unfiled_count": int(st.team.unfiled_count or 0)},
        "role": st.role,
        "view": view,
        "views": VIEWS,
        "overdue_count": overdue_count,
        "covering": [policy.away[s].staff_name for s in covering],
        "overdue_first": [present.conversation_summary(c, now, policy) for c in overdue_first],
        "conversations": [present.conversation_summary(c, now, policy) for c in conversations],
        "next_cursor": next_cursor,
        "first_page": not cursor,
    }


def team_patients(st: StaffTeam) -> dict[str, Any]:
    """The team's patients by name."""
    rows = store.team_patients(st.team.team_id)
    return {"team": {"team_id": st.team.team_id, "name": st.team.name},
            "patients": [{"patient_id": c.patient_id, "name": c.patient_name} for c in rows]}


def do_claim(sc: StaffConversation, now: datetime) -> None:
    """Make the caller the clinician handling this conversation (visible to the team as "who is handling this")."""
    conv = sc.conversation
    if conv.assigned_staff_id == sc.actor.id:
        return
    change = rules.claim(sc.actor.id, staff_label(sc.actor))
    try:
        with db.transaction() as tx:
            tx.update(conv, actions=store.update_actions(conv, change), condition=store.unchanged_since_loaded(conv))
            tx.save(audit_event(now, AuditEventType.CONVERSATION_ASSIGNED, sc.actor, team_id=conv.team_id,
                                patient_id=conv.patient_id, detail={"from": conv.assigned_staff_id, "to": sc.actor.id}))
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc) or "TransactionConflict" in db.cancellation_codes(exc):
            raise Conflict("Someone else changed this conversation just now. Refresh and try again.") from exc
        raise ServiceUnavailable() from exc


def do_set_urgent(sc: StaffConversation, now: datetime, urgent: bool) -> None:
    """Mark a conversation urgent (staff are then notified of it even off shift), or not."""
    conv = sc.conversation
    if bool(conv.urgent) == urgent:
        return
    with db.committed() as tx:
        tx.update(conv, actions=[ConversationItem.urgent.set(urgent)])
        tx.save(audit_event(now, AuditEventType.CONVERSATION_URGENCY_CHANGED, sc.actor, team_id=conv.team_id,
                            patient_id=conv.patient_id, detail={"urgent": urgent}))


def staff_teams(actor: Actor) -> list[dict[str, Any]]:
    """The caller's teams with their role, by name (one BatchGetItem)."""
    roles = actor.team_roles
    teams = team_store.teams_by_id(list(roles))
    return sorted(({"team_id": t.team_id, "name": t.name, "role": roles[t.team_id]} for t in teams.values()),
                  key=lambda row: row["name"].lower())
