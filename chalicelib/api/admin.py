"""The Trust admin's pages: teams, staff accounts, roles and password resets."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.access import access_trust_admin
from chalicelib.auth.actor import TEAM_ROLES
from chalicelib.errors import TeamlineError
from chalicelib.services import accounts, audit_log, leaving, present, safety_settings
from chalicelib.web.responses import Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)


def _overview(req: RequestContext, **extra: object) -> Page:
    actor = req.actor
    assert actor is not None
    teams = accounts.list_trust_teams(actor.trust_id)
    staff = accounts.list_trust_staff(actor.trust_id)
    team_names = {t.team_id: t.name for t in teams}
    trust = accounts.get_trust(actor.trust_id)
    context: dict[str, Any] = {
        "trust_name": trust.name if trust else "",
        "teams": [{"team_id": t.team_id, "name": t.name, "description": t.description, "phone": t.phone} for t in teams],
        "staff": [{
            "staff_id": s.staff_id, "name": s.display_name, "email": s.email, "job_title": s.job_title,
            "is_trust_admin": s.is_trust_admin, "active": bool(s.active),
            "roles": [{"team": team_names.get(t, "?"), "role": r} for t, r in (s.team_roles or {}).items()],
        } for s in staff],
        "roles": TEAM_ROLES,
        "values": {},
        "urgent_lines": safety_settings.trust_lines_view(actor.trust_id),  # safety: the Trust's lines (api/safety.py)
    }
    context.update(extra)
    status = getattr(extra.get("error"), "status", 200)
    return Page("admin/overview.html", context, status=int(status))


overview_page = _overview  # the Trust's urgent-lines form (api/safety.py) re-renders this page on an error


@route(bp, "/admin", auth="admin", summary="Trust admin: teams and staff")
def overview(req: RequestContext) -> Page:
    access_trust_admin(req)
    return _overview(req)


@route(bp, "/admin/teams", methods=("POST",), auth="admin", summary="Create a team")
def create_team(req: RequestContext) -> Page | Redirect:
    admin = access_trust_admin(req).actor
    form = req.form()
    try:
        accounts.do_create_team(req.now, admin, name=form.get("name"), description=form.get("description"),
                                phone=form.get("phone"))
    except TeamlineError as error:
        return _overview(req, error=error, values=form, form="team")
    return Redirect("/admin?created=team")


@route(bp, "/admin/staff", methods=("POST",), auth="admin", summary="Create a staff account")
def create_staff(req: RequestContext) -> Page:
    admin = access_trust_admin(req).actor
    form = req.form()
    roles = {form["team_id"]: form.get("role", "clinician")} if form.get("team_id") else {}
    try:
        created = accounts.do_create_staff(req.now, admin, email=form.get("email"), given_name=form.get("given_name"),
                                           family_name=form.get("family_name"), job_title=form.get("job_title"),
                                           is_trust_admin=form.get("is_trust_admin") == "yes", team_roles=roles)
    except TeamlineError as error:
        return _overview(req, error=error, values=form, form="staff")
    return Page("admin/one_time_password.html", {"name": created.staff.display_name, "email": created.staff.email,
                                                 "password": created.one_time_password, "new": True})


@route(bp, "/admin/staff/{staff_id}/roles", methods=("POST",), auth="admin", summary="Change a staff member's team role")
def set_role(req: RequestContext, staff_id: str) -> Page | Redirect:
    admin = access_trust_admin(req).actor
    form = req.form()
    role = form.get("role") or None
    try:
        accounts.do_set_team_role(req.now, admin, staff_id, team_id=form.get("team_id", ""),
                                  role=None if role == "none" else role)
    except TeamlineError as error:
        return _overview(req, error=error, values=form, form="role")
    return Redirect("/admin?updated=roles")


@route(bp, "/admin/staff/{staff_id}/password-reset", methods=("POST",), auth="admin",
       summary="Reset a staff member's password")
def reset_password(req: RequestContext, staff_id: str) -> Page:
    admin = access_trust_admin(req).actor
    password = accounts.do_reset_staff_password(req.now, admin, staff_id)
    staff = accounts.load_staff(admin, staff_id)
    return Page("admin/one_time_password.html", {"name": staff.display_name, "email": staff.email,
                                                 "password": password, "new": False})


@route(bp, "/admin/staff/{staff_id}/deactivate", methods=("POST",), auth="admin",
       summary="Deactivate a staff account: sessions end now, conversations and covers are released")
def deactivate(req: RequestContext, staff_id: str) -> Page | Redirect:
    admin = access_trust_admin(req).actor
    try:
        leaving.do_deactivate_staff(req.now, admin, staff_id)
    except TeamlineError as error:
        return _overview(req, error=error, values={}, form="deactivate")
    return Redirect("/admin?updated=deactivated")


@route(bp, "/admin/audit", auth="admin", summary="The audit log: by patient, by staff member or by day",
       query=("patient", "staff", "day", "nhs_number", "cursor"))
def audit(req: RequestContext) -> Page:
    admin = access_trust_admin(req).actor
    patient_id = req.query("patient")
    values = {"nhs_number": req.query("nhs_number") or "", "day": req.query("day") or ""}
    try:
        if values["nhs_number"]:
            patient_id = audit_log.find_patient_by_nhs_number(admin, values["nhs_number"])
        page = audit_log.search(req.now, admin, patient_id=patient_id, staff_id=req.query("staff"),
                                day=req.query("day"), cursor=req.query("cursor"))
    except TeamlineError as error:
        return Page("admin/audit.html", {"error": error, "values": values, "events": [], "staff": []},
                    status=error.status)
    rows = [{
        "at": present.iso(e.at), "event": e.event_type, "actor_kind": e.actor_kind,
        "actor": page.names.get(e.actor_id or "", e.actor_id or "Teamline"),
        "actor_id": e.actor_id if e.actor_kind == "staff" else None,
        "patient": page.names.get(e.patient_id or "", e.patient_id or ""), "patient_id": e.patient_id,
        "detail": ", ".join(f"{k}: {v}" for k, v in sorted((e.detail or {}).items())),
    } for e in page.events]
    staff = [{"staff_id": s.staff_id, "name": s.display_name} for s in accounts.list_trust_staff(admin.trust_id)]
    return Page("admin/audit.html", {"events": rows, "next_cursor": page.next_cursor, "search": page.search,
                                     "names": page.names, "values": values, "staff": staff,
                                     "query": {"patient": patient_id or "", "staff": req.query("staff") or ""}})
