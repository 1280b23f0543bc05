"""The young person's pages: their teams, a conversation with one team, their account."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.access import access_patient, access_patient_conversation
from chalicelib.errors import TeamlineError
from chalicelib.models import db, keys
from chalicelib.models.items import ConversationItem, TeamItem
from chalicelib.push.config import public_key
from chalicelib.services import messaging, push_subscriptions, signin
from chalicelib.services.team_policy import policy_of
from chalicelib.web import present
from chalicelib.web.responses import Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)


def patient_teams(req: RequestContext, team_ids: list[str]) -> list[dict[str, Any]]:
    """Each of the patient's teams with its open/closed status (one BatchGetItem)."""
    patient_id = req.actor.id if req.actor else ""
    wanted = [k for t in team_ids for k in (keys.team(t), keys.conversation(t, patient_id))]
    found = db.batch_get(wanted)
    rows = []
    for team_id in team_ids:
        team = found.get(keys.team(team_id))
        conv = found.get(keys.conversation(team_id, patient_id))
        if not isinstance(team, TeamItem) or not team.active or not isinstance(conv, ConversationItem):
            continue
        rows.append({
            "team_id": team.team_id,
            "name": team.name,
            "description": team.description,
            "phone": team.phone,
            "status": present.team_status(team, req.now),
            "unread": int(conv.patient_unread or 0),
            "last_activity_text": present.when_text_for(team, conv.last_activity_at, req.now),
        })
    return sorted(rows, key=lambda row: row["name"].lower())


@route(bp, "/p", auth="patient", summary="Patient home: my teams")
def home(req: RequestContext) -> Page:
    actor = access_patient(req).actor
    return Page("patient/home.html", {"teams": patient_teams(req, actor.patient_team_ids),
                                      "welcome": req.query("welcome") == "1"})


def conversation_context(req: RequestContext, team_id: str, error: TeamlineError | None = None,
                         draft: str = "") -> dict[str, Any]:
    pc = access_patient_conversation(req, team_id)
    page = messaging.message_page(team_id, pc.actor.id, before=messaging.check_cursor(req.query("before")))
    messaging.do_patient_read(pc, req.now)
    policy = policy_of(pc.team)
    return {
        "team": {"team_id": pc.team.team_id, "name": pc.team.name, "phone": pc.team.phone,
                 "status": present.team_status(pc.team, req.now)},
        "messages": [present.message(m, pc.conversation, viewer="patient", policy=policy, now=req.now)
                     for m in page.messages],
        "older_cursor": page.older_cursor,
        "error": error,
        "draft": draft,
        "new_client_id": _uuid(),
    }


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())


@route(bp, "/p/teams/{team_id}", auth="patient", summary="My conversation with a team")
def conversation(req: RequestContext, team_id: str) -> Page:
    return Page("patient/conversation.html", conversation_context(req, team_id))


@route(bp, "/p/teams/{team_id}/messages", methods=("POST",), auth="patient",
       summary="Send a message (form fallback when scripts are off)")
def send(req: RequestContext, team_id: str) -> Page | Redirect:
    pc = access_patient_conversation(req, team_id)
    form = req.form()
    try:
        messaging.do_patient_send(pc, client_id=form.get("client_id"), body=form.get("body"), now=req.now)
    except TeamlineError as error:
        context = conversation_context(req, team_id, error=error, draft=form.get("body", ""))
        return Page("patient/conversation.html", context, status=error.status)
    return Redirect(f"/p/teams/{team_id}#latest")


@route(bp, "/p/account", auth="patient", summary="My account and devices")
def account(req: RequestContext) -> Page:
    actor = access_patient(req).actor
    devices = [push_subscriptions.device_summary(d) for d in push_subscriptions.list_devices(actor.id)]
    return Page("patient/account.html", {"username": actor.patient.username if actor.patient else "",
                                         "signed_out_others": req.query("done") == "1", "devices": devices,
                                         "push_ready": public_key() is not None})


@route(bp, "/p/account/sign-out-everywhere", methods=("POST",), auth="patient",
       summary="Sign out of all devices")
def sign_out_everywhere(req: RequestContext) -> Redirect:
    actor = access_patient(req).actor
    signin.do_sign_out_everywhere(req.now, actor)
    req.end_session()
    return Redirect("/sign-in?signed_out=all")
