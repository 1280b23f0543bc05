"""Team settings (availability windows, closures, pause, reply target, auto-replies) and away periods.

Any member of a team can see its settings; only the team lead changes them. Clinicians set their own
away periods; the lead can set anyone's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalice import Blueprint

from chalicelib.access import access_staff_team
from chalicelib.api.lead_forms import lead_form
from chalicelib.domain import auto_reply
from chalicelib.domain.availability import Closure, Pause, policy_to_dict
from chalicelib.errors import TeamlineError, ValidationError
from chalicelib.models.team import roster as team_roster
from chalicelib.models.team import team_policy as policy_of
from chalicelib.scopes import StaffTeam
from chalicelib.services import present, team_settings
from chalicelib.web import policy_forms
from chalicelib.web.responses import Json, Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)
NATIONS = (("england_wales", "England and Wales"), ("scotland", "Scotland"), ("northern_ireland", "Northern Ireland"))


def _settings_page(req: RequestContext, st: StaffTeam, *, error: TeamlineError | None = None,
                   values: dict[str, str] | None = None, form: str = "", saved: str | None = None) -> Page:
    policy = policy_of(st.team)
    availability = policy.availability
    tz = availability.timezone
    hours_values = {**policy_forms.day_texts(availability), "timezone": tz, "nation": availability.nation,
                    "reply_amount": str(availability.reply_target.amount), "reply_unit": availability.reply_target.unit}
    if form == "hours" and values:
        hours_values.update(values)
    closures = [{
        "start": c.start.isoformat(), "end": c.end.isoformat(), "reason": c.reason,
        "start_text": present.when_text_for(st.team, c.start, req.now),
        "end_text": present.when_text_for(st.team, c.end, req.now),
    } for c in sorted(availability.closures, key=lambda c: c.start) if c.end > req.now]
    pause = availability.pause if availability.pause and availability.pause.resume_at > req.now else None
    return Page("staff/settings.html", {
        "team": {"team_id": st.team.team_id, "name": st.team.name, "status": present.team_status(st.team, req.now)},
        "is_lead": st.role == "lead",
        "days": [(f"hours_{d}", name) for d, name in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday",
                                                                 "Friday", "Saturday", "Sunday"))],
        "hours": hours_values,
        "nations": NATIONS,
        "closures": closures,
        "pause": {"reason": pause.reason, "resume_text": present.when_text_for(st.team, pause.resume_at, req.now)}
        if pause else None,
        "people": team_settings.seniors_view(st),
        "templates": [{"kind": kind, "text": (values or {}).get(f"auto_{kind}") if form == "auto" and values
                       else policy.templates.get(kind, auto_reply.DEFAULT_TEMPLATES[kind]),
                       "placeholders": sorted(auto_reply.ALLOWED_PLACEHOLDERS[kind])} for kind in auto_reply.KINDS],
        "error": error,
        "form": form,
        "values": values or {},
        "saved": saved or req.query("saved"),
    }, status=error.status if error else 200)


@route(bp, "/staff/teams/{team_id}/settings", auth="staff", summary="Team settings: hours, closures, auto-replies")
def settings(req: RequestContext, team_id: str) -> Page:
    return _settings_page(req, access_staff_team(req, team_id))


def _lead_action(req: RequestContext, team_id: str, form_name: str, action: Any) -> Page | Redirect:
    return lead_form(req, team_id, form_name, action, _settings_page, f"/staff/teams/{team_id}/settings?saved={form_name}")


@route(bp, "/staff/teams/{team_id}/settings/hours", methods=("POST",), auth="lead",
       summary="Set opening hours, timezone, bank holidays and reply target")
def save_hours(req: RequestContext, team_id: str) -> Page | Redirect:
    def action(st: StaffTeam, form: dict[str, str]) -> None:
        data = policy_forms.hours_form_to_policy(form, policy_of(st.team).availability)
        try:
            team_settings.do_set_availability(req.now, st, data)
        except ValidationError as error:
            policy_forms.point_at_day(error, data)
            raise
    return _lead_action(req, team_id, "hours", action)


@route(bp, "/staff/teams/{team_id}/settings/closures", methods=("POST",), auth="lead", summary="Add a closure")
def add_closure(req: RequestContext, team_id: str) -> Page | Redirect:
    def action(st: StaffTeam, form: dict[str, str]) -> None:
        tz = policy_of(st.team).timezone
        start = policy_forms.local_datetime(form.get("start"), tz, field="closure_start")
        end = policy_forms.local_datetime(form.get("end"), tz, field="closure_end")
        if end <= start:
            raise ValidationError("The closure must end after it starts.", field="closure_end")
        reason = " ".join((form.get("reason") or "").split())
        if not reason:
            raise ValidationError("Say why the team is closed; patients see this (e.g. team training day).",
                                  field="closure_reason")
        try:
            team_settings.do_add_closure(req.now, st, Closure(start, end, reason))
        except ValidationError as error:
            error.field = "closure_reason" if (error.field or "").endswith("reason") else "closure_end"
            raise
    return _lead_action(req, team_id, "closures", action)


@route(bp, "/staff/teams/{team_id}/settings/closures/remove", methods=("POST",), auth="lead",
       summary="Remove a closure")
def remove_closure(req: RequestContext, team_id: str) -> Page | Redirect:
    def action(st: StaffTeam, form: dict[str, str]) -> None:
        try:
            start, end = datetime.fromisoformat(form.get("start", "")), datetime.fromisoformat(form.get("end", ""))
        except ValueError as exc:
            raise ValidationError("That closure was not found.", field="closure") from exc
        team_settings.do_remove_closure(req.now, st, start, end)
    return _lead_action(req, team_id, "closures", action)


@route(bp, "/staff/teams/{team_id}/settings/pause", methods=("POST",), auth="lead",
       summary="Pause messaging until a time, with a reason")
def pause(req: RequestContext, team_id: str) -> Page | Redirect:
    def action(st: StaffTeam, form: dict[str, str]) -> None:
        resume = policy_forms.local_datetime(form.get("resume_at"), policy_of(st.team).timezone, field="pause_resume_at")
        reason = " ".join((form.get("reason") or "").split())
        if not reason:
            raise ValidationError("Say why messaging is paused; patients see this.", field="pause_reason")
        try:
            team_settings.do_pause(req.now, st, Pause(reason, resume))
        except ValidationError as error:
            error.field = "pause_reason" if (error.field or "").endswith("reason") else "pause_resume_at"
            raise
    return _lead_action(req, team_id, "pause", action)


@route(bp, "/staff/teams/{team_id}/settings/resume", methods=("POST",), auth="lead", summary="End a pause now")
def resume(req: RequestContext, team_id: str) -> Page | Redirect:
    return _lead_action(req, team_id, "pause", lambda st, form: team_settings.do_pause(req.now, st, None))


@route(bp, "/staff/teams/{team_id}/settings/auto-replies", methods=("POST",), auth="lead",
       summary="Edit the auto-reply texts")
def save_auto_replies(req: RequestContext, team_id: str) -> Page | Redirect:
    def action(st: StaffTeam, form: dict[str, str]) -> None:
        texts: dict[str, str] = {k: form.get(f"auto_{k}", "") for k in auto_reply.KINDS if f"auto_{k}" in form}
        try:
            team_settings.do_set_auto_replies(req.now, st, texts)
        except ValidationError as error:
            error.field = (error.field or "").replace("auto_replies.", "auto_")
            raise
    return _lead_action(req, team_id, "auto", action)


@route(bp, "/staff/teams/{team_id}/settings/seniors", methods=("POST",), auth="lead",
       summary="Choose which clinicians are senior and take escalations (the lead always does)")
def save_seniors(req: RequestContext, team_id: str) -> Page | Redirect:
    return _lead_action(req, team_id, "seniors", lambda st, form: team_settings.do_set_seniors(req.now, st, form))


# --- away periods -----------------------------------------------------------------------------------


def _away_page(req: RequestContext, st: StaffTeam, error: TeamlineError | None = None,
               values: dict[str, str] | None = None) -> Page:
    policy = policy_of(st.team)
    roster = sorted(team_roster(st.team.team_id), key=lambda m: m.display_name)
    names = {m.staff_id: m.display_name for m in roster}
    periods = [{
        "staff_id": a.staff_id, "name": names.get(a.staff_id, a.staff_name), "cover": names.get(a.cover_id, a.cover_name),
        "start_text": present.when_text_for(st.team, a.start, req.now),
        "end_text": present.when_text_for(st.team, a.end, req.now),
        "active": a.active(req.now), "can_clear": st.role == "lead" or a.staff_id == st.actor.id,
    } for a in sorted(policy.away.values(), key=lambda a: a.start) if a.end > req.now]
    return Page("staff/away.html", {
        "team": {"team_id": st.team.team_id, "name": st.team.name},
        "is_lead": st.role == "lead",
        "me": st.actor.id,
        "members": [{"staff_id": m.staff_id, "name": m.display_name, "title": m.job_title} for m in roster],
        "periods": periods,
        "error": error,
        "values": values or {},
    }, status=error.status if error else 200)


@route(bp, "/staff/teams/{team_id}/away", auth="staff", summary="Who is away, and setting an away period")
def away(req: RequestContext, team_id: str) -> Page:
    return _away_page(req, access_staff_team(req, team_id))


@route(bp, "/staff/teams/{team_id}/away", methods=("POST",), auth="staff", summary="Set an away period with cover")
def set_away(req: RequestContext, team_id: str) -> Page | Redirect:
    st = access_staff_team(req, team_id)
    form = req.form()
    try:
        tz = policy_of(st.team).timezone
        team_settings.do_set_away(
            req.now, st, staff_id=form.get("staff_id") or st.actor.id,
            start=policy_forms.local_datetime(form.get("start"), tz, field="start"),
            end=policy_forms.local_datetime(form.get("end"), tz, field="end"),
            cover_id=form.get("cover_id", ""))
    except TeamlineError as error:
        return _away_page(req, st, error, form)
    return Redirect(f"/staff/teams/{team_id}/away")


@route(bp, "/staff/teams/{team_id}/away/clear", methods=("POST",), auth="staff", summary="End an away period now")
def clear_away(req: RequestContext, team_id: str) -> Page | Redirect:
    st = access_staff_team(req, team_id)
    form = req.form()
    try:
        team_settings.do_clear_away(req.now, st, form.get("staff_id") or st.actor.id)
    except TeamlineError as error:
        return _away_page(req, st, error, form)
    return Redirect(f"/staff/teams/{team_id}/away")


# --- JSON API ------------------------------------------------------------------------------------------

POLICY_SCHEMA = {
    "type": "object",
    "properties": {
        "availability": {"type": "object", "description": "timezone, windows[{weekday,start,end}], nation, "
                                                          "closures[{start,end,reason}], reply_target{unit,amount}, "
                                                          "pause{reason,resume_at}|null"},
        "auto_replies": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def _policy_json(st: StaffTeam, now: datetime) -> dict[str, Any]:
    policy = policy_of(st.team)
    return {
        "availability": policy_to_dict(policy.availability),
        "auto_replies": policy.templates,
        "away": {sid: {"start": a.start.isoformat(), "end": a.end.isoformat(), "cover_id": a.cover_id}
                 for sid, a in policy.away.items() if a.end > now},
        "status": present.team_status(st.team, now),
    }


@route(bp, "/api/staff/teams/{team_id}/policy", kind="api", auth="staff", summary="The team's policy",
       response_schema=POLICY_SCHEMA)
def get_policy(req: RequestContext, team_id: str) -> Json:
    return Json(_policy_json(access_staff_team(req, team_id), req.now))


@route(bp, "/api/staff/teams/{team_id}/policy", methods=("POST",), kind="api", auth="lead",
       summary="Change the team's availability and/or auto-replies (team lead only)", request_schema=POLICY_SCHEMA,
       response_schema=POLICY_SCHEMA)
def set_policy(req: RequestContext, team_id: str) -> Json:
    st = access_staff_team(req, team_id, lead=True)
    data = req.json()
    unknown = set(data) - {"availability", "auto_replies"}
    if unknown:
        raise ValidationError(f"Unknown setting {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    texts = data.get("auto_replies")
    if texts is not None and (not isinstance(texts, dict) or not all(isinstance(v, str) for v in texts.values())):
        raise ValidationError("auto_replies must map each kind to its text.", field="auto_replies")
    if "availability" in data:
        # Validate the texts first, so a bad template never leaves the hours half-saved.
        for kind, text in (texts or {}).items():
            if kind not in auto_reply.KINDS:
                raise ValidationError(f"There is no auto-reply called {kind!r}.", field="auto_replies")
            auto_reply.validate_template(kind, text)
        team_settings.do_set_availability(req.now, st, data["availability"])
        st = access_staff_team(req, team_id, lead=True)  # reload: the policy version moved
    if texts:
        team_settings.do_set_auto_replies(req.now, st, texts)
        st = access_staff_team(req, team_id, lead=True)
    return Json(_policy_json(st, req.now))


AWAY_SCHEMA = {
    "type": "object", "required": ["start", "end", "cover_id"],
    "properties": {"staff_id": {"type": "string"}, "start": {"type": "string", "format": "date-time"},
                   "end": {"type": "string", "format": "date-time"}, "cover_id": {"type": "string"}},
}


def _instant(value: object, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError("Give a date and time with a UTC offset, e.g. 2026-12-01T09:00:00+00:00.",
                              field=field) from exc
    if parsed.tzinfo is None:
        raise ValidationError("Give the time with a UTC offset.", field=field)
    return parsed


@route(bp, "/api/staff/teams/{team_id}/away", methods=("POST",), kind="api", auth="staff",
       summary="Set an away period with cover (own, or anyone's for the lead)", request_schema=AWAY_SCHEMA)
def api_set_away(req: RequestContext, team_id: str) -> Json:
    st = access_staff_team(req, team_id)
    data = req.json()
    team_settings.do_set_away(req.now, st, staff_id=str(data.get("staff_id") or st.actor.id),
                              start=_instant(data.get("start"), "start"), end=_instant(data.get("end"), "end"),
                              cover_id=str(data.get("cover_id") or ""))
    return Json(_policy_json(access_staff_team(req, team_id), req.now))


@route(bp, "/api/staff/teams/{team_id}/away/clear", methods=("POST",), kind="api", auth="staff",
       summary="End an away period now", request_schema={"type": "object", "properties": {"staff_id": {"type": "string"}}})
def api_clear_away(req: RequestContext, team_id: str) -> Json:
    st = access_staff_team(req, team_id)
    data = req.json()
    team_settings.do_clear_away(req.now, st, str(data.get("staff_id") or st.actor.id))
    return Json(_policy_json(access_staff_team(req, team_id), req.now))
