"""Admin that is safe to use: forms that report every problem at once, and changes that say what they grant.

Built on ``services.accounts`` (which creates teams and staff and changes roles) and ``services.leaving``
(deactivation): this module checks a whole form before anything is saved, edits a team's name and
shared number, changes a person's Trust-wide access (Trust admin, information governance), and tells the
admin pages which changes *grant* access, so they can ask for a confirmation first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from pynamodb.exceptions import TransactWriteError

from chalicelib.auth.actor import TEAM_ROLES, Actor
from chalicelib.domain.people import clean_email, clean_name
from chalicelib.errors import Checks, Conflict, Forbidden, ServiceUnavailable, ValidationError
from chalicelib.models import db
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.people import StaffItem
from chalicelib.models.team import TeamItem
from chalicelib.services import accounts

ROLE_WORDS = {"lead": "team lead", "clinician": "clinician"}


def _require_admin(admin: Actor) -> None:
    if not admin.is_trust_admin:
        raise Forbidden("Only a Trust admin can do that.")


# --- teams ----------------------------------------------------------------------------------------------------


def _team_name(value: object) -> str:
    name = " ".join(str(value or "").split())
    if not name or len(name) > 80:
        raise ValidationError("Enter the team's name (up to 80 characters).", field="name")
    return name


def _description(value: object) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > 200:
        raise ValidationError("Keep the description to 200 characters or fewer.", field="description")
    return text


class TeamDetails(NamedTuple):
    """A team's name, description and shared phone, checked."""

    name: str
    description: str
    phone: str


def check_team_form(form: Mapping[str, str]) -> TeamDetails:
    """A team's details from a form; every problem reported at once."""
    problems = Checks()
    name = problems.run(_team_name, form.get("name"))
    description = problems.run(_description, form.get("description"))
    phone = problems.run(accounts._clean_phone, form.get("phone"))
    problems.done()  # past it, every check returned its value
    return TeamDetails(name or "", description or "", phone or "")


def do_create_team(now: datetime, admin: Actor, form: Mapping[str, str]) -> TeamItem:
    """Create a team from the admin's form (checked in full first)."""
    details = check_team_form(form)
    return accounts.do_create_team(now, admin, name=details.name, description=details.description,
                                   phone=details.phone)


def do_update_team(now: datetime, admin: Actor, team: TeamItem, form: Mapping[str, str]) -> list[str]:
    """Change a team's name, description and shared phone; returns what changed (audited, policy version bumped)."""
    _require_admin(admin)
    details = check_team_form(form)
    changed = [label for label, before, after in (("name", team.name, details.name),
                                                   ("description", team.description, details.description),
                                                   ("shared phone number", team.phone, details.phone))
               if (before or "") != after]
    if not changed:
        return []
    tx = db.transaction()
    try:
        with tx:
            tx.update(team, actions=team_store.details_actions(team.team_id, *details),
                      condition=TeamItem.policy_version == (team.policy_version or 0), label="team")
            tx.save(audit_event(now, AuditEventType.TEAM_UPDATED, admin, team_id=team.team_id,
                                detail={"changed": changed}), label="audit")
    except TransactWriteError as exc:
        if "team" in tx.failed_labels(exc):
            raise Conflict("Someone changed this team just now. Refresh the page and try again.") from exc
        raise ServiceUnavailable() from exc
    return changed


# --- staff ----------------------------------------------------------------------------------------------------


def _job_title(value: object) -> str:
    return accounts._clean_job_title(value)


def _new_roles(admin: Actor, form: Mapping[str, str]) -> dict[str, str]:
    team_id, role = form.get("team_id") or "", form.get("role") or "clinician"
    if not team_id:
        return {}
    if role not in TEAM_ROLES:
        raise ValidationError("Choose clinician or team lead.", field="role")
    accounts._teams_of_trust(admin.trust_id, [team_id])
    return {team_id: role}


def do_create_staff(now: datetime, admin: Actor, form: Mapping[str, str]) -> accounts.NewStaff:
    """Create a staff account from the admin's form (checked in full first); returns the one-time password."""
    _require_admin(admin)
    problems = Checks()
    given = problems.run(clean_name, form.get("given_name"), field="given_name", label="first name")
    family = problems.run(clean_name, form.get("family_name"), field="family_name", label="last name")
    email = problems.run(clean_email, form.get("email"))
    job_title = problems.run(_job_title, form.get("job_title"))
    roles = problems.run(_new_roles, admin, form)
    problems.done()
    return accounts.do_create_staff(now, admin, email=email, given_name=given, family_name=family,
                                    job_title=job_title, is_trust_admin=form.get("is_trust_admin") == "yes",
                                    team_roles=roles)


