"""Authorise while loading: every id from a URL or body reaches data only through these loaders.

Each loader fetches the session, the caller's profile and the records the route needs in ONE
BatchGetItem (the session cookie names its actor, so the keys are known up front), then verifies the
session and the caller's right to each record before returning anything. A patient reaches only
their own conversations; a staff member only the teams they belong to. What a caller may not see is
reported as NotFound, so ids cannot be probed.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from chalicelib.auth import sessions
from chalicelib.auth.actor import Actor
from chalicelib.auth.authenticate import Caller
from chalicelib.errors import Forbidden, NotFound, Unauthenticated
from chalicelib.models import db, keys
from chalicelib.models import push as push_store
from chalicelib.models import session as session_store
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.people import StaffItem
from chalicelib.models.push import PushRefItem
from chalicelib.models.team import TeamItem
from chalicelib.scopes import (
    Loaded,
    PatientConversation,
    StaffConversation,
    StaffRecord,
    StaffTeam,
    TrustStaff,
    TrustTeam,
)

__all__ = ["Loaded", "PatientConversation", "PushTarget", "StaffConversation", "StaffTeam", "access_actor",
           "access_audit_reader", "access_patient", "access_patient_conversation", "access_push_target", "access_staff",
           "access_staff_conversation", "access_staff_record", "access_staff_team", "access_trust_admin",
           "access_trust_staff", "access_trust_team"]


def _load(req: Caller, *extra: tuple[str, str]) -> Loaded:
    credential = req.require_credential()
    items = db.batch_get([credential.session_key, credential.profile_key, *extra])
    actor = req.authenticate(items.get(credential.session_key), items.get(credential.profile_key), credential)
    # Reading counts as activity (writes touch the session in their own transaction); a session deleted
    # meanwhile was signed out on another device.
    if (req.method == "GET" and sessions.needs_touch(actor.session, req.now)
            and not session_store.touch(actor.session, req.now, sessions.touched_expiry(actor.session, req.now))):
        raise Unauthenticated()
    return Loaded(actor, items)


def access_actor(req: Caller) -> Actor:
    """Any signed-in caller."""
    return _load(req).actor


def access_patient(req: Caller, *extra: tuple[str, str]) -> Loaded:
    """A signed-in patient (staff get Forbidden)."""
    loaded = _load(req, *extra)
    if not loaded.actor.is_patient:
        raise Forbidden("This page is for patients.")
    return loaded


def access_staff(req: Caller, *extra: tuple[str, str]) -> Loaded:
    """A signed-in staff member (patients get Forbidden)."""
    loaded = _load(req, *extra)
    if not loaded.actor.is_staff:
        raise Forbidden("This page is for clinical staff.")
    return loaded


def access_trust_admin(req: Caller, *extra: tuple[str, str]) -> Loaded:
    """A Trust admin."""
    loaded = access_staff(req, *extra)
    if not loaded.actor.is_trust_admin:
        raise Forbidden("Only a Trust admin can do that.")
    return loaded


def access_trust_staff(req: Caller, staff_id: str) -> TrustStaff:
    """A staff member of the Trust admin's own Trust (fetched with the session); NotFound otherwise."""
    key = keys.staff(staff_id)
    loaded = access_trust_admin(req, key)
    staff = loaded.get(key)
    if not isinstance(staff, StaffItem) or staff.trust_id != loaded.actor.trust_id:
        raise NotFound("We could not find that staff member.")
    return TrustStaff(loaded.actor, staff)


def access_trust_team(req: Caller, team_id: str) -> TrustTeam:
    """A team of the Trust admin's own Trust (fetched with the session); NotFound otherwise."""
    key = keys.team(team_id)
    loaded = access_trust_admin(req, key)
    team = loaded.get(key)
    if not isinstance(team, TeamItem) or team.trust_id != loaded.actor.trust_id:
        raise NotFound("We could not find that team.")
    return TrustTeam(loaded.actor, team)


def access_audit_reader(req: Caller) -> Loaded:
    """Someone who may read the audit log: the Trust's information governance lead, or a Trust admin."""
    loaded = access_staff(req)
    if not (loaded.actor.is_ig_lead or loaded.actor.is_trust_admin):
        raise Forbidden("Only information governance and Trust admins can read the audit log.")
    return loaded


