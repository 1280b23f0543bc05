"""The clinician's side: the team inbox, a conversation, replying, claiming, and invites (the patient list: api.patients).

Pages and their JSON twins call the same service functions (``services.inbox``, ``services.threads``).
"""

from __future__ import annotations

import uuid
from typing import Any

from chalice import Blueprint

from chalicelib.access import access_staff, access_staff_conversation, access_staff_team
from chalicelib.errors import TeamlineError
from chalicelib.models.team import TeamItem, team_policy
from chalicelib.scopes import StaffTeam
from chalicelib.services import canned as canned_replies
from chalicelib.services import inbox, invites, leaving, present, recovery, routing, safety_views, sending, threads
from chalicelib.services.present_inbox import conversation_status
from chalicelib.web import qr
from chalicelib.web.responses import Json, Page, Redirect
from chalicelib.web.routing import RequestContext, route
from chalicelib.web.schemas import PAGE_RESPONSE, REPLY_REQUEST, SEND_RESPONSE

bp = Blueprint(__name__)


@route(bp, "/staff", auth="staff", summary="Staff home: my teams")
def home(req: RequestContext) -> Page | Redirect:
    actor = access_staff(req).actor
    teams = inbox.staff_teams(actor)
    if not teams and (actor.is_trust_admin or actor.is_ig_lead):  # their work is the admin pages or the audit log
        return Redirect("/admin" if actor.is_trust_admin else "/admin/audit", 302)
    if len(teams) == 1 and not actor.is_trust_admin and req.query("password_changed") is None:
        return Redirect(f"/staff/teams/{teams[0]['team_id']}", 302)
    return Page("staff/home.html", {"teams": teams, "password_changed": req.query("password_changed") == "1"})


def _inbox(req: RequestContext, team_id: str) -> dict[str, Any]:
    st = access_staff_team(req, team_id, *inbox.inbox_keys(team_id, req.require_credential().actor_id))
    return inbox.inbox_view(st, req.now, view=req.query("view"), cursor=req.query("cursor"),
                            patient=req.query("patient"))


@route(bp, "/staff/teams/{team_id}", auth="staff", summary="Team inbox", query=("cursor", "view", "patient"))
def inbox_page(req: RequestContext, team_id: str) -> Page:
    return Page("staff/inbox.html", _inbox(req, team_id))


@route(bp, "/api/staff/teams/{team_id}/inbox", kind="api", auth="staff", query=("cursor", "view", "patient"),
       summary="A page of one inbox view (all, unassigned, mine, escalated, awaiting, overdue, followup, closed)",
       response_schema={"type": "object", "properties": {
           "conversations": {"type": "array", "items": {"type": "object"}},
           "counts": {"type": "object"}, "digest": {"type": "string"},
           "next_cursor": {"type": ["string", "null"]}}})
def inbox_json(req: RequestContext, team_id: str) -> Json:
    view = _inbox(req, team_id)
    return Json({key: view[key] for key in ("conversations", "counts", "digest", "next_cursor")})


def _conversation_page(req: RequestContext, team_id: str, patient_id: str, error: TeamlineError | None = None,
                       draft: str = "") -> Page:
    sc = access_staff_conversation(req, team_id, patient_id, canned_replies.key(team_id),
                                   *routing.rota_keys(team_id, req.now))
    view = threads.staff_thread(sc, req.now, req.query("before"), mark_read=req.from_this_site)
    context: dict[str, Any] = {**view, "safety": safety_views.staff_summary(sc, req.now), "error": error,
                               "draft": draft, "new_client_id": str(uuid.uuid4()),
                               "canned": canned_replies.for_conversation(sc, req.now),
                               "status": conversation_status(sc.conversation)}
    return Page("staff/conversation.html", context, status=error.status if error else 200)


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}", auth="staff", summary="A conversation", query=("before",))
def conversation(req: RequestContext, team_id: str, patient_id: str) -> Page:
    return _conversation_page(req, team_id, patient_id)


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/messages", kind="api", auth="staff",
       query=("before",), summary="A page of a conversation (audited)", response_schema=PAGE_RESPONSE)
def messages(req: RequestContext, team_id: str, patient_id: str) -> Json:
    view = threads.staff_thread(access_staff_conversation(req, team_id, patient_id), req.now, req.query("before"),
                                   mark_read=req.from_this_site)
    return Json({key: view[key] for key in ("messages", "notes", "older_cursor", "conversation")})


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/messages", methods=("POST",), auth="staff",
       summary="Reply to a patient")
def reply(req: RequestContext, team_id: str, patient_id: str) -> Page | Redirect:
    sc = access_staff_conversation(req, team_id, patient_id)
    form = req.form()
    try:
        sending.do_staff_reply(sc, client_id=form.get("client_id"), body=form.get("body"), now=req.now,
                               seen_upto=form.get("seen_upto"))
    except TeamlineError as error:
        return _conversation_page(req, team_id, patient_id, error, form.get("body", ""))
    return Redirect(f"/staff/teams/{team_id}/patients/{patient_id}#latest")


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/messages", methods=("POST",), kind="api",
       auth="staff", summary="Reply to a patient (idempotent on client_id)", request_schema=REPLY_REQUEST,
       response_schema=SEND_RESPONSE, ok=(201, 200))
