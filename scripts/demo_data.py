"""Seed a demo Trust: two teams, their staff, three patients and some conversation history.

Everything is created through the same services the app uses (invites are accepted, messages are
sent), so the demo exercises the real paths. Used by ``make run`` and by the wire and browser tests.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from chalicelib.auth import sessions
from chalicelib.auth.actor import Actor
from chalicelib.models import conversation as conversation_store
from chalicelib.models.people import PatientItem, StaffItem, get_patient, get_staff
from chalicelib.models.team import TeamItem, get_team
from chalicelib.scopes import PatientConversation, StaffConversation, StaffTeam
from chalicelib.services import accounts, invites, safety_settings, sending

DEMO_PASSWORD = "teamline-demo"
TRUST_ID = "demotrust"
IG_EMAIL = "iris.grant@northfield.nhs.uk"  # information governance: reads the audit log


@dataclass
class Demo:
    """What was seeded: ids and sign-ins, for printing and for tests."""

    trust_id: str = TRUST_ID
    admin_email: str = "admin@northfield.nhs.uk"
    teams: dict[str, str] = field(default_factory=dict)  # name -> team_id
    staff: dict[str, str] = field(default_factory=dict)  # email -> staff_id
    patients: dict[str, str] = field(default_factory=dict)  # username -> patient_id
    password: str = DEMO_PASSWORD


def actor_for(item: StaffItem | PatientItem, now: datetime) -> Actor:
    """An Actor for seeding (its session is never saved: the seed acts as that person directly)."""
    kind = "staff" if isinstance(item, StaffItem) else "patient"
    session, _ = sessions.new_session(now, kind, item.staff_id if isinstance(item, StaffItem) else item.patient_id)
    if isinstance(item, StaffItem):
        return Actor("staff", item.staff_id, item.trust_id, item.display_name, session, staff=item)
    return Actor("patient", item.patient_id, item.trust_id, item.display_name, session, patient=item)


STAFF = [
    # email, given, family, job title, team key, role
    ("priya.shah@northfield.nhs.uk", "Priya", "Shah", "Consultant", "diabetes", "lead"),
    ("sam.okafor@northfield.nhs.uk", "Sam", "Okafor", "Diabetes specialist nurse", "diabetes", "clinician"),
    ("jess.morgan@northfield.nhs.uk", "Jess", "Morgan", "Dietitian", "diabetes", "clinician"),
    ("tom.reilly@northfield.nhs.uk", "Tom", "Reilly", "Consultant", "cancer", "lead"),
    ("aisha.khan@northfield.nhs.uk", "Aisha", "Khan", "Clinical nurse specialist", "cancer", "clinician"),
    ("ben.carter@northfield.nhs.uk", "Ben", "Carter", "Youth support coordinator", "cancer", "clinician"),
]

PATIENTS = [
    # username, given, family, dob, nhs number, team keys
    ("maya", "Maya", "Thompson", "2009-05-14", "9434765919", ("diabetes",)),
    ("leo", "Leo", "Walsh", "2007-11-02", "9434765870", ("cancer",)),
    ("zara", "Zara", "Ahmed", "2010-01-23", "4010232137", ("diabetes", "cancer")),
]

#: Each team's own urgent lines and the red-flag lists for its patients (Ofcom's drama numbers, never real ones).
SAFETY = {
    "cancer": ([{"name": "Acute oncology 24-hour line", "phone": "020 7946 0999",
                 "when": "any time, day or night, for a temperature of 38 or more or if you feel unwell on treatment"}],
               ["chemotherapy_fever", "bleeding", "breathing"]),
    "diabetes": ([{"name": "Diabetes out-of-hours line", "phone": "020 7946 0777",
                   "when": "evenings and weekends, for vomiting, high ketones or a hypo that will not come up"}],
                 ["diabetes_ketones", "severe_hypo"]),
}
TRUST_LINES = [{"name": "Northfield 24-hour mental health crisis line", "phone": "0808 157 0123", "when": "any time"}]

HISTORY = [
    # username, team key, sender ("patient" or staff email), hours ago, text
    ("maya", "diabetes", "patient", 50, "Hi, my sensor keeps falling off after a day. Is there anything I can do?"),
    ("maya", "diabetes", "sam.okafor@northfield.nhs.uk", 48,
     "Hi Maya, thanks for telling us. Try an over-patch on top of the sensor – we can post some out to you. "
     "Which address should we use?"),
    ("maya", "diabetes", "patient", 20, "Same address as clinic letters please. Also my levels were high this morning."),
    ("leo", "cancer", "patient", 30, "Feeling really tired since the last cycle, is that normal?"),
    ("leo", "cancer", "aisha.khan@northfield.nhs.uk", 28,
     "Hi Leo, tiredness is common after this cycle and usually eases in a week. If you get a temperature over 38 "
     "call the 24-hour line on your card straight away."),
    ("zara", "cancer", "patient", 5, "Can I still go to my friend's party on Saturday?"),
]


def seed(now: datetime) -> Demo:
    """Create the demo Trust as it would be after a few days of use."""
    demo = Demo()
    start = now - timedelta(days=3)
    _, admin = accounts.do_bootstrap_trust(start, trust_name="Northfield Teaching Hospitals NHS Foundation Trust",
                                           email=demo.admin_email, given_name="Alex", family_name="Admin",
                                           password=DEMO_PASSWORD, trust_id=TRUST_ID)
    admin_actor = actor_for(admin, start)
    demo.staff[admin.email] = admin.staff_id
    diabetes = accounts.do_create_team(start, admin_actor, name="Young Adult Diabetes Service",
                                       description="Type 1 diabetes care for 16 to 25 year olds", phone="020 7946 0123")
    cancer = accounts.do_create_team(start, admin_actor, name="Teenage and Young Adult Cancer Service",
                                     description="Care during and after cancer treatment for 13 to 24 year olds",
                                     phone="020 7946 0456")
    teams = {"diabetes": diabetes, "cancer": cancer}
    demo.teams = {t.name: t.team_id for t in teams.values()}
    for email, given, family, title, team_key, role in STAFF:
        created = accounts.do_create_staff(start, admin_actor, email=email, given_name=given, family_name=family,
                                           job_title=title, team_roles={teams[team_key].team_id: role})
        staff = created.staff
        staff.update(actions=[StaffItem.password_hash.set(_demo_hash()), StaffItem.must_change_password.set(False)])
        demo.staff[email] = staff.staff_id
    _set_safety(start, admin_actor, teams, demo)
    for username, given, family, dob, nhs, team_keys in PATIENTS:
        patient_id = None
        for team_key in team_keys:
            team = teams[team_key]
            lead = _staff_of(team, "lead", demo)
            st = StaffTeam(actor_for(lead, start), team, "lead", {})
            if patient_id is None:
                result = invites.do_invite_patient(st, start, given_name=given, family_name=family,
                                                   date_of_birth=dob, nhs_number=nhs)
            else:  # the second team finds the same young person by NHS number
                result = _invite_existing(st, start, patient_id)
            checked = invites.check_invite(start, code=result.code, date_of_birth=dob, address="seed")
            if checked.adds_team:  # already registered: they sign in as themselves to add the team
                invites.do_join_signed(start, checked, username=username, password=DEMO_PASSWORD, agreed=True,
                                       address="seed")
            else:
                invites.do_accept_invite(start, checked, username=username, password=DEMO_PASSWORD, agreed=True)
            patient_id = result.patient_id
        assert patient_id
        demo.patients[username] = patient_id
    # Invited at clinic yesterday and not joined yet: the team's patient list shows her as invited.
    nurse = required(get_staff(demo.staff["sam.okafor@northfield.nhs.uk"]))
    invites.do_invite_patient(StaffTeam(actor_for(nurse, now), diabetes, "clinician", {}), now - timedelta(days=1),
                              given_name="Ella", family_name="Brooks", date_of_birth="2011-07-09")
    for username, team_key, sender, hours_ago, text in HISTORY:
        at = now - timedelta(hours=hours_ago)
        team = required(get_team(teams[team_key].team_id))
        patient = required(get_patient(demo.patients[username]))
        conv = required(conversation_store.load(team.team_id, patient.patient_id))
        if sender == "patient":
            sending.do_patient_send(PatientConversation(actor_for(patient, at), team, conv),
                                      client_id=str(uuid.uuid4()), body=text, now=at)
        else:
            staff = required(get_staff(demo.staff[sender]))
            sc = StaffConversation(actor_for(staff, at), team, staff.team_roles[team.team_id], conv)
            sending.do_staff_reply(sc, client_id=str(uuid.uuid4()), body=text, now=at)
    ig = accounts.do_create_staff(start, admin_actor, email=IG_EMAIL, given_name="Iris", family_name="Grant",
                                  job_title="Information governance lead")
    ig.staff.update(actions=[StaffItem.password_hash.set(_demo_hash()), StaffItem.must_change_password.set(False),
                             StaffItem.is_ig_lead.set(True)])
    demo.staff[IG_EMAIL] = ig.staff.staff_id
    from chalicelib.services.counting import recount_all

    recount_all()  # the workload counters: nothing was watching the stream while the demo was seeded
    return demo


def _set_safety(start: datetime, admin: Actor, teams: dict[str, TeamItem], demo: Demo) -> None:
    """The Trust's crisis line, and each team's own line and red-flag lists, set as a lead would."""
    safety_settings.do_set_trust_lines(start, admin, TRUST_LINES)
    for key, (lines, presets) in SAFETY.items():
        lead = actor_for(_staff_of(teams[key], "lead", demo), start)
        safety_settings.do_set_lines(StaffTeam(lead, required(get_team(teams[key].team_id)), "lead", {}), start, lines)
        safety_settings.do_set_red_flags(StaffTeam(lead, required(get_team(teams[key].team_id)), "lead", {}), start,
                                         presets=presets, phrases="", advice="")


T = TypeVar("T")


def required(item: T | None) -> T:
    """An item that was just written (by seeding or arranging): it must be there."""
    if item is None:
        raise LookupError("an item written moments ago is missing")
    return item


_HASH: list[str] = []


def _demo_hash() -> str:
    from chalicelib.auth.passwords import hash_password

    if not _HASH:
        _HASH.append(hash_password(DEMO_PASSWORD))
    return _HASH[0]


def _staff_of(team: TeamItem, role: str, demo: Demo) -> StaffItem:
    for email, *_rest, _team_role in STAFF:
        staff = required(get_staff(demo.staff[email]))
        if staff.team_roles.get(team.team_id) == role:
            return staff
    raise LookupError(f"no {role} in {team.name}")


def _invite_existing(st: StaffTeam, now: datetime, patient_id: str) -> invites.InviteResult:
    patient = required(get_patient(patient_id))
    return invites.do_invite_patient(st, now, given_name=patient.given_name, family_name=patient.family_name,
                                     date_of_birth=patient.date_of_birth, nhs_number=patient.nhs_number)