def check_role_change(admin: Actor, staff: StaffItem, form: Mapping[str, str]) -> tuple[str, str | None]:
    """The (team, role) a role form asks for (role None: remove from the team); every problem at once."""
    problems = Checks()
    team_id = form.get("team_id") or ""
    if not team_id:
        problems.add(ValidationError("Choose a team.", field="team_id"))
    role = form.get("role") or ""
    if role not in (*TEAM_ROLES, "none"):
        problems.add(ValidationError("Choose clinician, team lead or remove from the team.", field="role"))
    elif role == "none" and team_id and team_id not in (staff.team_roles or {}):
        problems.add(ValidationError(f"{staff.display_name} is not in that team.", field="team_id"))
    if team_id:
        problems.run(accounts._teams_of_trust, admin.trust_id, [team_id])
    problems.done()
    return team_id, None if role == "none" else role


def grants_team_access(staff: StaffItem, team_id: str, role: str | None) -> bool:
    """True when the change gives a person access to a team, or more of it (clinician to lead)."""
    current = (staff.team_roles or {}).get(team_id)
    return role is not None and (current is None or (current == "clinician" and role == "lead"))


def _wanted(form: Mapping[str, str], name: str) -> bool | None:
    value = form.get(name)
    return None if value is None else value == "yes"


def check_access_change(admin: Actor, staff: StaffItem, form: Mapping[str, str]) -> dict[str, bool]:
    """The Trust-wide access a form asks to change: {"trust_admin": bool, "ig_lead": bool}, only what changes."""
    current = {"trust_admin": bool(staff.is_trust_admin), "ig_lead": bool(staff.is_ig_lead)}
    wanted = {name: value for name in current if (value := _wanted(form, name)) is not None}
    changes = {name: value for name, value in wanted.items() if value != current[name]}
    if staff.staff_id == admin.id and changes.get("trust_admin") is False:
        raise ValidationError("You cannot take away your own Trust admin access. Ask another Trust admin.",
                              field="trust_admin")
    return changes


def grants_access(changes: Mapping[str, bool]) -> bool:
    """True when a change of Trust-wide access gives someone more."""
    return any(changes.values())


def do_set_access(now: datetime, admin: Actor, staff: StaffItem, changes: Mapping[str, bool]) -> None:
    """Give or take away Trust admin or information governance access (audited; conditional on what was read)."""
    _require_admin(admin)
    if not changes:
        return
    fields = {"trust_admin": StaffItem.is_trust_admin, "ig_lead": StaffItem.is_ig_lead}
    condition = (StaffItem.is_trust_admin == bool(staff.is_trust_admin)) & (StaffItem.is_ig_lead == bool(staff.is_ig_lead))
    tx = db.transaction()
    try:
        with tx:
            tx.update(staff, actions=[fields[name].set(value) for name, value in changes.items()],
                      condition=condition, label="staff")
            tx.save(audit_event(now, AuditEventType.STAFF_ACCESS_CHANGED, admin,
                                detail={"staff_id": staff.staff_id, **changes}), label="audit")
    except TransactWriteError as exc:
        if "staff" in tx.failed_labels(exc):
            raise Conflict("Someone changed this person's access just now. Refresh and try again.") from exc
        raise ServiceUnavailable() from exc


# --- views ----------------------------------------------------------------------------------------------------


def _matches(staff: StaffItem, filters: Mapping[str, str]) -> bool:
    text = (filters.get("q") or "").strip().lower()
    roles = staff.team_roles or {}
    checks = [
        not text or text in staff.display_name.lower() or text in staff.email.lower(),
        not filters.get("team") or filters["team"] in roles,
        not filters.get("role") or filters["role"] in roles.values(),
        filters.get("status") not in ("active", "deactivated") or bool(staff.active) == (filters["status"] == "active"),
        filters.get("access") != "trust_admin" or bool(staff.is_trust_admin),
        filters.get("access") != "ig_lead" or bool(staff.is_ig_lead),
    ]
    return all(checks)


def staff_summary(staff: StaffItem, team_names: Mapping[str, str]) -> dict[str, Any]:
    """A staff member as the admin pages show them."""
    return {
        "staff_id": staff.staff_id, "name": staff.display_name, "email": staff.email, "job_title": staff.job_title,
        "is_trust_admin": bool(staff.is_trust_admin), "is_ig_lead": bool(staff.is_ig_lead), "active": bool(staff.active),
        "roles": sorted(({"team_id": t, "team": team_names.get(t, "a team that no longer exists"), "role": r,
                          "role_text": ROLE_WORDS.get(r, r)} for t, r in (staff.team_roles or {}).items()),
                        key=lambda row: row["team"].lower()),
    }


def staff_list(admin: Actor, filters: Mapping[str, str]) -> dict[str, Any]:
    """The Trust's staff, searched by name or email and filtered by team, role, status and access."""
    _require_admin(admin)
    teams = accounts.list_trust_teams(admin.trust_id)
    names = {t.team_id: t.name for t in teams}
    staff = accounts.list_trust_staff(admin.trust_id)
    rows = [staff_summary(s, names) for s in staff if _matches(s, filters)]
    return {"staff": rows, "total": len(staff), "teams": [{"team_id": t.team_id, "name": t.name} for t in teams],
            "filters": {k: filters.get(k) or "" for k in ("q", "team", "role", "status", "access")}}
