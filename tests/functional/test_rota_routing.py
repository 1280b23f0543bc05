"""The named-contact rota: building, publishing and re-publishing it; what patients see; routing by it; canned replies."""

from __future__ import annotations

import uuid
from datetime import timedelta

from chalicelib.models.db import observe_calls
from scripts.world import NOW, send_as_patient
from tests.support import storage
from tests.support.http import body_json, page_text

MONTH = "2026-11"  # NOW is Wednesday 25 November 2026, 10:30 in London


def _rota(world):
    return f"/staff/teams/{world.team_x}/rota"


def _days(world, **days):
    """Form fields naming clinician X (or whoever) on the given days of November, 09:00 to 17:00."""
    form = {"month": MONTH}
    for day, persona in days.items():
        date = f"2026-11-{int(day[1:]):02d}"
        form |= {f"staff_{date}": world.staff[persona], f"start_{date}": "09:00", f"end_{date}": "17:00"}
    return form


def _publish(api, world, **days):
    assert api.post(f"{_rota(world)}/days", "lead_x", form=_days(world, **days)).status_code == 303
    response = api.post(f"{_rota(world)}/publish", "lead_x", form={"month": MONTH})
    assert response.status_code == 303, page_text(response)


def test_the_lead_builds_and_publishes_a_month_and_patients_see_todays_contact(api, world):
    _publish(api, world, d25="clinician_x", d26="lead_x")
    stored = storage.rota_month(world.team_x, MONTH)
    assert stored.version == 1 and set(stored.published) == {"2026-11-25", "2026-11-26"}
    home = page_text(api.get("/p", "patient_a"))
    assert "Today your named contact is Carl (Specialist nurse), 9am to 5pm." in home and "Rota changed" not in home
    team_page = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    assert "Today your named contact is Carl" in team_page
    month = page_text(api.get(f"/p/teams/{world.team_x}/rota?month={MONTH}", "patient_a"))
    assert "Wednesday 25 November (today)" in month and "Lena (Consultant), 9am to 5pm" in month
    assert "020 7946 0001" in month  # the team's shared Trust number, and no other
    events = [e.event_type for e in storage.audit_by_staff(world.staff["lead_x"])]
    assert "rota.draft_changed" in events and "rota.published" in events


def test_a_draft_is_not_shown_to_patients(api, world):
    api.post(f"{_rota(world)}/days", "lead_x", form=_days(world, d25="clinician_x"))
    assert "named contact" not in page_text(api.get("/p", "patient_a"))
    assert "has not shared a rota" in page_text(api.get(f"/p/teams/{world.team_x}/rota?month={MONTH}", "patient_a"))


def test_republishing_marks_the_changed_days_as_updated(api, world):
    _publish(api, world, d25="clinician_x", d26="lead_x")
    again = api.post(f"{_rota(world)}/publish", "lead_x", form={"month": MONTH})
    assert again.status_code == 400 and "Nothing has changed" in page_text(again)
    api.post(f"{_rota(world)}/swap", "lead_x", form={"month": MONTH, "first": "2026-11-25", "second": "2026-11-26"})
    assert api.post(f"{_rota(world)}/publish", "lead_x", form={"month": MONTH}).status_code == 303
    stored = storage.rota_month(world.team_x, MONTH)
    assert stored.version == 2 and sorted(stored.updated_days) == ["2026-11-25", "2026-11-26"]
    month = page_text(api.get(f"/p/teams/{world.team_x}/rota?month={MONTH}", "patient_a"))
    html = api.get(f"/p/teams/{world.team_x}/rota?month={MONTH}", "patient_a").body.decode()
    assert "This rota has changed" in month and html.count('nhsuk-tag--yellow">Updated') == 2
    home = page_text(api.get("/p", "patient_a"))
    assert "Today your named contact is Lena (Consultant)" in home and "Rota changed" in home
    changed = [e for e in storage.audit_by_staff(world.staff["lead_x"]) if e.event_type == "rota.changed"]
    assert changed and changed[-1].detail["changed"] == ["2026-11-25", "2026-11-26"]


