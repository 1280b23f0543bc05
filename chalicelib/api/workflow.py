"""The team's workflow on a conversation (assign, release, status, notes, escalation), live checks, canned replies.

Pages post forms and are redirected back to the conversation; the JSON twins answer with plain data.
Every id in a URL or body goes through an access loader (a colleague named in a form is loaded from
the team's roster in the same BatchGetItem as the session).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint

from chalicelib.access import access_staff_conversation, access_staff_team
from chalicelib.domain.conversation import MAX_ESCALATION_REASON
from chalicelib.errors import TeamlineError
from chalicelib.scopes import StaffConversation
from chalicelib.services import canned, live, workflow
from chalicelib.services.present_inbox import conversation_status
from chalicelib.web.responses import Json, Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)
OK = {"type": "object", "properties": {"ok": {"type": "boolean"}, "status": {"type": "object"}}}


def _back(team_id: str, patient_id: str, anchor: str = "") -> Redirect:
    return Redirect(f"/staff/teams/{team_id}/patients/{patient_id}{anchor}")


def _with_member(req: RequestContext, team_id: str, patient_id: str, staff_id: object) -> StaffConversation:
    return access_staff_conversation(req, team_id, patient_id, workflow.member_key(team_id, staff_id))


# --- assigning --------------------------------------------------------------------------------------------


def _people_page(req: RequestContext, team_id: str, patient_id: str, template: str,
                 error: TeamlineError | None = None, values: dict[str, Any] | None = None) -> Page:
    sc = access_staff_conversation(req, team_id, patient_id)
    return Page(template, {**workflow.colleagues_view(sc), "error": error, "values": values or {},
                           "status": conversation_status(sc.conversation)}, status=error.status if error else 200)


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/assign", auth="staff",
       summary="Choose a colleague to handle a conversation")
def assign_form(req: RequestContext, team_id: str, patient_id: str) -> Page:
    return _people_page(req, team_id, patient_id, "staff/assign.html")


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/assign", methods=("POST",), auth="staff",
       summary="Assign (or reassign) a conversation to a named colleague in the team")
def assign(req: RequestContext, team_id: str, patient_id: str) -> Page | Redirect:
    return _people_step(req, team_id, patient_id, "staff/assign.html", lambda sc, form: workflow.do_assign(
        sc, req.now, form.get("staff_id"), expected_owner=form.get("expected_owner")))


def _people_step(req: RequestContext, team_id: str, patient_id: str, template: str,
                 step: Callable[[StaffConversation, dict[str, str]], None]) -> Page | Redirect:
    """A form naming a colleague (assign, escalate): the colleague is loaded with the session; errors re-show it."""
    form = req.form()
    sc = _with_member(req, team_id, patient_id, form.get("staff_id"))
    try:
        step(sc, form)
    except TeamlineError as error:
        return _people_page(req, team_id, patient_id, template, error, form)
    return _back(team_id, patient_id)


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/assign", methods=("POST",), kind="api",
       auth="staff", summary="Assign a conversation to a colleague (expected_owner: who you saw holding it)",
       request_schema={"type": "object", "required": ["staff_id"], "properties": {
           "staff_id": {"type": "string"}, "expected_owner": {"type": "string"}}}, response_schema=OK)
def assign_json(req: RequestContext, team_id: str, patient_id: str) -> Json:
    data = req.json()
    sc = _with_member(req, team_id, patient_id, data.get("staff_id"))
    workflow.do_assign(sc, req.now, data.get("staff_id"), expected_owner=data.get("expected_owner"))
    return Json({"ok": True})


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/release", methods=("POST",), auth="staff",
       summary="Release a conversation: nobody holds it")
def release(req: RequestContext, team_id: str, patient_id: str) -> Redirect:
    workflow.do_release(access_staff_conversation(req, team_id, patient_id), req.now)
    return _back(team_id, patient_id)


# --- status and notes -------------------------------------------------------------------------------------


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/status", methods=("POST",), auth="staff",
       summary="Close (with an optional follow-up date), mark awaiting the patient, or reopen")
def set_status(req: RequestContext, team_id: str, patient_id: str) -> Redirect:
    form = req.form()
    workflow.do_set_status(access_staff_conversation(req, team_id, patient_id), req.now, form.get("status"),
                           form.get("follow_up"))
    return _back(team_id, patient_id)


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/status", methods=("POST",), kind="api",
       auth="staff", summary="Change a conversation's status (closed, awaiting_patient, open)",
       request_schema={"type": "object", "required": ["status"], "properties": {
           "status": {"type": "string"}, "follow_up": {"type": "string", "format": "date"}}}, response_schema=OK)
def set_status_json(req: RequestContext, team_id: str, patient_id: str) -> Json:
    data = req.json()
    workflow.do_set_status(access_staff_conversation(req, team_id, patient_id), req.now, data.get("status"),
                           data.get("follow_up"))
    return Json({"ok": True})


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/notes", methods=("POST",), auth="staff",
       summary="Add a staff-only note (never shown to the patient)")
def add_note(req: RequestContext, team_id: str, patient_id: str) -> Redirect:
    workflow.do_add_note(access_staff_conversation(req, team_id, patient_id), req.now, req.form().get("note"))
    return _back(team_id, patient_id, "#latest")


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/notes", methods=("POST",), kind="api",
       auth="staff", summary="Add a staff-only note", ok=(201,), response_schema=OK,
       request_schema={"type": "object", "required": ["note"], "properties": {"note": {"type": "string"}}})
def add_note_json(req: RequestContext, team_id: str, patient_id: str) -> Json:
    workflow.do_add_note(access_staff_conversation(req, team_id, patient_id), req.now, req.json().get("note"))
    return Json({"ok": True}, status=201)


# --- escalation --------------------------------------------------------------------------------------------


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/escalate", auth="staff",
       summary="Choose a consultant or senior colleague to escalate to")
def escalate_form(req: RequestContext, team_id: str, patient_id: str) -> Page:
    return _people_page(req, team_id, patient_id, "staff/escalate.html")


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/escalate", methods=("POST",), auth="staff",
       summary="Escalate a conversation to a colleague, with a reason (staff only)")
def escalate(req: RequestContext, team_id: str, patient_id: str) -> Page | Redirect:
    return _people_step(req, team_id, patient_id, "staff/escalate.html", lambda sc, form: workflow.do_escalate(
        sc, req.now, form.get("staff_id"), form.get("reason")))


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/escalate", methods=("POST",), kind="api",
       auth="staff", summary="Escalate a conversation to a consultant or senior colleague, with a reason (staff only)",
       request_schema={"type": "object", "required": ["staff_id", "reason"], "properties": {
           "staff_id": {"type": "string", "description": "The team lead, or a clinician the lead marked as senior"},
           "reason": {"type": "string", "maxLength": MAX_ESCALATION_REASON}}}, response_schema=OK)
def escalate_json(req: RequestContext, team_id: str, patient_id: str) -> Json:
    data = req.json()
    sc = _with_member(req, team_id, patient_id, data.get("staff_id"))
    workflow.do_escalate(sc, req.now, data.get("staff_id"), data.get("reason"))
    return Json({"ok": True})


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/escalation/done", methods=("POST",), auth="staff",
       summary="Mark an escalation to you as dealt with")
def escalation_done(req: RequestContext, team_id: str, patient_id: str) -> Redirect:
    workflow.do_settle_escalation(access_staff_conversation(req, team_id, patient_id), req.now)
    return _back(team_id, patient_id)


# --- live updates --------------------------------------------------------------------------------------------


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/check", kind="api", auth="staff",
       summary="Cheap check for an open conversation: its revision, and colleagues viewing or writing",
       response_schema={"type": "object", "properties": {"revision": {"type": "integer"},
                                                         "viewers": {"type": "array", "items": {"type": "object"}}}})
def conversation_check(req: RequestContext, team_id: str, patient_id: str) -> Json:
    return Json(live.conversation_check(access_staff_team(req, team_id), patient_id, req.now))


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/presence", methods=("POST",), kind="api",
       auth="staff", summary="Say you have a conversation open (and whether you are writing a reply)",
       request_schema={"type": "object", "required": ["writing"], "properties": {"writing": {"type": "boolean"}}},
       response_schema=OK)
def presence(req: RequestContext, team_id: str, patient_id: str) -> Json:
    live.do_presence(access_staff_conversation(req, team_id, patient_id), req.now, writing=req.json().get("writing"))
    return Json({"ok": True})


@route(bp, "/api/staff/teams/{team_id}/inbox/check", kind="api", auth="staff", query=("view", "cursor", "patient"),
       summary="Cheap check for an open inbox view: a digest of what it shows, and the counts",
       response_schema={"type": "object", "properties": {"digest": {"type": "string"}, "counts": {"type": "object"}}})
def inbox_check(req: RequestContext, team_id: str) -> Json:
    from chalicelib.services import inbox

    st = access_staff_team(req, team_id, *inbox.inbox_keys(team_id, req.require_credential().actor_id))
    return Json(live.inbox_check(st, req.now, view=req.query("view"), cursor=req.query("cursor"),
                                 patient=req.query("patient")))


# --- canned replies (the lead keeps them) -------------------------------------------------------------------


def _canned_page(req: RequestContext, team_id: str, error: TeamlineError | None = None,
                 values: dict[str, Any] | None = None) -> Page:
    st = access_staff_team(req, team_id, canned.key(team_id), lead=True)
    return Page("staff/canned.html", {**canned.replies_view(st), "error": error, "values": values or {}},
                status=error.status if error else 200)


@route(bp, "/staff/teams/{team_id}/canned-replies", auth="lead", summary="The team's canned replies (team lead)")
def canned_page(req: RequestContext, team_id: str) -> Page:
    return _canned_page(req, team_id)


@route(bp, "/staff/teams/{team_id}/canned-replies", methods=("POST",), auth="lead",
       summary="Add a canned reply (placeholders are checked)")
def canned_add(req: RequestContext, team_id: str) -> Page | Redirect:
    form = req.form()
    try:
        canned.do_add_reply(access_staff_team(req, team_id, canned.key(team_id), lead=True), req.now,
                            form.get("title"), form.get("body"))
    except TeamlineError as error:
        return _canned_page(req, team_id, error, form)
    return Redirect(f"/staff/teams/{team_id}/canned-replies")


@route(bp, "/staff/teams/{team_id}/canned-replies/{reply_id}/delete", methods=("POST",), auth="lead",
       summary="Remove a canned reply")
def canned_remove(req: RequestContext, team_id: str, reply_id: str) -> Redirect:
    canned.do_remove_reply(access_staff_team(req, team_id, canned.key(team_id), lead=True), req.now, reply_id)
    return Redirect(f"/staff/teams/{team_id}/canned-replies")
