"""Keeping an open staff page up to date without reloading it: cheap checks and "who is looking".

An open conversation polls ``conversation_check`` (the session BatchGetItem, then ONE Query that
returns the conversation record and the presence marks beside it); an open inbox polls
``inbox_check`` (the session BatchGetItem with the counts, then the view's one Query) and compares a
digest. Only when something changed does the page fetch its new content. Presence marks are
short-lived items, one per (conversation, clinician): opening the conversation writes one (inside
the audited read), and the page refreshes it while open, saying whether the clinician is writing.
Staff-side only: nothing here is reachable by, or shown to, a patient.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.domain.policy import when_text
from chalicelib.errors import NotFound, ValidationError
from chalicelib.models import inbox as inbox_store
from chalicelib.models.team import team_policy
from chalicelib.scopes import StaffConversation, StaffTeam
from chalicelib.services import inbox
from chalicelib.services.common import staff_label


def conversation_check(st: StaffTeam, patient_id: str, now: datetime) -> dict[str, Any]:
    """The conversation's revision and the colleagues who have it open or are writing (not the caller)."""
    found = inbox_store.check(st.team.team_id, patient_id, now)
    if found.conversation is None:
        raise NotFound("We could not find that conversation.")
    policy = team_policy(st.team)
    others = [p for p in found.present if p.staff_id != st.actor.id]
    return {
        "revision": int(found.conversation.revision or 0),
        "assigned_name": found.conversation.assigned_name,
        "viewers": [{"name": p.name, "writing": bool(p.writing), "since_text": when_text(policy, p.at, now)}
                    for p in sorted(others, key=lambda p: p.name)],
    }


def do_presence(sc: StaffConversation, now: datetime, *, writing: object) -> None:
    """Say the caller has this conversation open (and whether they are writing). Not audited: opening it was."""
    if not isinstance(writing, bool):
        raise ValidationError("Say whether you are writing (true or false).", field="writing")
    inbox_store.save_presence(inbox_store.new_presence(sc.team.team_id, sc.conversation.patient_id, sc.actor.id,
                                                       staff_label(sc.actor), writing=writing, now=now))


def inbox_check(st: StaffTeam, now: datetime, *, view: str | None, cursor: str | None,
                patient: str | None) -> dict[str, Any]:
    """The digest of what the view shows now (the page compares it with the one it was built with)."""
    shown = inbox.inbox_view(st, now, view=view, cursor=cursor, patient=patient)
    return {"digest": shown["digest"], "counts": shown["counts"]}
