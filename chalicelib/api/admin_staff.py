"""The Trust admin's staff pages: finding staff, adding them, and each person's own page.

Roles are changed on the person's own page, which shows the teams and roles they have now. Anything
that grants access (a new team, clinician to lead, Trust admin or information governance access) asks
for a confirmation that says what it will allow; a password reset and a deactivation say what will
happen and act only when confirmed (``confirm=yes``, which only the confirmation page sends).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.access import access_trust_admin, access_trust_staff
from chalicelib.errors import TeamlineError
from chalicelib.scopes import TrustStaff
from chalicelib.services import accounts, leaving, trust_admin
from chalicelib.web.responses import Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)
FILTERS = ("q", "team", "role", "status", "access")
DONE = {"roles": "Roles saved. They apply from this person's next click.", "access": "Access saved.",
        "deactivated": "Account deactivated. They have been signed out everywhere and their conversations handed "
                       "back to their teams."}


@route(bp, "/admin/staff", auth="admin", summary="Find staff: search by name or email, filter by team, role, status",
       query=FILTERS)
def staff_list(req: RequestContext) -> Page:
    admin = access_trust_admin(req).actor
    return Page("admin/staff_list.html", trust_admin.staff_list(admin, {k: req.query(k) or "" for k in FILTERS}))


def _teams(admin_trust: str) -> list[dict[str, str]]:
    return [{"team_id": t.team_id, "name": t.name} for t in accounts.list_trust_teams(admin_trust)]


@route(bp, "/admin/staff/new", auth="admin", summary="Add-a-staff-member form")
def new_staff(req: RequestContext) -> Page:
    admin = access_trust_admin(req).actor
    return Page("admin/staff_form.html", {"values": {}, "teams": _teams(admin.trust_id)})


@route(bp, "/admin/staff", methods=("POST",), auth="admin", summary="Add a staff member (shows a one-time password)")
def create_staff(req: RequestContext) -> Page:
    admin = access_trust_admin(req).actor
    form = req.form()
    try:
        created = trust_admin.do_create_staff(req.now, admin, form)
    except TeamlineError as error:
        return Page("admin/staff_form.html", {"values": form, "teams": _teams(admin.trust_id), "error": error},
                    status=error.status)
    return Page("admin/one_time_password.html", {"name": created.staff.display_name, "email": created.staff.email,
                                                 "password": created.one_time_password, "new": True,
                                                 "staff_id": created.staff.staff_id})


def _staff_page(req: RequestContext, scope: TrustStaff, *, error: TeamlineError | None = None,
                values: dict[str, str] | None = None) -> Page:
    teams = _teams(scope.actor.trust_id)
    person = trust_admin.staff_summary(scope.staff, {t["team_id"]: t["name"] for t in teams})
    return Page("admin/staff.html", {"member": person, "teams": teams, "values": values or {}, "error": error,
                                     "is_self": scope.staff.staff_id == scope.actor.id,
                                     "done": DONE.get(req.query("done") or "")},
                status=error.status if error else 200)


@route(bp, "/admin/staff/{staff_id}", auth="admin", summary="A staff member: their teams, roles and access",
       query=("done",))
def staff_page(req: RequestContext, staff_id: str) -> Page:
    return _staff_page(req, access_trust_staff(req, staff_id))


def _confirm(scope: TrustStaff, *, title: str, happens: list[str], action: str, fields: dict[str, str],
             button: str, warning: bool = False) -> Page:
    return Page("admin/confirm.html", {"title": title, "happens": happens, "action": action, "fields": fields,
                                       "button": button, "warning": warning, "name": scope.staff.display_name,
                                       "back": f"/admin/staff/{scope.staff.staff_id}"})


@route(bp, "/admin/staff/{staff_id}/roles", methods=("POST",), auth="admin",
       summary="Change a staff member's role in a team (a grant asks for confirmation first)")
def set_role(req: RequestContext, staff_id: str) -> Page | Redirect:
    scope = access_trust_staff(req, staff_id)
    form = req.form()
    try:
        team_id, role = trust_admin.check_role_change(scope.actor, scope.staff, form)
        if trust_admin.grants_team_access(scope.staff, team_id, role) and form.get("confirm") != "yes":
            team = next(t["name"] for t in _teams(scope.actor.trust_id) if t["team_id"] == team_id)
            return _confirm(scope, title=f"Give {scope.staff.display_name} access to {team}?", happens=[
                f"{scope.staff.display_name} becomes a {trust_admin.ROLE_WORDS[str(role)]} in {team}.",
                f"They can read and reply to every conversation of {team}'s patients.",
                *(["As team lead they can also change the team's hours and automatic replies, and discharge "
                   "patients."] if role == "lead" else []),
                "This applies from their next click, and it is recorded in the audit log."],
                action=f"/admin/staff/{staff_id}/roles", fields={"team_id": team_id, "role": str(role)},
                button="Yes, give access")
        accounts.do_set_team_role(req.now, scope.actor, staff_id, team_id=team_id, role=role)
    except TeamlineError as error:
        return _staff_page(req, scope, error=error, values=form)
    return Redirect(f"/admin/staff/{staff_id}?done=roles")


def _access_words(changes: dict[str, bool]) -> list[str]:
    words = {"trust_admin": ("manage teams, staff accounts and roles, and read the audit log", "Trust admin"),
             "ig_lead": ("read the audit log (no clinical access comes with it)", "information governance")}
    return [f"They {'can' if on else 'can no longer'} {words[k][0]} as {words[k][1]}." for k, on in changes.items()]


@route(bp, "/admin/staff/{staff_id}/access", methods=("POST",), auth="admin",
       summary="Give or take away Trust admin or information governance access (a grant asks first)")
def set_access(req: RequestContext, staff_id: str) -> Page | Redirect:
    scope = access_trust_staff(req, staff_id)
    form = req.form()
    try:
        changes = trust_admin.check_access_change(scope.actor, scope.staff, form)
        if trust_admin.grants_access(changes) and form.get("confirm") != "yes":
            return _confirm(scope, title=f"Change {scope.staff.display_name}'s access?", happens=[
                *_access_words(changes), "This is recorded in the audit log."],
                action=f"/admin/staff/{staff_id}/access",
                fields={k: "yes" if v else "no" for k, v in changes.items()}, button="Yes, change access")
        trust_admin.do_set_access(req.now, scope.actor, scope.staff, changes)
    except TeamlineError as error:
        return _staff_page(req, scope, error=error, values=form)
    return Redirect(f"/admin/staff/{staff_id}?done=access")


def _reset_confirmation(scope: TrustStaff) -> Page:
    name = scope.staff.display_name
    return _confirm(scope, title=f"Reset {name}'s password?", happens=[
        f"{name}'s current password stops working now, and they are signed out on every device.",
        "You will see a one-time password to give them in person or by Trust phone. It works for 72 hours.",
        "They must choose a new password when they next sign in. This is recorded in the audit log."],
        action=f"/admin/staff/{scope.staff.staff_id}/password-reset", fields={}, button="Reset password", warning=True)


@route(bp, "/admin/staff/{staff_id}/password-reset", auth="admin", summary="Confirm a password reset")
def confirm_reset(req: RequestContext, staff_id: str) -> Page:
    return _reset_confirmation(access_trust_staff(req, staff_id))


@route(bp, "/admin/staff/{staff_id}/password-reset", methods=("POST",), auth="admin",
       summary="Reset a staff member's password (when confirmed): shows a one-time password")
def reset_password(req: RequestContext, staff_id: str) -> Page:
    scope = access_trust_staff(req, staff_id)
    if req.form().get("confirm") != "yes":
        return _reset_confirmation(scope)
    password = accounts.do_reset_staff_password(req.now, scope.actor, staff_id)
    return Page("admin/one_time_password.html", {"name": scope.staff.display_name, "email": scope.staff.email,
                                                 "password": password, "new": False, "staff_id": staff_id})


def _deactivate_confirmation(scope: TrustStaff, error: TeamlineError | None = None) -> Page:
    name = scope.staff.display_name
    page = _confirm(scope, title=f"Deactivate {name}'s account?", happens=[
        f"{name} is signed out on every device now and can no longer sign in.",
        "They leave every team: conversations they hold go back to their team, unassigned, and they stop being "
        "anyone's cover.", "Their devices stop getting notifications.",
        "Everything they did stays in the record and the audit log, under their name."],
        action=f"/admin/staff/{scope.staff.staff_id}/deactivate", fields={}, button="Deactivate account",
        warning=True)
    context: dict[str, Any] = {**page.context, "error": error}
    return Page(page.template, context, status=error.status if error else 200)


@route(bp, "/admin/staff/{staff_id}/deactivate", auth="admin", summary="Confirm deactivating a staff account")
def confirm_deactivate(req: RequestContext, staff_id: str) -> Page:
    return _deactivate_confirmation(access_trust_staff(req, staff_id))


@route(bp, "/admin/staff/{staff_id}/deactivate", methods=("POST",), auth="admin",
       summary="Deactivate a staff account (when confirmed): sessions end now, conversations and covers are released")
def deactivate(req: RequestContext, staff_id: str) -> Page | Redirect:
    scope = access_trust_staff(req, staff_id)
    if req.form().get("confirm") != "yes":
        return _deactivate_confirmation(scope)
    try:
        leaving.do_deactivate_staff(req.now, scope.actor, staff_id)
    except TeamlineError as error:
        return _deactivate_confirmation(scope, error)
    return Redirect(f"/admin/staff/{staff_id}?done=deactivated")
