"""The named-contact rota: the lead builds and publishes a month; patients read it and add it to their calendar."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.access import access_patient_conversation, access_staff_team
from chalicelib.errors import TeamlineError
from chalicelib.scopes import StaffTeam
from chalicelib.services import rota
from chalicelib.web.responses import Page, Raw, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)


def _builder(req: RequestContext, team_id: str, month_value: object, *, lead: bool = False) -> tuple[StaffTeam, int, int]:
    year, month = rota.parse_or_now(month_value, req.now)
    st = access_staff_team(req, team_id, *rota.builder_keys(team_id, year, month), lead=lead)
    return st, year, month


def _builder_page(req: RequestContext, team_id: str, month_value: object, error: TeamlineError | None = None,
                  values: dict[str, Any] | None = None) -> Page:
    st, year, month = _builder(req, team_id, month_value)
    view = rota.builder_view(st, req.now, year, month)
    return Page("staff/rota.html", {**view, "error": error, "values": values or {},
                                    "published_now": req.query("published") == "1"},
                status=error.status if error else 200)


@route(bp, "/staff/teams/{team_id}/rota", auth="staff", query=("month", "published"),
       summary="The team's named-contact rota for a month (the lead edits it)")
def builder(req: RequestContext, team_id: str) -> Page:
    return _builder_page(req, team_id, req.query("month"))


def _lead_step(req: RequestContext, team_id: str, step: Any) -> Page | Redirect:
    form = req.form()
    st, year, month = _builder(req, team_id, form.get("month"), lead=True)
    try:
        step(st, year, month, form)
    except TeamlineError as error:
        return _builder_page(req, team_id, form.get("month"), error, form)
    return Redirect(f"/staff/teams/{team_id}/rota?month={year:04d}-{month:02d}")


@route(bp, "/staff/teams/{team_id}/rota/days", methods=("POST",), auth="lead",
       summary="Save the month's draft: each day's named contact and hours")
def save_days(req: RequestContext, team_id: str) -> Page | Redirect:
    return _lead_step(req, team_id, lambda st, y, m, form: rota.do_save_days(st, req.now, y, m, form))


@route(bp, "/staff/teams/{team_id}/rota/copy", methods=("POST",), auth="lead",
       summary="Fill the month's draft from last month, weekday for weekday")
def copy_last_month(req: RequestContext, team_id: str) -> Page | Redirect:
    return _lead_step(req, team_id, lambda st, y, m, form: rota.do_copy_last_month(st, req.now, y, m))


@route(bp, "/staff/teams/{team_id}/rota/swap", methods=("POST",), auth="lead", summary="Swap two days of the draft")
def swap(req: RequestContext, team_id: str) -> Page | Redirect:
    return _lead_step(req, team_id, lambda st, y, m, form: rota.do_swap(st, req.now, y, m, form.get("first"),
                                                                        form.get("second")))


@route(bp, "/staff/teams/{team_id}/rota/publish", methods=("POST",), auth="lead",
       summary="Publish the month to patients (after the first time, changed days are marked as updated)")
def publish(req: RequestContext, team_id: str) -> Page | Redirect:
    form = req.form()
    st, year, month = _builder(req, team_id, form.get("month"), lead=True)
    try:
        rota.do_publish(st, req.now, year, month)
    except TeamlineError as error:
        return _builder_page(req, team_id, form.get("month"), error, form)
    return Redirect(f"/staff/teams/{team_id}/rota?month={year:04d}-{month:02d}&published=1")


# --- patients ------------------------------------------------------------------------------------------------


@route(bp, "/p/teams/{team_id}/rota", auth="patient", query=("month",),
       summary="Who my named contact is each day this month, and their hours")
def patient_rota(req: RequestContext, team_id: str) -> Page:
    year, month = rota.parse_or_now(req.query("month"), req.now)
    pc = access_patient_conversation(req, team_id, *rota.patient_month_keys(team_id, year, month))
    return Page("patient/rota.html", rota.patient_view(pc, req.now, year, month))


@route(bp, "/p/teams/{team_id}/rota.ics", kind="download", auth="patient", query=("month",),
       summary="The month's named-contact hours as a calendar file (iCalendar)")
def patient_calendar(req: RequestContext, team_id: str) -> Raw:
    year, month = rota.parse_or_now(req.query("month"), req.now)
    pc = access_patient_conversation(req, team_id, *rota.patient_month_keys(team_id, year, month))
    body = rota.patient_calendar(pc, req.now, year, month)
    return Raw(body, "text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="named-contact-{year:04d}-{month:02d}.ics"',
        "Cache-Control": "private, no-store"})
