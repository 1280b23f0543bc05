"""Personas and factories: a small Trust built through the real services.

The world has two teams (X and Y), a lead and a clinician in X, a clinician in Y, a Trust admin,
and two patients of team X (A and B). Tests ask for a persona and get a live session for it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.auth import sessions
from chalicelib.auth.actor import Actor
from chalicelib.models import keys
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.people import PatientItem, StaffItem
from chalicelib.models.team import TeamItem
from chalicelib.scopes import PatientConversation, StaffConversation, StaffTeam
from chalicelib.services import accounts, invites, sending

PASSWORD = "correct horse battery"


@dataclass
class Persona:
    """A signed-in (or anonymous) caller: the cookie to send and the anti-forgery token to echo."""

    name: str
    kind: str | None = None
    actor_id: str | None = None
    cookie: str | None = None
    csrf: str | None = None

    def headers(self, *, cookie_name: str = "__Host-teamline") -> dict[str, str]:
        headers = {"host": "teamline.test"}
        if self.cookie:
            headers["cookie"] = f"{cookie_name}={self.cookie}"
        if self.csrf:
            headers["x-csrf-token"] = self.csrf
        return headers


@dataclass
class World:
    """Ids of everything the world made."""

    trust_id: str
    team_x: str
    team_y: str
    staff: dict[str, str] = field(default_factory=dict)  # persona -> staff id
    patients: dict[str, str] = field(default_factory=dict)  # persona -> patient id
    usernames: dict[str, str] = field(default_factory=dict)


def _actor(item: StaffItem | PatientItem, now: datetime) -> Actor:
    if isinstance(item, StaffItem):
        session, _ = sessions.new_session(now, "staff", item.staff_id)
        return Actor("staff", item.staff_id, item.trust_id, item.display_name, session, staff=item)
    session, _ = sessions.new_session(now, "patient", item.patient_id)
    return Actor("patient", item.patient_id, item.trust_id, item.display_name, session, patient=item)


def build_world(now: datetime) -> World:
    """Create the Trust, teams, staff and patients through the services."""
    _, admin = accounts.do_bootstrap_trust(now, trust_name="Test Trust", email="admin@test.nhs.uk",
                                           given_name="Ada", family_name="Admin", password=PASSWORD,
                                           trust_id="trust1")
    admin_actor = _actor(admin, now)
    team_x = accounts.do_create_team(now, admin_actor, name="Team X Diabetes", phone="020 7946 0001")
    team_y = accounts.do_create_team(now, admin_actor, name="Team Y Oncology", phone="020 7946 0002")
    world = World("trust1", team_x.team_id, team_y.team_id, staff={"admin": admin.staff_id})
    for persona, team, role, given, title in (
        ("lead_x", team_x, "lead", "Lena", "Consultant"),
        ("clinician_x", team_x, "clinician", "Carl", "Specialist nurse"),
        ("clinician_y", team_y, "clinician", "Yasmin", "Specialist nurse"),
    ):
        created = accounts.do_create_staff(now, admin_actor, email=f"{persona}@test.nhs.uk", given_name=given,
                                           family_name="Staff", job_title=title, team_roles={team.team_id: role})
        # As if they had already replaced their one-time password (that flow has its own tests).
        created.staff.update(actions=[StaffItem.must_change_password.set(False)])
        world.staff[persona] = created.staff.staff_id
    lead = StaffItem.get(*keys.staff(world.staff["lead_x"]))
    for persona, given, dob in (("patient_a", "Alice", "2009-04-01"), ("patient_b", "Bob", "2008-09-12")):
        st = StaffTeam(_actor(lead, now), team_x, "lead", {})
        result = invites.do_invite_patient(st, now, given_name=given, family_name="Patient", date_of_birth=dob)
        checked = invites.check_invite(now, code=result.code, date_of_birth=dob, address=f"seed-{persona}")
        username = persona.replace("_", "")
        invites.do_accept_invite(now, checked, username=username, password=PASSWORD, agreed=True)
        world.patients[persona] = result.patient.patient_id
        world.usernames[persona] = username
    return world


def sign_in(world: World, persona: str, now: datetime) -> Persona:
    """A fresh live session for a persona (saved directly: sign-in itself has its own tests)."""
    if persona == "anonymous":
        return Persona("anonymous")
    kind = "patient" if persona in world.patients else "staff"
    actor_id = world.patients.get(persona) or world.staff[persona]
    session, credential = sessions.new_session(now, kind, actor_id)
    session.save()
    return Persona(persona, kind, actor_id, credential.cookie_value(), session.csrf_token)


def patient_conversation(world: World, persona: str, team_id: str, now: datetime) -> PatientConversation:
    """Load a patient's conversation as the send service gets it."""
    patient = PatientItem.get(*keys.patient(world.patients[persona]))
    team = TeamItem.get(*keys.team(team_id))
    conv = ConversationItem.get(*keys.conversation(team_id, patient.patient_id))
    return PatientConversation(_actor(patient, now), team, conv)


def staff_conversation(world: World, persona: str, team_id: str, patient: str, now: datetime) -> StaffConversation:
    """Load a conversation as a clinician's reply service gets it."""
    staff = StaffItem.get(*keys.staff(world.staff[persona]))
    team = TeamItem.get(*keys.team(team_id))
    conv = ConversationItem.get(*keys.conversation(team_id, world.patients[patient]))
    return StaffConversation(_actor(staff, now), team, staff.team_roles[team_id], conv)


def send_as_patient(world: World, persona: str, body: str, now: datetime, *, team_id: str | None = None,
                    client_id: str | None = None) -> sending.SendResult:
    """Send a message through the service (for arranging a test, not for testing sending)."""
    pc = patient_conversation(world, persona, team_id or world.team_x, now)
    return sending.do_patient_send(pc, client_id=client_id or str(uuid.uuid4()), body=body, now=now)


def reply_as_staff(world: World, persona: str, patient: str, body: str, now: datetime) -> sending.SendResult:
    """Reply through the service."""
    sc = staff_conversation(world, persona, world.team_x, patient, now)
    return sending.do_staff_reply(sc, client_id=str(uuid.uuid4()), body=body, now=now)


def give_password(world: World, persona: str, password: str = PASSWORD, *, must_change: bool = False) -> None:
    """Set a staff persona's password (the world's staff were made with one-time passwords nobody kept)."""
    from chalicelib.auth.passwords import hash_password

    staff = StaffItem.get(*keys.staff(world.staff[persona]))
    staff.update(actions=[StaffItem.password_hash.set(hash_password(password)),
                          StaffItem.must_change_password.set(must_change)])
