"""The JSON API under /api/: what the PWA's scripts (the offline outbox, live updates) call.

Every route here is in the OpenAPI document at /api/openapi.json, built from the route registry.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import __version__
from chalicelib.access import (
    access_actor,
    access_patient,
    access_patient_conversation,
    access_staff_conversation,
    access_staff_team,
)
from chalicelib.api.patient_pages import patient_teams
from chalicelib.models.items import ConversationItem
from chalicelib.services import invites, messaging
from chalicelib.services.team_policy import policy_of
from chalicelib.web import present
from chalicelib.web.responses import Json
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)

MESSAGE = {
    "type": "object",
    "required": ["id", "sender", "body", "sent_at", "mine", "read", "automatic"],
    "properties": {
        "id": {"type": "string"}, "cursor": {"type": "string"}, "client_id": {"type": ["string", "null"]},
        "sender": {"type": "string", "enum": ["patient", "staff", "auto"]}, "sender_label": {"type": "string"},
        "body": {"type": "string"}, "sent_at": {"type": "string", "format": "date-time"},
        "sent_text": {"type": "string"}, "mine": {"type": "boolean"}, "read": {"type": "boolean"},
        "automatic": {"type": "boolean"}, "auto_kind": {"type": ["string", "null"]},
        "reply_by": {"type": "string", "format": "date-time"}, "reply_by_text": {"type": "string"},
    },
}
SEND_REQUEST = {
    "type": "object",
    "required": ["client_id", "body"],
    "properties": {
        "client_id": {"type": "string", "format": "uuid", "description": "Made by the client; a retry reuses it"},
        "body": {"type": "string", "minLength": 1, "maxLength": 2000},
    },
    "additionalProperties": False,
}
SEND_RESPONSE = {
    "type": "object",
    "required": ["message", "created"],
    "properties": {"message": MESSAGE, "auto_reply": {"oneOf": [MESSAGE, {"type": "null"}]},
                   "created": {"type": "boolean"}},
}
PAGE_RESPONSE = {
    "type": "object",
    "required": ["messages"],
    "properties": {"messages": {"type": "array", "items": MESSAGE}, "older_cursor": {"type": ["string", "null"]}},
}
STATUS = {
    "type": "object",
    "properties": {"open": {"type": "boolean"}, "reason": {"type": "string"}, "headline": {"type": "string"},
                   "detail": {"type": "string"}, "next_opening": {"type": ["string", "null"]},
                   "reply_by": {"type": ["string", "null"]}, "reply_by_text": {"type": "string"}},
}


@route(bp, "/api/health", kind="api", summary="Liveness and version",
       response_schema={"type": "object", "required": ["status", "version"],
                        "properties": {"status": {"type": "string"}, "version": {"type": "string"}}})
def health(req: RequestContext) -> Json:
    return Json({"status": "ok", "version": __version__})


@route(bp, "/api/openapi.json", kind="api", summary="This API's OpenAPI 3 description")
def openapi(req: RequestContext) -> Json:
    from chalicelib.web.openapi import document

    return Json(document())


@route(bp, "/api/me", kind="api", auth="signed_in", summary="Who I am, and my anti-forgery token",
       response_schema={"type": "object", "required": ["kind", "id", "csrf_token"],
                        "properties": {"kind": {"type": "string"}, "id": {"type": "string"},
                                       "name": {"type": "string"}, "csrf_token": {"type": "string"},
                                       "team_roles": {"type": "object"}}})
def me(req: RequestContext) -> Json:
    actor = access_actor(req)
    return Json({"kind": actor.kind, "id": actor.id, "name": actor.display_name, "csrf_token": actor.csrf_token,
                 "team_roles": actor.team_roles})


# --- patient ----------------------------------------------------------------------------------------


@route(bp, "/api/patient/teams", kind="api", auth="patient", summary="My teams, open or closed",
       response_schema={"type": "object", "properties": {"teams": {"type": "array", "items": {
           "type": "object", "properties": {"team_id": {"type": "string"}, "name": {"type": "string"},
                                            "status": STATUS, "unread": {"type": "integer"}}}}}})
def my_teams(req: RequestContext) -> Json:
    actor = access_patient(req).actor
    return Json({"teams": patient_teams(req, actor.patient_team_ids)})


@route(bp, "/api/patient/teams/{team_id}/messages", kind="api", auth="patient", query=("before",),
       summary="A page of my conversation with a team (newest page first)", response_schema=PAGE_RESPONSE)
def patient_messages(req: RequestContext, team_id: str) -> Json:
    pc = access_patient_conversation(req, team_id)
    page = messaging.message_page(team_id, pc.actor.id, before=messaging.check_cursor(req.query("before")))
    policy = policy_of(pc.team)
    return Json({"messages": [present.message(m, pc.conversation, viewer="patient", policy=policy, now=req.now)
                              for m in page.messages],
                 "older_cursor": page.older_cursor,
                 "status": present.team_status(pc.team, req.now)})


def _send_json(result: messaging.SendResult, pc_conv: Any, policy: Any, now: Any, viewer: str,
               viewer_id: str) -> Json:
    # Shown as stored: the message is now what the team owes a reply to (the loaded record predates it).
    waiting = pc_conv.waiting_since or result.message.sent_at if viewer == "patient" else pc_conv.waiting_since
    conv = ConversationItem(pc_conv.pk, pc_conv.sk, waiting_since=waiting, team_read_upto=pc_conv.team_read_upto,
                            patient_read_upto=pc_conv.patient_read_upto)
    body = {
        "message": present.message(result.message, conv, viewer=viewer, policy=policy, now=now, viewer_id=viewer_id),
        "auto_reply": present.message(result.auto_reply, conv, viewer=viewer, policy=policy, now=now,
                                      viewer_id=viewer_id) if result.auto_reply else None,
        "created": result.created,
    }
    return Json(body, status=201 if result.created else 200)


@route(bp, "/api/patient/teams/{team_id}/messages", methods=("POST",), kind="api", auth="patient",
       summary="Send a message to a team (idempotent on client_id)", request_schema=SEND_REQUEST,
       response_schema=SEND_RESPONSE)
def patient_send(req: RequestContext, team_id: str) -> Json:
    pc = access_patient_conversation(req, team_id)
    data = req.json()
    result = messaging.do_patient_send(pc, client_id=data.get("client_id"), body=data.get("body"), now=req.now)
    return _send_json(result, pc.conversation, policy_of(pc.team), req.now, "patient", pc.actor.id)


@route(bp, "/api/patient/teams/{team_id}/read", methods=("POST",), kind="api", auth="patient",
       summary="Mark the team's messages as read", request_schema={"type": "object"},
       response_schema={"type": "object", "properties": {"ok": {"type": "boolean"}}})
def patient_read(req: RequestContext, team_id: str) -> Json:
    pc = access_patient_conversation(req, team_id)
    messaging.do_patient_read(pc, req.now)
    return Json({"ok": True})


# --- staff --------------------------------------------------------------------------------------------


@route(bp, "/api/staff/teams/{team_id}/inbox", kind="api", auth="staff", query=("cursor",),
       summary="A page of the team inbox: waiting first, newest first",
       response_schema={"type": "object", "properties": {
           "conversations": {"type": "array", "items": {"type": "object"}},
           "next_cursor": {"type": ["string", "null"]}}})
def inbox(req: RequestContext, team_id: str) -> Json:
    st = access_staff_team(req, team_id)
    page = messaging.inbox_page(st.team, cursor=req.query("cursor"))
    policy = policy_of(st.team)
    return Json({"conversations": [present.conversation_summary(c, req.now, policy) for c in page.conversations],
                 "next_cursor": page.next_cursor})


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/messages", kind="api", auth="staff",
       query=("before",), summary="A page of a conversation (audited)", response_schema=PAGE_RESPONSE)
def staff_messages(req: RequestContext, team_id: str, patient_id: str) -> Json:
    sc = access_staff_conversation(req, team_id, patient_id)
    page = messaging.message_page(team_id, patient_id, before=messaging.check_cursor(req.query("before")))
    messaging.do_staff_view(sc, req.now)
    policy = policy_of(sc.team)
    return Json({"messages": [present.message(m, sc.conversation, viewer="staff", policy=policy, now=req.now, viewer_id=sc.actor.id)
                              for m in page.messages],
                 "older_cursor": page.older_cursor,
                 "conversation": present.conversation_summary(sc.conversation, req.now, policy)})


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/messages", methods=("POST",), kind="api",
       auth="staff", summary="Reply to a patient (idempotent on client_id)",
       request_schema={**SEND_REQUEST, "properties": {**SEND_REQUEST["properties"],  # type: ignore[dict-item]
                                                      "seen_upto": {"type": "string"}}},
       response_schema=SEND_RESPONSE)
def staff_reply(req: RequestContext, team_id: str, patient_id: str) -> Json:
    sc = access_staff_conversation(req, team_id, patient_id)
    data = req.json()
    result = messaging.do_staff_reply(sc, client_id=data.get("client_id"), body=data.get("body"), now=req.now,
                                      seen_upto=data.get("seen_upto"))
    return _send_json(result, sc.conversation, policy_of(sc.team), req.now, "staff", sc.actor.id)


@route(bp, "/api/staff/teams/{team_id}/invites", methods=("POST",), kind="api", auth="staff",
       summary="Invite a patient: returns a single-use code valid 7 days",
       request_schema={"type": "object", "required": ["given_name", "family_name", "date_of_birth"],
                       "properties": {"given_name": {"type": "string"}, "family_name": {"type": "string"},
                                      "date_of_birth": {"type": "string", "format": "date"},
                                      "nhs_number": {"type": "string"}}},
       response_schema={"type": "object", "required": ["code", "expires_at", "patient_id"],
                        "properties": {"code": {"type": "string"}, "expires_at": {"type": "string"},
                                       "patient_id": {"type": "string"}, "relink": {"type": "boolean"}}})
def invite(req: RequestContext, team_id: str) -> Json:
    st = access_staff_team(req, team_id)
    data = req.json()
    result = invites.do_invite_patient(st, req.now, given_name=data.get("given_name"),
                                       family_name=data.get("family_name"), date_of_birth=data.get("date_of_birth"),
                                       nhs_number=data.get("nhs_number"))
    return Json({"code": result.code, "expires_at": present.iso(result.expires_at),
                 "patient_id": result.patient.patient_id, "relink": result.relink}, status=201)
