"""The young person's side: their teams, a conversation with one team, sending; pages and the JSON the PWA calls.

Each read is the same service call for the page and its JSON twin (``services.threads``), so the two
can never show different things.
"""

from __future__ import annotations

import uuid
from typing import Any

from chalice import Blueprint

from chalicelib.access import access_patient, access_patient_conversation
from chalicelib.errors import TeamlineError
from chalicelib.models.team import team_policy
from chalicelib.scopes import PatientConversation
from chalicelib.services import present, routing, safety_views, sending, thread_updates, threads
from chalicelib.web.responses import Json, Page, Redirect
from chalicelib.web.routing import RequestContext, route
from chalicelib.web.schemas import PAGE_RESPONSE, SEND_REQUEST, SEND_RESPONSE, STATUS, UPDATES_RESPONSE

bp = Blueprint(__name__)


@route(bp, "/p", auth="patient", summary="Patient home: my teams")
def home(req: RequestContext) -> Page:
    actor = access_patient(req).actor
    return Page("patient/home.html", {"teams": threads.patient_teams(actor, req.now),
                                      "invitations": threads.invitations(actor, req.now),
                                      "welcome": req.query("welcome") == "1"})


@route(bp, "/api/patient/teams", kind="api", auth="patient", summary="My teams, open or closed",
       response_schema={"type": "object", "properties": {"teams": {"type": "array", "items": {
           "type": "object", "properties": {"team_id": {"type": "string"}, "name": {"type": "string"},
                                            "status": STATUS, "unread": {"type": "integer"}}}}}})
def my_teams(req: RequestContext) -> Json:
    actor = access_patient(req).actor
    return Json({"teams": threads.patient_teams(actor, req.now)})


def _conv(req: RequestContext, team_id: str) -> PatientConversation:
    """The patient's conversation, with the team's rota months (today's contact; routing a send) in the same fetch."""
    return access_patient_conversation(req, team_id, *routing.rota_keys(team_id, req.now))


def _conversation_page(req: RequestContext, team_id: str, error: TeamlineError | None = None,
                       draft: str = "") -> Page:
    pc = _conv(req, team_id)
    view = threads.patient_thread(pc, req.now, req.query("before"), mark_read=req.from_this_site)
    context: dict[str, Any] = {**view, **safety_views.compose(pc, req.now), "error": error, "draft": draft,
                               "new_client_id": str(uuid.uuid4()), "viewing_older": bool(req.query("before")),
                               "check_seconds": thread_updates.CHECK_SECONDS}
    return Page("patient/conversation.html", context, status=error.status if error else 200)


@route(bp, "/p/teams/{team_id}", auth="patient", summary="My conversation with a team")
def conversation(req: RequestContext, team_id: str) -> Page:
    return _conversation_page(req, team_id)


@route(bp, "/api/patient/teams/{team_id}/messages", kind="api", auth="patient", query=("before",),
       summary="A page of my conversation with a team (newest page first)", response_schema=PAGE_RESPONSE)
def messages(req: RequestContext, team_id: str) -> Json:
    view = threads.patient_thread(_conv(req, team_id), req.now, req.query("before"),
                                   mark_read=req.from_this_site)
    return Json({key: view[key] for key in ("messages", "older_cursor", "status")})


@route(bp, "/p/teams/{team_id}/messages", methods=("POST",), auth="patient",
       summary="Send a message (form fallback when scripts are off)")
def send(req: RequestContext, team_id: str) -> Page | Redirect:
    pc = _conv(req, team_id)
    form = req.form()
    try:
        sending.do_patient_send(pc, client_id=form.get("client_id"), body=form.get("body"), now=req.now)
    except TeamlineError as error:
        return _conversation_page(req, team_id, error, form.get("body", ""))
    return Redirect(f"/p/teams/{team_id}#latest")


@route(bp, "/api/patient/teams/{team_id}/messages", methods=("POST",), kind="api", auth="patient",
       summary="Send a message to a team (idempotent on client_id)", request_schema=SEND_REQUEST,
       response_schema=SEND_RESPONSE, ok=(201, 200))
def send_json(req: RequestContext, team_id: str) -> Json:
    pc = _conv(req, team_id)
    data = req.json()
    result = sending.do_patient_send(pc, client_id=data.get("client_id"), body=data.get("body"), now=req.now)
    body = present.sent(result.message, result.auto_reply, pc.conversation, viewer="patient", viewer_id=pc.actor.id,
                        policy=team_policy(pc.team), now=req.now)
    return Json({**body, "created": result.created}, status=201 if result.created else 200)


@route(bp, "/api/patient/teams/{team_id}/read", methods=("POST",), kind="api", auth="patient",
       summary="Mark the team's messages as read", request_schema={"type": "object"},
       response_schema={"type": "object", "properties": {"ok": {"type": "boolean"}}})
def mark_read(req: RequestContext, team_id: str) -> Json:
    threads.do_patient_read(_conv(req, team_id), req.now)
    return Json({"ok": True})


@route(bp, "/api/patient/teams/{team_id}/since", kind="api", auth="patient", query=("after",),
       summary="What is new in my conversation after the message `after` (one read when nothing is)",
       response_schema=UPDATES_RESPONSE)
def updates(req: RequestContext, team_id: str) -> Json:
    pc = access_patient_conversation(req, team_id)
    return Json(thread_updates.patient_updates(pc, req.now, req.query("after"), mark_read=req.from_this_site))
