"""Personas and factories: a small Trust built through the real services.

The world has two teams (X and Y), a lead and a clinician in X, a clinician in Y, a Trust admin, an
information governance lead (the audit log, nothing clinical) and two patients of team X (A and B). The functional tests ask for a persona and get a live session
for it; ``make bench`` measures its hot paths on the same world. It lives in ``scripts/`` because
the benchmark needs it and scripts never import from ``tests/``.

Import it only after the environment names the DynamoDB to use: it imports ``chalicelib``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chalicelib.auth import sessions
from chalicelib.models import conversation as conversation_store
from chalicelib.models.people import StaffItem, get_patient, get_staff
from chalicelib.models.team import get_team
from chalicelib.scopes import PatientConversation, StaffConversation, StaffRecord, StaffTeam
from chalicelib.services import accounts, invites, sending
from scripts.demo_data import actor_for, required

PASSWORD = "correct horse battery"
#: A Wednesday in term time, mid-morning in London: teams are open unless a test says otherwise.
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


@dataclass
class Persona:
    """A signed-in (or anonymous) caller: the cookie to send and the anti-forgery token to echo."""

    name: str
    kind: str | None = None
    actor_id: str | None = None
    cookie: str | None = None
    csrf: str | None = None

    def headers(self, *, cookie_name: str = "__Host-teamline") -> dict[str, str]:
        # As a browser sends it for a request from Teamline's own pages (a GET marks messages read only then).
        headers = {"host": "teamline.test", "sec-fetch-site": "same-origin"}
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


def build_world(now: datetime) -> World:
    """Create the Trust, teams, staff and patients through the services."""
    _, admin = accounts.do_bootstrap_trust(now, trust_name="Test Trust", email="admin@test.nhs.uk",
                                           given_name="Ada", family_name="Admin", password=PASSWORD,
                                           trust_id="trust1")
    admin_actor = actor_for(admin, now)
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
    # Information governance: reads the audit log, in no team, no admin rights.
    ig = accounts.do_create_staff(now, admin_actor, email="ig@test.nhs.uk", given_name="Iris", family_name="Governance",
                                  job_title="Information governance lead")
    ig.staff.update(actions=[StaffItem.must_change_password.set(False), StaffItem.is_ig_lead.set(True)])
    world.staff["ig"] = ig.staff.staff_id
    lead = required(get_staff(world.staff["lead_x"]))
    for persona, given, dob in (("patient_a", "Alice", "2009-04-01"), ("patient_b", "Bob", "2008-09-12")):
        st = StaffTeam(actor_for(lead, now), team_x, "lead", {})
        result = invites.do_invite_patient(st, now, given_name=given, family_name="Patient", date_of_birth=dob)
        checked = invites.check_invite(now, code=result.code, date_of_birth=dob, address=f"seed-{persona}")
        username = persona.replace("_", "")
        invites.do_accept_invite(now, checked, username=username, password=PASSWORD, agreed=True)
        world.patients[persona] = result.patient_id
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
    patient = required(get_patient(world.patients[persona]))
    team = required(get_team(team_id))
    conv = required(conversation_store.load(team_id, patient.patient_id))
    return PatientConversation(actor_for(patient, now), team, conv)


def staff_conversation(world: World, persona: str, team_id: str, patient: str, now: datetime) -> StaffConversation:
    """Load a conversation as a clinician's reply service gets it."""
    staff = required(get_staff(world.staff[persona]))
    team = required(get_team(team_id))
    conv = required(conversation_store.load(team_id, world.patients[patient]))
    return StaffConversation(actor_for(staff, now), team, staff.team_roles[team_id], conv)


def staff_record(world: World, persona: str, patient: str, now: datetime, team_id: str | None = None) -> StaffRecord:
    """Load a conversation with its patient as the filing service gets it."""
    sc = staff_conversation(world, persona, team_id or world.team_x, patient, now)
    return StaffRecord(sc.actor, sc.team, sc.role, sc.conversation, required(get_patient(world.patients[patient])), None)


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

    staff = required(get_staff(world.staff[persona]))
    staff.update(actions=[StaffItem.password_hash.set(hash_password(password)),
                          StaffItem.must_change_password.set(must_change)])
