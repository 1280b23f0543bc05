"""Trusts, teams and staff accounts: what a Trust admin manages.

The first Trust admin is made from the command line (``python -m scripts.create_admin``); after that
a Trust admin creates teams and staff in Teamline. A new or reset staff password is a one-time
password shown once to the admin, which the staff member must change before doing anything else.
Resetting a password ends the person's sessions; role changes apply from their next request,
because roles are read from the staff record on every request.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

from pynamodb.exceptions import TransactWriteError

from chalicelib.auth.actor import TEAM_ROLES, Actor
from chalicelib.auth.passwords import check_new_password, hash_password, verify_password
from chalicelib.domain.people import clean_email, clean_name
from chalicelib.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, SignInFailed, ValidationError
from chalicelib.ids import new_id
from chalicelib.models import db
from chalicelib.models import people as people_store
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, audit_event, system
from chalicelib.models.people import StaffEmailItem, StaffItem
from chalicelib.models.team import TeamItem, TrustItem
from chalicelib.services import leaving, safety_settings
from chalicelib.services.signin import revoke_all_sessions

#: A one-time password was shown to an admin (and maybe read out or written down): it stops working after this.
ONE_TIME_PASSWORD_LIFETIME = timedelta(hours=72)


def _one_time_password() -> str:
    # 4 groups of 4 from an unambiguous alphabet: 80 bits, easy to read out over a phone.
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def _clean_job_title(value: object) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > 60:
        raise ValidationError("Keep the job title to 60 characters or fewer.", field="job_title")
    return text


def _clean_phone(value: object) -> str:
    text = " ".join(str(value or "").split())
    if text and (len(text) > 20 or not all(ch.isdigit() or ch in " +()" for ch in text)):
        raise ValidationError("Enter the team's shared Trust phone number, for example 020 7946 0000.", field="phone")
    return text


def do_bootstrap_trust(now: datetime, *, trust_name: str, email: str, given_name: str, family_name: str,
                       password: str, trust_id: str | None = None) -> tuple[TrustItem, StaffItem]:
    """Create the Trust and its first admin (the command-line set-up step)."""
    trust_id = trust_id or new_id(now)
    trust = team_store.new_trust(trust_id, trust_name.strip(), now)
    staff = _new_staff(now, trust_id, email=email, given_name=given_name, family_name=family_name,
                       job_title="Trust admin", password=check_new_password(password), is_trust_admin=True,
                       must_change=False)
    with db.transaction() as tx:
        tx.save(trust)
        tx.save(staff)
        tx.save(people_store.email_claim(staff.email, staff.staff_id), condition=StaffEmailItem.pk.does_not_exist())
        tx.save(audit_event(now, AuditEventType.TRUST_ADMIN_CREATED, system(trust_id),
                            detail={"staff_id": staff.staff_id}))
    return trust, staff


def _new_staff(now: datetime, trust_id: str, *, email: object, given_name: object, family_name: object,
               job_title: object, password: str, is_trust_admin: bool, must_change: bool) -> StaffItem:
    staff_id = new_id(now)
    given = clean_name(given_name, field="given_name", label="first name")
    family = clean_name(family_name, field="family_name", label="last name")
    staff = people_store.new_staff(staff_id, trust_id, email=clean_email(email), given_name=given, family_name=family,
                                   job_title=_clean_job_title(job_title), password_hash=hash_password(password),
                                   is_trust_admin=is_trust_admin, must_change_password=must_change, now=now)
    if must_change:
        staff.password_expires_at = now + ONE_TIME_PASSWORD_LIFETIME
    return staff


def do_create_team(now: datetime, admin: Actor, *, name: object, description: object = "", phone: object = "") -> TeamItem:
    """Create a team in the admin's Trust."""
    _require_admin(admin)
    team_name = " ".join(str(name or "").split())
    if not team_name or len(team_name) > 80:
        raise ValidationError("Enter the team's name (up to 80 characters).", field="name")
    about = " ".join(str(description or "").split())
    if len(about) > 200:
        raise ValidationError("Keep the description to 200 characters or fewer.", field="description")
    team_id = new_id(now)
    team = team_store.new_team(team_id, admin.trust_id, name=team_name, description=about, phone=_clean_phone(phone),
                               now=now)
    team.trust_lines = safety_settings.trust_lines_of(admin.trust_id)  # safety: the Trust's urgent lines
    with db.committed() as tx:
        tx.save(team, condition=TeamItem.pk.does_not_exist())
        tx.save(audit_event(now, AuditEventType.TEAM_CREATED, admin, team_id=team_id))
    return team


class NewStaff(NamedTuple):
    """A created staff member and the one-time password to hand them."""

    staff: StaffItem
    one_time_password: str


def _require_admin(actor: Actor) -> None:
    if not actor.is_trust_admin:
        raise Forbidden("Only a Trust admin can do that.")


def _teams_of_trust(trust_id: str, team_ids: list[str]) -> dict[str, TeamItem]:
    teams = team_store.teams_by_id(team_ids)
    if len(teams) != len(set(team_ids)) or any(team.trust_id != trust_id for team in teams.values()):
        raise ValidationError("Choose teams from your Trust.", field="team_id")
    return teams


