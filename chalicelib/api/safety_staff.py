"""Safety for the team: its settings page (urgent lines, red-flag words, alerts and cap, the agreement) and a young
person's safety profile (agreement accepted, the misuse ladder and its history), plus content warnings on messages.

Any member of the team sees both; only the lead changes settings, changes or ends a step in force (the services
check, so the JSON twin cannot be used to go round it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint

from chalicelib.access import access_staff_conversation, access_staff_team
from chalicelib.api.lead_forms import lead_form
from chalicelib.api.team_settings import _instant as json_instant  # the JSON API's one reader of an instant
from chalicelib.domain import red_flags
from chalicelib.domain.agreement import EDITABLE
from chalicelib.errors import TeamlineError
from chalicelib.models.team import team_policy
from chalicelib.scopes import StaffConversation, StaffTeam
from chalicelib.services import agreements, content_warnings, misuse, safety_settings, safety_views
from chalicelib.web import safety_forms
from chalicelib.web.responses import Json, Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)
TEAM = "/staff/teams/{team_id}/safety"
PATIENT = "/staff/teams/{team_id}/patients/{patient_id}/safety"


# --- the team's settings --------------------------------------------------------------------------------------


def _settings_page(req: RequestContext, st: StaffTeam, *, error: TeamlineError | None = None, form: str = "",
                   values: dict[str, str] | None = None) -> Page:
    return Page("staff/safety.html", {
        **safety_settings.settings_view(st, req.now),
        "team": {"team_id": st.team.team_id, "name": st.team.name}, "is_lead": st.role == "lead",
        "error": error, "form": form, "values": values or {}, "saved": req.query("saved"),
        "values_lines": safety_forms.line_rows(values) if values and form == "lines" else None,
    }, status=error.status if error else 200)


@route(bp, TEAM, auth="staff", summary="The team's safety settings: urgent lines, red flags, caps, the agreement",
       query=("saved",))
def settings(req: RequestContext, team_id: str) -> Page:
    return _settings_page(req, access_staff_team(req, team_id))


def _lead_form(req: RequestContext, team_id: str, name: str, action: Callable[[StaffTeam, dict[str, str]], Any]
               ) -> Page | Redirect:
    return lead_form(req, team_id, name, action, _settings_page, f"/staff/teams/{team_id}/safety?saved={name}#{name}")


@route(bp, TEAM + "/lines", methods=("POST",), auth="lead", summary="Set the team's own urgent lines")
def save_lines(req: RequestContext, team_id: str) -> Page | Redirect:
    return _lead_form(req, team_id, "lines", lambda st, form: safety_settings.do_set_lines(
        st, req.now, safety_forms.line_rows(form)))


@route(bp, TEAM + "/red-flags", methods=("POST",), auth="lead", summary="Choose the team's red-flag words")
def save_red_flags(req: RequestContext, team_id: str) -> Page | Redirect:
    known = list(red_flags.shipped().presets)
    return _lead_form(req, team_id, "red_flags", lambda st, form: safety_settings.do_set_red_flags(
        st, req.now, presets=safety_forms.chosen_presets(form, known), phrases=form.get("phrases", ""),
        advice=form.get("advice")))


@route(bp, TEAM + "/limits", methods=("POST",), auth="lead",
       summary="Out-of-hours alerts for urgent conversations, and the team's daily cap on new conversations")
def save_limits(req: RequestContext, team_id: str) -> Page | Redirect:
    return _lead_form(req, team_id, "limits", lambda st, form: safety_settings.do_set_limits(
        st, req.now, on_call=safety_forms.checked(form, "on_call"), daily_new_limit=form.get("daily_new_limit")))


@route(bp, TEAM + "/agreement", methods=("POST",), auth="lead",
       summary="Publish a new version of the team's agreement (every patient agrees again before their next message)")
def publish_agreement(req: RequestContext, team_id: str) -> Page | Redirect:
    return _lead_form(req, team_id, "agreement", lambda st, form: agreements.do_publish(
        st, req.now, {key: form.get(f"agreement_{key}", "") for key in EDITABLE if f"agreement_{key}" in form}))


# --- one young person's profile -------------------------------------------------------------------------------------


def _profile_page(req: RequestContext, sc: StaffConversation, *, error: TeamlineError | None = None,
                  form: str = "", values: dict[str, str] | None = None) -> Page:
    return Page("staff/patient_safety.html", {**safety_views.staff_profile(sc, req.now), "error": error, "form": form,
                                              "values": values or {}}, status=error.status if error else 200)


@route(bp, PATIENT, auth="staff", summary="A young person's safety profile: agreement, plan, cap, pause, history")
def profile(req: RequestContext, team_id: str, patient_id: str) -> Page:
    return _profile_page(req, access_staff_conversation(req, team_id, patient_id))


def _step_form(req: RequestContext, team_id: str, patient_id: str, name: str,
               action: Callable[[StaffConversation, dict[str, str]], Any]) -> Page | Redirect:
    sc = access_staff_conversation(req, team_id, patient_id)
    form = req.form()
    try:
        action(sc, form)
    except TeamlineError as error:
        return _profile_page(req, sc, error=error, form=name, values=form)
    return Redirect(f"/staff/teams/{team_id}/patients/{patient_id}/safety")


@route(bp, PATIENT + "/reminder", methods=("POST",), auth="staff",
       summary="Send a reminder of what messaging is for (the first step of the ladder)")
def remind(req: RequestContext, team_id: str, patient_id: str) -> Page | Redirect:
    return _step_form(req, team_id, patient_id, "reminder",
                      lambda sc, form: misuse.do_remind(sc, req.now, form.get("text")))


def _set_step(req: RequestContext, sc: StaffConversation, form: dict[str, Any], review_at: Any) -> None:
    misuse.do_set(sc, req.now, str(form.get("kind") or ""), reason=form.get("reason"), review_at=review_at,
                  text=form.get("text"), limit=form.get("limit"), period=form.get("period") or "day")


@route(bp, PATIENT + "/steps", methods=("POST",), auth="staff",
       summary="Agree a plan, set a cap or pause messaging, with a reason and a review date")
def set_step(req: RequestContext, team_id: str, patient_id: str) -> Page | Redirect:
    def action(sc: StaffConversation, form: dict[str, str]) -> None:
        _set_step(req, sc, form, safety_forms.review_date(form.get("review_at"), team_policy(sc.team).timezone))
    return _step_form(req, team_id, patient_id, "steps", action)


@route(bp, PATIENT + "/end", methods=("POST",), auth="lead", summary="End a plan, lift a cap or a pause (team lead)")
def end_step(req: RequestContext, team_id: str, patient_id: str) -> Page | Redirect:
    return _step_form(req, team_id, patient_id, "end",
                      lambda sc, form: misuse.do_end(sc, req.now, str(form.get("kind") or "")))


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/warnings", methods=("POST",), auth="staff",
       summary="Put a content warning on a distressing message, or take it off")
def warning(req: RequestContext, team_id: str, patient_id: str) -> Redirect:
    sc = access_staff_conversation(req, team_id, patient_id)
    form = req.form()
    content_warnings.do_set_warning(sc, req.now, form.get("cursor"), note=form.get("note"),
                                    on=form.get("action") != "remove")
    return Redirect(f"/staff/teams/{team_id}/patients/{patient_id}#latest")


# --- JSON --------------------------------------------------------------------------------------------------------

PROFILE_KEYS = ("patient", "agreement", "accepted_text", "ladder", "history")
STEP_SCHEMA = {
    "type": "object", "required": ["kind", "reason", "review_at"],
    "properties": {"kind": {"type": "string", "enum": ["plan", "cap", "pause"]}, "reason": {"type": "string"},
                   "review_at": {"type": "string", "format": "date-time"}, "text": {"type": "string"},
                   "limit": {"type": "integer"}, "period": {"type": "string", "enum": ["day", "week"]}},
}


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/safety", kind="api", auth="staff",
       summary="A young person's safety profile", response_schema={"type": "object"})
def profile_json(req: RequestContext, team_id: str, patient_id: str) -> Json:
    view = safety_views.staff_profile(access_staff_conversation(req, team_id, patient_id), req.now)
    return Json({key: view[key] for key in PROFILE_KEYS})


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/safety/steps", methods=("POST",), kind="api",
       auth="staff", summary="Agree a plan, set a cap or pause messaging", request_schema=STEP_SCHEMA,
       response_schema={"type": "object"}, ok=(201,))
def set_step_json(req: RequestContext, team_id: str, patient_id: str) -> Json:
    sc = access_staff_conversation(req, team_id, patient_id)
    data = req.json()
    _set_step(req, sc, data, json_instant(data.get("review_at"), "review_at"))
    view = safety_views.staff_profile(access_staff_conversation(req, team_id, patient_id), req.now)
    return Json({key: view[key] for key in PROFILE_KEYS}, status=201)
