"""Canned replies: kept by the team lead, inserted (placeholders filled) into a clinician's reply box."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import canned as rules
from chalicelib.domain import rota as rota_rules
from chalicelib.errors import Conflict, ServiceUnavailable, ValidationError
from chalicelib.ids import new_id
from chalicelib.models import canned as store
from chalicelib.models import db
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.team import team_policy
from chalicelib.scopes import StaffConversation, StaffTeam
from chalicelib.services import routing
from chalicelib.services.common import touch_session


def replies_view(st: StaffTeam) -> dict[str, Any]:
    """The lead's page: the team's canned replies and the placeholders they may use."""
    item = store.from_items(st.items, st.team.team_id)
    return {"team": {"team_id": st.team.team_id, "name": st.team.name}, "replies": list(item.replies or []),
            "placeholders": rules.PLACEHOLDERS, "max": store.MAX_REPLIES}


def _save(st: StaffTeam, now: datetime, item: store.CannedRepliesItem, replies: list[dict[str, str]],
          detail: dict[str, Any]) -> None:
    try:
        with db.transaction() as tx:
            tx.update(item, actions=store.save_actions(replies), condition=store.unchanged_since_loaded(item))
            tx.save(audit_event(now, AuditEventType.CANNED_REPLIES_CHANGED, st.actor, team_id=st.team.team_id,
                                detail=detail))
            touch_session(tx, st.actor, now)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            raise Conflict("Someone else changed the canned replies just now. Refresh and try again.") from exc
        raise ServiceUnavailable() from exc


def do_add_reply(st: StaffTeam, now: datetime, title: object, body: object) -> None:
    """Add a canned reply (placeholders checked; at most MAX_REPLIES)."""
    item = store.from_items(st.items, st.team.team_id)
    clean_title, clean_body = rules.check_reply(title, body)
    replies = list(item.replies or [])
    if len(replies) >= store.MAX_REPLIES:
        raise ValidationError(f"A team can keep up to {store.MAX_REPLIES} canned replies. Remove one first.",
                              field="title")
    reply_id = new_id(now)
    _save(st, now, item, [*replies, {"id": reply_id, "title": clean_title, "body": clean_body}],
          {"added": reply_id})


def do_remove_reply(st: StaffTeam, now: datetime, reply_id: str) -> None:
    """Remove a canned reply (NotFound-like 400 if it is not there)."""
    item = store.from_items(st.items, st.team.team_id)
    replies = [r for r in (item.replies or []) if r.get("id") != reply_id]
    if len(replies) == len(item.replies or []):
        raise ValidationError("That canned reply is not there any more.", field="reply_id")
    _save(st, now, item, replies, {"removed": reply_id})


def for_conversation(sc: StaffConversation, now: datetime) -> list[dict[str, str]]:
    """The team's canned replies with this conversation's placeholders filled, ready for the reply box."""
    item = store.from_items(sc.items, sc.team.team_id)
    if not item.replies:
        return []
    policy = team_policy(sc.team)
    entry = rota_rules.entry_on(routing.published(sc.items, sc.team.team_id, now), policy, now)
    values = {"patient_first_name": (sc.conversation.patient_name or "").split(" ")[0],
              "named_contact": entry.label if entry else "the team",
              "team_hours": rules.team_hours(policy.availability)}
    return [{"id": r["id"], "title": r["title"], "text": rules.fill(r["body"], values)} for r in item.replies]


def key(team_id: str) -> tuple[str, str]:
    """The team's canned replies, for a loader to fetch with the session."""
    return store.key(team_id)