def test_hours_outside_the_teams_opening_hours_are_refused_and_nothing_is_saved(api, world):
    form = _days(world, d25="clinician_x") | {"start_2026-11-25": "07:00"}
    response = api.post(f"{_rota(world)}/days", "lead_x", form=form)
    assert response.status_code == 400 and "not open" in page_text(response)
    assert storage.rota_month(world.team_x, MONTH) is None
    weekend = _days(world, d28="clinician_x")  # a Saturday
    assert api.post(f"{_rota(world)}/days", "lead_x", form=weekend).status_code == 400
    stranger = _days(world, d25="clinician_x") | {"staff_2026-11-25": world.staff["clinician_y"]}
    assert api.post(f"{_rota(world)}/days", "lead_x", form=stranger).status_code == 400
    assert api.post(f"{_rota(world)}/days", "lead_x", form={"month": "2026-13"}).status_code == 400


def test_copy_last_month_fills_the_same_weekdays(api, world):
    api.post(f"{_rota(world)}/days", "lead_x", form=_days(world, d2="clinician_x", d3="lead_x"))  # Mon 2, Tue 3 Nov
    response = api.post(f"{_rota(world)}/copy", "lead_x", form={"month": "2026-12"})
    assert response.status_code == 303
    draft = storage.rota_month(world.team_x, "2026-12").draft
    assert draft["2026-12-01"]["staff_id"] == world.staff["lead_x"]  # Tue 1 Dec from Tue 3 Nov
    assert set(draft) == {"2026-12-01"}  # only Mon 2 and Tue 3 Nov were set; Mon 30 Nov is not in December


def test_only_the_lead_changes_the_rota_and_clinicians_can_read_it(api, world):
    assert api.post(f"{_rota(world)}/days", "clinician_x", form=_days(world, d25="clinician_x")).status_code == 403
    assert storage.rota_month(world.team_x, MONTH) is None
    page = api.get(f"{_rota(world)}?month={MONTH}", "clinician_x")
    assert page.status_code == 200 and "Save draft" not in page_text(page)
    assert api.get(f"{_rota(world)}?month={MONTH}", "clinician_y").status_code == 404


def test_the_calendar_file_is_the_published_month(api, world):
    import icalendar

    _publish(api, world, d25="clinician_x")
    response = api.get(f"/p/teams/{world.team_x}/rota.ics?month={MONTH}", "patient_a")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/calendar")
    events = list(icalendar.Calendar.from_ical(response.body.decode()).walk("VEVENT"))
    assert [e.decoded("dtstart").isoformat() for e in events] == ["2026-11-25T09:00:00+00:00"]
    assert "Carl (Specialist nurse)" in str(events[0].get("summary"))
    assert api.get(f"/p/teams/{world.team_y}/rota.ics?month={MONTH}", "patient_a").status_code == 404


# --- routing -------------------------------------------------------------------------------------------------


def test_a_message_in_an_unowned_conversation_goes_to_todays_contact_in_two_round_trips(api, world):
    _publish(api, world, d25="clinician_x")
    api.persona("patient_a")
    path = f"/api/patient/teams/{world.team_x}/messages"
    with observe_calls() as counter:
        response = api.post(path, "patient_a", json_body={"client_id": str(uuid.uuid4()), "body": "Hi"})
    assert response.status_code == 201
    assert counter.calls == ["BatchGetItem", "TransactWriteItems"]
    conv = storage.conversation(world.team_x, world.patients["patient_a"])
    assert conv.assigned_staff_id == world.staff["clinician_x"]
    notes = [n.body for n in storage.notes(world.team_x, world.patients["patient_a"])]
    assert notes == ["Sent to Carl (Specialist nurse), today's named contact."]
    mine = body_json(api.get(f"/api/staff/teams/{world.team_x}/inbox?view=mine", "clinician_x"))
    assert [c["patient_name"] for c in mine["conversations"]] == ["Alice Patient"]
    audit = [e for e in storage.audit_about_patient(world.patients["patient_a"]) if e.event_type == "message.sent"]
    assert audit[-1].detail == {"routed_to": world.staff["clinician_x"]}


