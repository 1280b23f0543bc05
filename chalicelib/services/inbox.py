"""The team inbox: its views, who is handling each conversation, and marking one urgent.

Every view is one Query on an index built for it (``chalicelib.models.inbox``), after the access
loader's BatchGetItem, which also fetches every view's count; none reads more than the page it shows.
The one exception: "Mine" while covering for an away colleague reads their list too (one Query each).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.auth.actor import Actor
from chalicelib.domain import conversation as rules
from chalicelib.errors import ValidationError
from chalicelib.models import conversation as store
from chalicelib.models import db
from chalicelib.models import inbox as inbox_store
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.team import team_policy
from chalicelib.scopes import StaffConversation, StaffTeam
from chalicelib.services import present

VIEWS = (("all", "All"), ("unassigned", "Unassigned"), ("mine", "Mine"), ("escalated", "Escalated to me"),
         ("awaiting", "Awaiting patient"), ("overdue", "Overdue"), ("followup", "Follow-up due"), ("closed", "Closed"))
OVERDUE_FIRST_LIMIT = 10
MAX_FILTER = 40


def inbox_keys(team_id: str, staff_id: str) -> list[tuple[str, str]]:
    """What an inbox page fetches with the session (its views' counts), so counts cost no round trip."""
    return inbox_store.count_keys(team_id, staff_id)


def _filter(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > MAX_FILTER or any(c in text for c in "#~"):
        raise ValidationError("Search by the start of a patient's family name.", field="patient")
    return text


def _conversations(st: StaffTeam, now: datetime, view: str, cursor: str | None,
                   patient: str) -> tuple[list[ConversationItem], str | None]:
    """The page of conversations a view shows: one Query (Mine: one more per colleague being covered)."""
    q = inbox_store.view_query(view, st.team.team_id, st.actor.id, now)
    if patient:
        page = inbox_store.patients_named(st.team.team_id, patient, q, cursor_text=cursor)
        return page.conversations, page.next_cursor
    covering = team_policy(st.team).covered_by(st.actor.id, now) if view == "mine" else []
    if covering:
        return inbox_store.held_by(st.team.team_id, [st.actor.id, *covering]), None
    page = inbox_store.view_page(q, cursor_text=cursor)
    return page.conversations, page.next_cursor


def inbox_view(st: StaffTeam, now: datetime, *, view: str | None = None, cursor: str | None = None,
               patient: str | None = None) -> dict[str, Any]:
    """One page of one inbox view, with every view's count and the names the page shows around it."""
    view = view or "all"
    if view not in dict(VIEWS):
        raise ValidationError("Choose one of the inbox views.", field="view")
    search = _filter(patient)
    policy = team_policy(st.team)
    covering = policy.covered_by(st.actor.id, now)
    overdue_count = int(st.team.overdue_count or 0)
    overdue_first: list[ConversationItem] = []
    conversations, next_cursor = _conversations(st, now, view, cursor, search)
    if view == "all" and st.role == "lead" and overdue_count > 0 and not cursor and not search:
        overdue_first = store.due(st.team.team_id, now, limit=OVERDUE_FIRST_LIMIT)  # the lead sees these first
    counts = {**inbox_store.counts_from(st.items, st.team.team_id, st.actor.id), "overdue": overdue_count}
    rows = [present.conversation_summary(c, now, policy) for c in conversations]
    return {
        "team": {"team_id": st.team.team_id, "name": st.team.name, "status": present.team_status(st.team, now),
                 "unfiled_count": int(st.team.unfiled_count or 0)},
        "role": st.role,
        "view": view,
        "views": VIEWS,
        "counts": counts,
        "patient": search,
        "overdue_count": overdue_count,
        "covering": [policy.away[s].staff_name for s in covering],
        "overdue_first": [present.conversation_summary(c, now, policy) for c in overdue_first],
        "conversations": rows,
        "next_cursor": next_cursor,
        "first_page": not cursor,
        "cursor": cursor or "",
        "digest": digest(conversations, counts),
    }


def digest(conversations: list[ConversationItem], counts: dict[str, int]) -> str:
    """A short fingerprint of what a view shows: the live check compares it to decide whether to refresh."""
    import hashlib

    text = "|".join(f"{c.patient_id}:{int(c.revision or 0)}" for c in conversations)
    text += "|" + ",".join(f"{k}={v}" for k, v in sorted(counts.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def do_claim(sc: StaffConversation, now: datetime) -> None:
    """Make the caller the clinician handling this conversation; refused (naming them) if a colleague holds it."""
    from chalicelib.services.workflow import do_claim as claim

    claim(sc, now)


def do_set_urgent(sc: StaffConversation, now: datetime, urgent: bool) -> None:
    """Mark a conversation urgent (staff are then notified of it even off shift), or not."""
    conv = sc.conversation
    if bool(conv.urgent) == urgent:
        return
    with db.committed() as tx:  # through update_actions, so the inbox order (urgent first) follows
        tx.update(conv, actions=store.update_actions(conv, rules.Change({"urgent": urgent})))
        tx.save(audit_event(now, AuditEventType.CONVERSATION_URGENCY_CHANGED, sc.actor, team_id=conv.team_id,
                            patient_id=conv.patient_id, detail={"urgent": urgent}))


def staff_teams(actor: Actor) -> list[dict[str, Any]]:
    """The caller's teams with their role, by name (one BatchGetItem)."""
    roles = actor.team_roles
    teams = team_store.teams_by_id(list(roles))
    return sorted(({"team_id": t.team_id, "name": t.name, "role": roles[t.team_id]} for t in teams.values()),
                  key=lambda row: row["name"].lower())
