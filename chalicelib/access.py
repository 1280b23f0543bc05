"""Authorise while loading: every id from a URL or body reaches data only through these loaders.

Each loader fetches the session, the caller's profile and the records the route needs in ONE
BatchGetItem (the session cookie names its actor, so the keys are known up front), then verifies the
session and the caller's right to each record before returning anything. A patient reaches only
their own conversations; a staff member only the teams they belong to. What a caller may not see is
reported as NotFound, so ids cannot be probed.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from pynamodb.exceptions import UpdateError

from chalicelib.auth import sessions
from chalicelib.auth.actor import Actor
from chalicelib.errors import Forbidden, NotFound, ServiceUnavailable, Unauthenticated
from chalicelib.models import db, keys
from chalicelib.models.items import ConversationItem, MainItem, SessionItem, TeamItem
from chalicelib.web.routing import RequestContext


class Loaded(NamedTuple):
    """The verified actor and the records fetched with it."""

    actor: Actor
    items: dict[tuple[str, str], MainItem]

    def get(self, key: tuple[str, str]) -> MainItem | None:
        return self.items.get(key)


def _load(req: RequestContext, *extra: tuple[str, str]) -> Loaded:
    credential = req.require_credential()
    items = db.batch_get([credential.session_key, credential.profile_key, *extra])
    actor = req.authenticate(items.get(credential.session_key), items.get(credential.profile_key), credential)
    if req.method == "GET" and sessions.needs_touch(actor.session, req.now):
        _touch(actor.session, req.now)  # reading counts as activity; writes touch in their own transaction
    return Loaded(actor, items)


def _touch(session: SessionItem, now: datetime) -> None:
    """Refresh a session's ``last_seen_at`` (and TTL); a session deleted meanwhile means signed out."""
    try:
        session.update(actions=[SessionItem.last_seen_at.set(now),
                                SessionItem.expires_at.set(sessions.touched_expiry(session, now))],
                       condition=SessionItem.pk.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise Unauthenticated() from exc
        raise ServiceUnavailable() from exc


def access_actor(req: RequestContext) -> Actor:
    """Any signed-in caller."""
    return _load(req).actor


def access_patient(req: RequestContext, *extra: tuple[str, str]) -> Loaded:
    """A signed-in patient (staff get Forbidden)."""
    loaded = _load(req, *extra)
    if not loaded.actor.is_patient:
        raise Forbidden("This page is for patients.")
    return loaded


def access_staff(req: RequestContext, *extra: tuple[str, str]) -> Loaded:
    """A signed-in staff member (patients get Forbidden)."""
    loaded = _load(req, *extra)
    if not loaded.actor.is_staff:
        raise Forbidden("This page is for clinical staff.")
    return loaded


def access_trust_admin(req: RequestContext, *extra: tuple[str, str]) -> Loaded:
    """A Trust admin."""
    loaded = access_staff(req, *extra)
    if not loaded.actor.is_trust_admin:
        raise Forbidden("Only a Trust admin can do that.")
    return loaded


class PatientConversation(NamedTuple):
    """A patient's own conversation with one of their teams."""

    actor: Actor
    team: TeamItem
    conversation: ConversationItem


def access_patient_conversation(req: RequestContext, team_id: str) -> PatientConversation:
    """The caller's own conversation with ``team_id``: NotFound unless they are that team's patient."""
    credential = req.require_credential()
    # The conversation key is built from the *claimed* patient id; authenticate() proves the claim.
    conv_key = keys.conversation(team_id, credential.actor_id)
    loaded = access_patient(req, keys.team(team_id), conv_key)
    team = loaded.get(keys.team(team_id))
    conversation = loaded.get(conv_key)
    if (
        not isinstance(team, TeamItem)
        or not team.active
        or not isinstance(conversation, ConversationItem)
        or team_id not in loaded.actor.patient_team_ids
        or team.trust_id != loaded.actor.trust_id
    ):
        raise NotFound("We could not find that team.")
    return PatientConversation(loaded.actor, team, conversation)


class StaffTeam(NamedTuple):
    """A staff member acting in one of their teams, with that team's record."""

    actor: Actor
    team: TeamItem
    role: str
    items: dict[tuple[str, str], MainItem]


def access_staff_team(req: RequestContext, team_id: str, *extra: tuple[str, str], lead: bool = False) -> StaffTeam:
    """A team the caller belongs to (lead=True: that they lead); NotFound for other teams."""
    loaded = access_staff(req, keys.team(team_id), *extra)
    role = loaded.actor.role_in(team_id)
    team = loaded.get(keys.team(team_id))
    if role is None or not isinstance(team, TeamItem) or team.trust_id != loaded.actor.trust_id:
        raise NotFound("We could not find that team.")
    if lead and role != "lead":
        raise Forbidden("Only the team lead can do that.")
    return StaffTeam(loaded.actor, team, role, loaded.items)


class StaffConversation(NamedTuple):
    """A conversation in one of the caller's teams."""

    actor: Actor
    team: TeamItem
    role: str
    conversation: ConversationItem


def access_staff_conversation(req: RequestContext, team_id: str, patient_id: str) -> StaffConversation:
    """The conversation between ``team_id`` and ``patient_id``, if the caller belongs to that team."""
    conv_key = keys.conversation(team_id, patient_id)
    st = access_staff_team(req, team_id, conv_key)
    conversation = st.items.get(conv_key)
    if not isinstance(conversation, ConversationItem):
        raise NotFound("We could not find that conversation.")
    return StaffConversation(st.actor, st.team, st.role, conversation)