def reply_json(req: RequestContext, team_id: str, patient_id: str) -> Json:
    sc = access_staff_conversation(req, team_id, patient_id)
    data = req.json()
    result = sending.do_staff_reply(sc, client_id=data.get("client_id"), body=data.get("body"), now=req.now,
                                    seen_upto=data.get("seen_upto"))
    body = present.sent(result.message, result.auto_reply, sc.conversation, viewer="staff", viewer_id=sc.actor.id,
                        policy=team_policy(sc.team), now=req.now)
    return Json({**body, "created": result.created}, status=201 if result.created else 200)


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/claim", methods=("POST",), auth="staff",
       summary="Take a conversation: become the clinician handling it")
def claim(req: RequestContext, team_id: str, patient_id: str) -> Redirect:
    inbox.do_claim(access_staff_conversation(req, team_id, patient_id), req.now)
    return Redirect(f"/staff/teams/{team_id}/patients/{patient_id}")


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/urgent", methods=("POST",), auth="staff",
       summary="Mark a conversation urgent, or not urgent")
def set_urgent(req: RequestContext, team_id: str, patient_id: str) -> Redirect:
    sc = access_staff_conversation(req, team_id, patient_id)
    inbox.do_set_urgent(sc, req.now, req.form().get("urgent") == "yes")
    return Redirect(f"/staff/teams/{team_id}/patients/{patient_id}")


# --- inviting patients -------------------------------------------------------------------------------


def _team(team: TeamItem) -> dict[str, str]:
    return {"team_id": team.team_id, "name": team.name}


@route(bp, "/staff/teams/{team_id}/invites", auth="staff", summary="Invite-a-patient form")
def invite_form(req: RequestContext, team_id: str) -> Page:
    return Page("staff/invite.html", {"team": _team(access_staff_team(req, team_id).team), "values": {}})


def _invite_page(req: RequestContext, team: TeamItem, result: invites.InviteResult, *, recovery: bool = False) -> Page:
    host = req.headers.get("host", "localhost")
    scheme = "http" if host.startswith(("127.0.0.1", "localhost")) else "https"
    link = f"{scheme}://{host}/join?code={result.code}"
    return Page("staff/invite_code.html", {
        "team": _team(team),
        "patient_name": result.name,
        "code": result.code,
        "link": link,
        "qr_svg": qr.svg(link),
        "expires_text": present.when_text_for(team, result.expires_at, req.now),
        "recovery": recovery,
    })


def _invite(st: StaffTeam, req: RequestContext, *, date_of_birth: object, fields: dict[str, Any]) -> invites.InviteResult:
    return invites.do_invite_patient(st, req.now, given_name=fields.get("given_name"),
                                     family_name=fields.get("family_name"), date_of_birth=date_of_birth,
                                     nhs_number=fields.get("nhs_number"))


@route(bp, "/staff/teams/{team_id}/invites", methods=("POST",), auth="staff", summary="Invite a patient")
def invite(req: RequestContext, team_id: str) -> Page:
    st = access_staff_team(req, team_id)
    form = req.form()
    dob = "-".join([form.get("dob_year", "").strip(), form.get("dob_month", "").strip().zfill(2),
                    form.get("dob_day", "").strip().zfill(2)])
    try:
        result = _invite(st, req, date_of_birth=dob, fields=form)
    except TeamlineError as error:
        return Page("staff/invite.html", {"team": _team(st.team), "values": form, "error": error}, status=error.status)
    return _invite_page(req, st.team, result)


@route(bp, "/api/staff/teams/{team_id}/invites", methods=("POST",), kind="api", auth="staff",
       summary="Invite a patient: returns a single-use code valid 7 days", ok=(201,),
       request_schema={"type": "object", "required": ["given_name", "family_name", "date_of_birth"],
                       "properties": {"given_name": {"type": "string"}, "family_name": {"type": "string"},
                                      "date_of_birth": {"type": "string", "format": "date"},
                                      "nhs_number": {"type": "string"}}},
       response_schema={"type": "object", "required": ["code", "expires_at"],
                        "properties": {"code": {"type": "string"}, "expires_at": {"type": "string"}}})
def invite_json(req: RequestContext, team_id: str) -> Json:
    st = access_staff_team(req, team_id)
    data = req.json()
    result = _invite(st, req, date_of_birth=data.get("date_of_birth"), fields=data)
    return Json({"code": result.code, "expires_at": present.iso(result.expires_at)}, status=201)


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/recovery", methods=("POST",), auth="staff",
       summary="Account recovery: a code with which the patient chooses a new password (audited, 3 a day)")
def recover(req: RequestContext, team_id: str, patient_id: str) -> Page:
    st = access_staff_team(req, team_id)
    return _invite_page(req, st.team, recovery.do_issue_recovery(st, req.now, patient_id), recovery=True)


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/discharge", methods=("POST",), auth="lead",
       summary="Discharge a patient from the team (their access ends; the conversation is kept)")
def discharge(req: RequestContext, team_id: str, patient_id: str) -> Redirect:
    leaving.do_discharge_patient(req.now, access_staff_team(req, team_id, lead=True), patient_id)
    return Redirect(f"/staff/teams/{team_id}/patients")