def access_patient_conversation(req: Caller, team_id: str, *extra: tuple[str, str]) -> PatientConversation:
    """The caller's own conversation with ``team_id``: NotFound unless they are that team's patient.

    ``extra`` keys (the team's rota months) come back in ``items`` from the same BatchGetItem.
    """
    credential = req.require_credential()
    # The conversation key is built from the *claimed* patient id; authenticate() proves the claim.
    conv_key = keys.conversation(team_id, credential.actor_id)
    loaded = access_patient(req, keys.team(team_id), conv_key, *extra)
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
    return PatientConversation(loaded.actor, team, conversation, loaded.items)


def access_staff_team(req: Caller, team_id: str, *extra: tuple[str, str], lead: bool = False) -> StaffTeam:
    """A team the caller belongs to (lead=True: that they lead); NotFound for other teams."""
    loaded = access_staff(req, keys.team(team_id), *extra)
    role = loaded.actor.role_in(team_id)
    team = loaded.get(keys.team(team_id))
    if role is None or not isinstance(team, TeamItem) or team.trust_id != loaded.actor.trust_id:
        raise NotFound("We could not find that team.")
    if lead and role != "lead":
        raise Forbidden("Only the team lead can do that.")
    return StaffTeam(loaded.actor, team, role, loaded.items)


def access_staff_conversation(req: Caller, team_id: str, patient_id: str, *extra: tuple[str, str]) -> StaffConversation:
    """The conversation between ``team_id`` and ``patient_id``, if the caller belongs to that team."""
    conv_key = keys.conversation(team_id, patient_id)
    st = access_staff_team(req, team_id, conv_key, *extra)
    conversation = st.items.get(conv_key)
    if not isinstance(conversation, ConversationItem):
        raise NotFound("We could not find that conversation.")
    return StaffConversation(st.actor, st.team, st.role, conversation, st.items)


def access_staff_record(req: Caller, team_id: str, patient_id: str, export_id: str | None = None) -> StaffRecord:
    """A conversation of the caller's team with its patient (and one of its exports), in the same BatchGetItem."""
    from chalicelib.models.people import PatientItem
    from chalicelib.models.records import ExportItem, check_export_id, export_key

    conv_key, patient_key = keys.conversation(team_id, patient_id), keys.patient(patient_id)
    wanted = [conv_key, patient_key]
    if export_id is not None:
        wanted.append(export_key(team_id, patient_id, check_export_id(export_id)))
    st = access_staff_team(req, team_id, *wanted)
    conversation, patient = st.items.get(conv_key), st.items.get(patient_key)
    if not isinstance(conversation, ConversationItem) or not isinstance(patient, PatientItem):
        raise NotFound("We could not find that conversation.")
    export = st.items.get(wanted[2]) if export_id is not None else None
    if export_id is not None and not isinstance(export, ExportItem):
        raise NotFound("We could not find that export.")
    return StaffRecord(st.actor, st.team, st.role, conversation, patient, export)


class PushTarget(NamedTuple):
    """What a clicked notification opens, for the person who clicked it."""

    audience: str  # patient | staff: which side of the conversation the caller is on; rota: a team's rota month
    team_id: str
    patient_id: str
    month: str = ""


_REF = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def access_push_target(req: Caller, ref: str) -> PushTarget:
    """The conversation a notification ref points at, if the caller is its patient or in its team; else NotFound.

    A rota notice's ref points at a team's rota month, for any patient of that team (it names nobody).
    """
    expired = NotFound("That notification has expired.")
    if not _REF.match(ref):
        raise expired
    loaded = _load(req, push_store.ref_key(ref))
    target = loaded.get(push_store.ref_key(ref))
    actor = loaded.actor
    if not isinstance(target, PushRefItem) or (target.expires_at and target.expires_at <= req.now):
        raise expired
    if target.audience == "rota":  # a team's rota changed: any of its patients may open the month, nobody else
        if actor.is_patient and target.team_id in actor.patient_team_ids:
            return PushTarget("rota", target.team_id, "", target.month or "")
        raise expired
    if actor.is_patient and target.patient_id == actor.id and target.team_id in actor.patient_team_ids:
        return PushTarget("patient", target.team_id, target.patient_id)
    if actor.is_staff and actor.role_in(target.team_id):
        return PushTarget("staff", target.team_id, target.patient_id)
    raise expired