def test_a_conversation_someone_holds_stays_with_them(api, world, pinned_clock):
    api.post(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}/claim", "lead_x", form={})
    _publish(api, world, d25="clinician_x")
    send_as_patient(world, "patient_a", "Hello again", pinned_clock.now())
    assert storage.conversation(world.team_x, world.patients["patient_a"]).assigned_staff_id == world.staff["lead_x"]


def test_outside_the_contacts_hours_it_waits_then_the_sweep_gives_it_to_them(api, world, pinned_clock):
    from chalicelib.services.routing import run_inbox_sweep

    _publish(api, world, d25="clinician_x", d26="lead_x")
    evening = NOW.replace(hour=19)
    send_as_patient(world, "patient_a", "Evening question", evening)
    assert storage.conversation(world.team_x, world.patients["patient_a"]).assigned_staff_id is None
    assert run_inbox_sweep(evening + timedelta(hours=1)).routed == 0  # nobody on yet
    morning = NOW.replace(day=26, hour=9, minute=5)
    assert run_inbox_sweep(morning).routed == 1
    conv = storage.conversation(world.team_x, world.patients["patient_a"])
    assert conv.assigned_staff_id == world.staff["lead_x"]
    assert any(e.event_type == "conversation.routed" for e in storage.audit_about_patient(world.patients["patient_a"]))


def test_an_away_contacts_cover_gets_the_message(api, world, pinned_clock):
    away = api.post(f"/api/staff/teams/{world.team_x}/away", "clinician_x", json_body={
        "staff_id": world.staff["clinician_x"], "start": "2026-11-25T08:00:00+00:00", "end": "2026-11-27T18:00:00+00:00",
        "cover_id": world.staff["lead_x"]})
    assert away.status_code in (200, 201), away.body[:300]
    _publish(api, world, d25="clinician_x")
    send_as_patient(world, "patient_a", "Hello", pinned_clock.now())
    assert storage.conversation(world.team_x, world.patients["patient_a"]).assigned_staff_id == world.staff["lead_x"]


def test_the_on_shift_rule_for_notifications_follows_the_rota(api, world, pinned_clock):
    from chalicelib.services.notifications import recipients_for

    _publish(api, world, d25="clinician_x")
    message = send_as_patient(world, "patient_a", "Hello", pinned_clock.now()).message
    recipients, _ = recipients_for(message, now=pinned_clock.now())
    assert [r.actor_id for r in recipients] == [world.staff["clinician_x"]]
    later, _ = recipients_for(message, now=NOW.replace(hour=17, minute=30))  # the team is closed then anyway
    assert later == []


def test_an_auto_reply_can_name_the_contact(api, world, pinned_clock):
    _publish(api, world, d25="clinician_x", d26="lead_x")
    template = "{named_contact} is your named contact and will see your message {named_contact_from}."
    response = api.post(f"/api/staff/teams/{world.team_x}/policy", "lead_x", json_body={
        "auto_replies": {"out_of_hours": template}})
    assert response.status_code == 200, response.body[:300]
    sent = send_as_patient(world, "patient_a", "Late question", NOW.replace(hour=20))
    assert sent.auto_reply is not None
    assert sent.auto_reply.body.startswith("Lena (Consultant) is your named contact and will see your message "
                                           "tomorrow at 9am.")


# --- canned replies -------------------------------------------------------------------------------------------


def test_the_lead_keeps_canned_replies_and_clinicians_insert_them_filled(api, world):
    path = f"/staff/teams/{world.team_x}/canned-replies"
    bad = api.post(path, "lead_x", form={"title": "Hi", "body": "Hello {first_name}"})
    assert bad.status_code == 400 and "Unknown placeholder {first_name}" in page_text(bad)
    ok = api.post(path, "lead_x", form={"title": "Hours", "body": "Hi {patient_first_name}, we are open {team_hours}."})
    assert ok.status_code == 303
    assert api.post(path, "clinician_x", form={"title": "x", "body": "y"}).status_code == 403
    page = page_text(api.get(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}", "clinician_x"))
    assert "Hi Alice, we are open Monday to Friday, 9am to 5pm." in page
    assert any(e.event_type == "team.canned_replies_changed" for e in storage.audit_by_staff(world.staff["lead_x"]))
