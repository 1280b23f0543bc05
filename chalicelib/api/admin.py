"""The Trust admin's home and teams: adding a team, and editing a team's name and shared number.

Staff accounts are in ``api/admin_staff.py``, the audit log in ``api/audit.py``. Every form reports all
its problems at once; every change says what happened.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.access import access_trust_admin, access_trust_team
from chalicelib.errors import TeamlineError
from chalicelib.models.team import roster
from chalicelib.services import accounts, trust_admin
from chalicelib.web.responses import Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)

DONE = {"created": "Team added.", "saved": "Team details saved. Patients see the new details straight away."}


@route(bp, "/admin", auth="admin", summary="Trust admin home: teams, staff and the audit log")
def home(req: RequestContext) -> Page:
    admin = access_trust_admin(req).actor
    trust = accounts.get_trust(admin.trust_id)
    staff = accounts.list_trust_staff(admin.trust_id)
    return Page("admin/home.html", {
        "trust_name": trust.name if trust else "", "teams": len(accounts.list_trust_teams(admin.trust_id)),
        "staff": sum(1 for s in staff if s.active), "deactivated": sum(1 for s in staff if not s.active),
    })


@route(bp, "/admin/teams", auth="admin", summary="The Trust's teams")
def teams(req: RequestContext) -> Page:
    admin = access_trust_admin(req).actor
    return Page("admin/teams.html", {"teams": [
        {"team_id": t.team_id, "name": t.name, "description": t.description, "phone": t.phone}
        for t in accounts.list_trust_teams(admin.trust_id)]})


@route(bp, "/admin/teams/new", auth="admin", summary="Add-a-team form")
def new_team(req: RequestContext) -> Page:
    access_trust_admin(req)
    return Page("admin/team_form.html", {"values": {}, "team": None})


@route(bp, "/admin/teams", methods=("POST",), auth="admin", summary="Add a team")
def create_team(req: RequestContext) -> Page | Redirect:
    admin = access_trust_admin(req).actor
    form = req.form()
    try:
        team = trust_admin.do_create_team(req.now, admin, form)
    except TeamlineError as error:
        return Page("admin/team_form.html", {"values": form, "team": None, "error": error}, status=error.status)
    return Redirect(f"/admin/teams/{team.team_id}?done=created")


def _team_page(req: RequestContext, team: Any, *, values: dict[str, str] | None = None,
               error: TeamlineError | None = None) -> Page:
    members = sorted(roster(team.team_id), key=lambda m: m.display_name.lower())
    return Page("admin/team_form.html", {
        "team": {"team_id": team.team_id, "name": team.name},
        "values": values or {"name": team.name, "description": team.description, "phone": team.phone},
        "members": [{"staff_id": m.staff_id, "name": m.display_name, "role": trust_admin.ROLE_WORDS.get(m.role, m.role)}
                    for m in members],
        "done": DONE.get(req.query("done") or ""), "error": error,
    }, status=error.status if error else 200)


@route(bp, "/admin/teams/{team_id}", auth="admin", summary="A team: its details and its staff", query=("done",))
def team(req: RequestContext, team_id: str) -> Page:
    return _team_page(req, access_trust_team(req, team_id).team)


@route(bp, "/admin/teams/{team_id}", methods=("POST",), auth="admin",
       summary="Change a team's name, description and shared phone number")
def save_team(req: RequestContext, team_id: str) -> Page | Redirect:
    scope = access_trust_team(req, team_id)
    form = req.form()
    try:
        trust_admin.do_update_team(req.now, scope.actor, scope.team, form)
    except TeamlineError as error:
        return _team_page(req, scope.team, values=form, error=error)
    return Redirect(f"/admin/teams/{team_id}?done=saved")