def do_create_staff(now: datetime, admin: Actor, *, email: object, given_name: object, family_name: object,
                    job_title: object = "", is_trust_admin: bool = False,
                    team_roles: dict[str, str] | None = None) -> NewStaff:
    """Create a staff account with roles in teams; returns the one-time password to give them."""
    _require_admin(admin)
    roles = dict(team_roles or {})
    for role in roles.values():
        if role not in TEAM_ROLES:
            raise ValidationError("Choose clinician or team lead.", field="role")
    teams = _teams_of_trust(admin.trust_id, list(roles))
    password = _one_time_password()
    staff = _new_staff(now, admin.trust_id, email=email, given_name=given_name, family_name=family_name,
                       job_title=job_title, password=password, is_trust_admin=is_trust_admin, must_change=True)
    staff.team_roles = roles
    tx = db.transaction()
    try:
        with tx:
            tx.save(staff, label="staff")
            tx.save(people_store.email_claim(staff.email, staff.staff_id),
                    condition=StaffEmailItem.pk.does_not_exist(), label="email")
            for team_id, role in roles.items():
                tx.save(_member(teams[team_id], staff, role), label="member")
            tx.save(audit_event(now, AuditEventType.STAFF_CREATED, admin, detail={
                "staff_id": staff.staff_id, "roles": roles, "trust_admin": is_trust_admin}), label="audit")
    except TransactWriteError as exc:
        if "email" in tx.failed_labels(exc):
            raise Conflict("Someone already has a Teamline account with that email address.", field="email") from exc
        raise ServiceUnavailable() from exc
    return NewStaff(staff, password)


def _member(team: TeamItem, staff: StaffItem, role: str) -> team_store.TeamMemberItem:
    return team_store.new_member(team.team_id, staff.staff_id, role=role, display_name=staff.display_name,
                                 job_title=staff.job_title)


def load_staff(admin: Actor, staff_id: str) -> StaffItem:
    """A staff member of the admin's Trust, or NotFound."""
    _require_admin(admin)
    staff = people_store.get_staff(staff_id)
    if staff is None or staff.trust_id != admin.trust_id:
        raise NotFound("We could not find that staff member.")
    return staff


def do_set_team_role(now: datetime, admin: Actor, staff_id: str, *, team_id: str, role: str | None) -> StaffItem:
    """Give a staff member a role in a team, change it, or (role None) remove them.

    Takes effect on their very next request: roles are read from the staff record on every request.
    """
    staff = load_staff(admin, staff_id)
    if role is not None and role not in TEAM_ROLES:
        raise ValidationError("Choose clinician or team lead.", field="role")
    team = _teams_of_trust(admin.trust_id, [team_id])[team_id]
    roles = dict(staff.team_roles or {})
    before = dict(roles)
    if role is None:
        roles.pop(team_id, None)
    else:
        roles[team_id] = role
    tx = db.transaction()
    try:
        with tx:
            tx.update(staff, actions=[StaffItem.team_roles.set(roles)], condition=StaffItem.team_roles == before,
                      label="staff")
            if role is None:
                tx.delete(team_store.member_key(team_id, staff_id), label="member")
            else:
                tx.save(_member(team, staff, role), label="member")
            tx.save(audit_event(now, AuditEventType.STAFF_ROLE_CHANGED, admin, team_id=team_id,
                                detail={"staff_id": staff_id, "role": role}), label="audit")
    except TransactWriteError as exc:
        if tx.failed_labels(exc):
            raise Conflict("Someone else changed this person's roles. Refresh and try again.") from exc
        raise ServiceUnavailable() from exc
    staff.team_roles = roles
    if role is None and team_id in before:
        leaving.release_from_team(now, admin, team_id, staff_id)
    return staff


def do_reset_staff_password(now: datetime, admin: Actor, staff_id: str) -> str:
    """Set a one-time password for a staff member, end their sessions, and return the password."""
    staff = load_staff(admin, staff_id)
    password = _one_time_password()
    with db.committed() as tx:
        tx.update(staff, actions=[StaffItem.password_hash.set(hash_password(password)),
                                  StaffItem.must_change_password.set(True),
                                  StaffItem.password_expires_at.set(now + ONE_TIME_PASSWORD_LIFETIME)])
        tx.save(audit_event(now, AuditEventType.STAFF_PASSWORD_RESET, admin, detail={"staff_id": staff_id}))
    revoke_all_sessions(staff_id)
    return password


def do_change_own_password(now: datetime, actor: Actor, *, current: object, new: object, confirm: object) -> None:
    """A staff member changes their password (required after a one-time password)."""
    staff = actor.staff
    if staff is None:
        raise Forbidden()
    if not verify_password(staff.password_hash, str(current or "")):
        raise SignInFailed("Your current password is not right.", field="current_password")
    new_text = check_new_password(str(new or ""), field="new_password")
    if new_text != str(confirm or ""):
        raise ValidationError("The two new passwords do not match.", field="confirm_password")
    if verify_password(staff.password_hash, new_text):
        raise ValidationError("Choose a password you have not used here before.", field="new_password")
    with db.committed() as tx:
        tx.update(staff, actions=[StaffItem.password_hash.set(hash_password(new_text)),
                                  StaffItem.must_change_password.set(False), StaffItem.password_expires_at.remove()])
        tx.save(audit_event(now, AuditEventType.STAFF_PASSWORD_CHANGED, actor))
    revoke_all_sessions(staff.staff_id, keep=actor.session.pk)


def list_trust_teams(trust_id: str) -> list[TeamItem]:
    """All teams of a Trust by name."""
    return team_store.trust_teams(trust_id)


def list_trust_staff(trust_id: str) -> list[StaffItem]:
    """All staff of a Trust by family name."""
    return people_store.trust_staff(trust_id)


def get_trust(trust_id: str) -> TrustItem | None:
    """A Trust record."""
    return team_store.get_trust(trust_id)
