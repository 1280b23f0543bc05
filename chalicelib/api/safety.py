"""Safety for the young person (the agreement, their page about messaging a team, the offline page with their teams'
urgent lines) and for the Trust admin (the Trust's own urgent lines). Staff pages are in ``api/safety_staff.py``.
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.access import access_patient, access_patient_conversation, access_trust_admin
from chalicelib.errors import TeamlineError
from chalicelib.models.team import teams_by_id
from chalicelib.services import agreements, safety_settings, safety_views
from chalicelib.web import safety_forms
from chalicelib.web.responses import Json, Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)

AGREEMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "agreement": {"type": "object", "properties": {
            "version": {"type": "integer"}, "team_name": {"type": "string"},
            "sections": {"type": "array", "items": {"type": "object", "properties": {
                "key": {"type": "string"}, "heading": {"type": "string"}, "text": {"type": "string"}}}},
            "routes": {"type": "array", "items": {"type": "object"}}}},
        "agreement_status": {"type": "object", "properties": {
            "current_version": {"type": "integer"}, "accepted_version": {"type": ["integer", "null"]},
            "accepted_at": {"type": ["string", "null"]}, "needed": {"type": "boolean"}}},
        "ladder": {"type": "object", "description": "What is in force: plan, cap (with remaining), pause"},
        "history": {"type": "array", "items": {"type": "object"}},
    },
}
ACCEPT_SCHEMA = {"type": "object", "required": ["version"],
                 "properties": {"version": {"type": "integer", "description": "The version the young person read"}}}


@route(bp, "/p/teams/{team_id}/agreement", auth="patient", summary="How messaging works with a team, and my history")
def agreement_page(req: RequestContext, team_id: str) -> Page:
    view = safety_views.patient_profile(access_patient_conversation(req, team_id), req.now)
    return Page("patient/agreement.html", view)


@route(bp, "/p/teams/{team_id}/agreement", methods=("POST",), auth="patient",
       summary="Agree to how messaging works with a team (before the first message, and after each new version)")
def accept_agreement(req: RequestContext, team_id: str) -> Page | Redirect:
    pc = access_patient_conversation(req, team_id)
    form = req.form()
    try:
        version = form.get("version") if safety_forms.checked(form, "agreement") else None
        agreements.do_accept(pc, req.now, version)
    except TeamlineError as error:
        return Page("patient/agreement.html", {**safety_views.patient_profile(pc, req.now), "error": error},
                    status=error.status)
    return Redirect(f"/p/teams/{team_id}#compose")


@route(bp, "/api/patient/teams/{team_id}/agreement", kind="api", auth="patient",
       summary="A team's agreement, whether I have accepted it, and my messaging history", response_schema=AGREEMENT_SCHEMA)
def agreement_json(req: RequestContext, team_id: str) -> Json:
    view = safety_views.patient_profile(access_patient_conversation(req, team_id), req.now)
    return Json({key: view[key] for key in ("agreement", "agreement_status", "ladder", "history")})


@route(bp, "/api/patient/teams/{team_id}/agreement", methods=("POST",), kind="api", auth="patient",
       summary="Accept the version of the agreement I read", request_schema=ACCEPT_SCHEMA, response_schema=AGREEMENT_SCHEMA)
def accept_agreement_json(req: RequestContext, team_id: str) -> Json:
    pc = access_patient_conversation(req, team_id)
    agreements.do_accept(pc, req.now, req.json().get("version"))
    view = safety_views.patient_profile(access_patient_conversation(req, team_id), req.now)
    return Json({key: view[key] for key in ("agreement", "agreement_status", "ladder", "history")})


@route(bp, "/p/offline", auth="patient",
       summary="The offline page kept on the young person's phone: their teams' urgent lines and the national ones")
def offline(req: RequestContext) -> Page:
    actor = access_patient(req).actor
    teams = list(teams_by_id(actor.patient_team_ids).values()) if actor.patient_team_ids else []
    return Page("offline.html", {"team_lines": safety_views.offline_lines(sorted(teams, key=lambda t: t.name))})


# --- the Trust's own lines ------------------------------------------------------------------------------------


@route(bp, "/admin/urgent-lines", auth="admin", summary="The Trust's own urgent lines, shown by every team")
def trust_lines(req: RequestContext) -> Page:
    admin = access_trust_admin(req).actor
    return _trust_lines_page(admin.trust_id, saved=req.query("saved") == "1")


def _trust_lines_page(trust_id: str, *, saved: bool = False, **extra: object) -> Page:
    context: dict[str, object] = {"urgent_lines": safety_settings.trust_lines_view(trust_id), "saved": saved,
                                  "values": {}, **extra}
    return Page("admin/urgent_lines.html", context, status=int(getattr(extra.get("error"), "status", 200)))


@route(bp, "/admin/urgent-lines", methods=("POST",), auth="admin",
       summary="Set the Trust's own urgent lines, shown by every team")
def set_trust_lines(req: RequestContext) -> Page | Redirect:
    admin = access_trust_admin(req).actor
    form = req.form()
    try:
        safety_settings.do_set_trust_lines(req.now, admin, safety_forms.line_rows(form))
    except TeamlineError as error:
        return _trust_lines_page(admin.trust_id, error=error, values=form, values_lines=safety_forms.line_rows(form),
                                 form="lines")
    return Redirect("/admin/urgent-lines?saved=1")
