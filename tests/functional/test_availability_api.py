"""Availability enforced on every send: auto-replies, reply-by, no-flood, policy editing, away, overdue."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.support import storage
from tests.support.http import body_json

SATURDAY_MORNING = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
CHRISTMAS_DAY = datetime(2026, 12, 25, 11, 0, tzinfo=UTC)


def _send(api, world, body="Hello", client_id=None, as_="patient_a"):
    return api.post(f"/api/patient/teams/{world.team_x}/messages", as_,
                    json_body={"client_id": client_id or str(uuid.uuid4()), "body": body})


def _auto_replies(world, patient="patient_a"):
    return [m for m in storage.messages(world.team_x, world.patients[patient]) if m.sender_kind == "auto"]


def _set_policy(api, payload, as_="lead_x"):
    return api.post(f"/api/staff/teams/{api.world.team_x}/policy", as_, json_body=payload)


WEEKDAYS_9_TO_5 = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]


def test_open_team_sends_no_auto_reply_but_gives_a_reply_by(api, world):
    data = body_json(_send(api, world))
    assert data["auto_reply"] is None
    assert data["message"]["reply_by"] == "2026-11-26T17:00:00.000000Z"  # end of the next working day
    assert data["message"]["reply_by_text"] == "tomorrow at 5pm"


def test_out_of_hours_message_gets_an_automatic_reply_in_the_same_response(api, world, pinned_clock):
    pinned_clock.set(SATURDAY_MORNING)
    data = body_json(_send(api, world, "Weekend question"))
    auto = data["auto_reply"]
    assert auto["automatic"] is True and auto["auto_kind"] == "out_of_hours"
    assert "closed right now" in auto["body"] and "Monday at 9am" in auto["body"]
    assert "999" in auto["body"] and "111" in auto["body"] and "85258" in auto["body"] and "0800 1111" in auto["body"]
    assert "reply by Tuesday at 5pm" in auto["body"]
    assert "read" not in auto["body"].lower().replace("ready", "")  # never suggests a person has read it


def test_bank_holiday_auto_reply_names_the_holiday(api, world, pinned_clock):
    pinned_clock.set(CHRISTMAS_DAY)
    auto = body_json(_send(api, world))["auto_reply"]
    assert auto["auto_kind"] == "bank_holiday"
    assert "Christmas Day" in auto["body"]


def test_closure_auto_reply_gives_the_reason(api, world, pinned_clock):
    now = pinned_clock.now()
    policy = {"windows": WEEKDAYS_9_TO_5, "closures": [
        {"start": (now - timedelta(hours=1)).isoformat(), "end": (now + timedelta(hours=5)).isoformat(),
         "reason": "team training day"}]}
    assert _set_policy(api, {"availability": policy}).status_code == 200
    auto = body_json(_send(api, world))["auto_reply"]
    assert auto["auto_kind"] == "closure" and "team training day" in auto["body"]


def test_paused_team_auto_reply_gives_reason_and_resume_time(api, world, pinned_clock):
    now = pinned_clock.now()
    policy = {"windows": WEEKDAYS_9_TO_5,
              "pause": {"reason": "the team is at a conference", "resume_at": (now + timedelta(days=1)).isoformat()}}
    assert _set_policy(api, {"availability": policy}).status_code == 200
    auto = body_json(_send(api, world))["auto_reply"]
    assert auto["auto_kind"] == "paused" and "the team is at a conference" in auto["body"]


def test_away_clinician_auto_reply_names_the_cover_by_first_name_and_role(api, world, pinned_clock):
    from scripts.world import reply_as_staff, send_as_patient

    now = pinned_clock.now()
    send_as_patient(world, "patient_a", "first", now - timedelta(hours=2))
    reply_as_staff(world, "clinician_x", "patient_a", "I'm Carl, I'll look after you", now - timedelta(hours=1))
    response = api.post(f"/api/staff/teams/{world.team_x}/away", "clinician_x", json_body={
        "start": (now - timedelta(minutes=5)).isoformat(), "end": (now + timedelta(days=3)).isoformat(),
        "cover_id": world.staff["lead_x"]})
    assert response.status_code == 200
    auto = body_json(_send(api, world))["auto_reply"]
    assert auto["auto_kind"] == "staff_away"
    assert "Carl is away" in auto["body"] and "Lena (Consultant)" in auto["body"]
    # The cover sees the conversation under Mine.
    mine = api.get(f"/staff/teams/{world.team_x}?view=mine", "lead_x")
    assert "Alice Patient" in mine.body.decode()


def test_retried_send_returns_the_same_auto_reply_and_creates_none(api, world, pinned_clock):
    pinned_clock.set(SATURDAY_MORNING)
    client_id = str(uuid.uuid4())
    first = body_json(_send(api, world, "Hello?", client_id))
    again = body_json(_send(api, world, "Hello?", client_id))
    assert again["created"] is False
    assert again["auto_reply"]["id"] == first["auto_reply"]["id"]
    assert len(_auto_replies(world)) == 1


def test_five_messages_in_one_closed_period_get_one_auto_reply_and_a_reply_by_each(api, world, pinned_clock):
    """The no-flood rule: one auto-reply per conversation per closed period (keyed by when the team next opens)."""
    pinned_clock.set(SATURDAY_MORNING)
    results = []
    for i in range(5):
        pinned_clock.set(SATURDAY_MORNING + timedelta(hours=i * 6))  # into Sunday: still the same closed period
        results.append(body_json(_send(api, world, f"message {i}")))
    assert [r["auto_reply"] is not None for r in results] == [True, False, False, False, False]
    assert all(r["message"]["reply_by"] == "2026-12-01T17:00:00.000000Z" for r in results)
    assert len(_auto_replies(world)) == 1
    # The next closed period (Monday evening) earns a new one.
    pinned_clock.set(datetime(2026, 11, 30, 19, 0, tzinfo=UTC))
    assert body_json(_send(api, world, "evening"))["auto_reply"] is not None
    assert len(_auto_replies(world)) == 2


def test_only_the_team_lead_edits_the_policy(api, world):
    payload = {"availability": {"windows": WEEKDAYS_9_TO_5}}
    assert _set_policy(api, payload, "clinician_x").status_code == 403
    assert _set_policy(api, payload, "clinician_y").status_code == 404
    assert _set_policy(api, payload, "patient_a").status_code == 403
    assert _set_policy(api, payload, "admin").status_code == 404
    assert _set_policy(api, payload, "anonymous").status_code == 401
    assert _set_policy(api, payload, "lead_x").status_code == 200


@pytest.mark.parametrize(("availability", "field"), [
    ({"windows": [{"weekday": 0, "start": "09:00", "end": "12:00"}, {"weekday": 0, "start": "11:00", "end": "13:00"}]},
     "windows.1"),
    ({"windows": [{"weekday": 0, "start": "17:00", "end": "09:00"}]}, "windows.0.end"),
    ({"windows": WEEKDAYS_9_TO_5, "timezone": "Mars/Olympus"}, "timezone"),
    ({"windows": WEEKDAYS_9_TO_5, "closures": [{"start": "2026-12-02T10:00:00+00:00", "end": "2026-12-01T10:00:00+00:00",
                                                 "reason": "x"}]}, "closures.0.end"),
    ({"windows": []}, "windows"),
])
def test_bad_policy_is_a_400_naming_the_field_and_nothing_is_saved(api, world, availability, field):
    before = storage.team(world.team_x)
    response = _set_policy(api, {"availability": availability})
    assert response.status_code == 400
    assert body_json(response)["error"]["field"].startswith(field)
    after = storage.team(world.team_x)
    assert after.policy == before.policy and after.policy_version == before.policy_version


def test_template_with_an_unknown_placeholder_is_refused_and_nothing_saved(api, world):
    response = _set_policy(api, {"availability": {"windows": WEEKDAYS_9_TO_5},
                                 "auto_replies": {"out_of_hours": "Closed until {next_openning}"}})
    assert response.status_code == 400
    error = body_json(response)["error"]
    assert error["field"] == "auto_replies.out_of_hours" and "{next_openning}" in error["message"]
    team = storage.team(world.team_x)
    assert team.policy is None and team.auto_replies is None


def test_edited_auto_reply_text_is_used_and_the_change_audited(api, world, pinned_clock):
    response = _set_policy(api, {"auto_replies": {"out_of_hours": "Hi! {team_name} is shut. Back {next_opening}."}})
    assert response.status_code == 200
    pinned_clock.set(SATURDAY_MORNING)
    auto = body_json(_send(api, world))["auto_reply"]
    assert auto["body"].startswith("Hi! Team X Diabetes is shut. Back Monday at 9am.")
    assert "999" in auto["body"]  # the safety footer cannot be edited away
    events = [e.event_type for e in storage.audit_by_staff(world.staff["lead_x"])]
    assert "team.auto_replies_changed" in events


def test_clinician_cannot_set_someone_else_away_but_the_lead_can(api, world, pinned_clock):
    now = pinned_clock.now()
    body = {"staff_id": world.staff["lead_x"], "start": now.isoformat(),
            "end": (now + timedelta(days=1)).isoformat(), "cover_id": world.staff["clinician_x"]}
    assert api.post(f"/api/staff/teams/{world.team_x}/away", "clinician_x", json_body=body).status_code == 403
    body = {**body, "staff_id": world.staff["clinician_x"], "cover_id": world.staff["lead_x"]}
    assert api.post(f"/api/staff/teams/{world.team_x}/away", "lead_x", json_body=body).status_code == 200
    bad = {**body, "cover_id": world.staff["clinician_y"]}  # not in the team
    response = api.post(f"/api/staff/teams/{world.team_x}/away", "lead_x", json_body=bad)
    assert response.status_code == 400 and body_json(response)["error"]["field"] == "cover_id"


def test_overdue_sweep_marks_conversations_and_the_lead_sees_them_first(api, world, pinned_clock):
    from chalicelib.services import overdue
    from scripts.world import reply_as_staff, send_as_patient

    now = pinned_clock.now()
    send_as_patient(world, "patient_a", "still waiting", now - timedelta(days=3))
    send_as_patient(world, "patient_b", "recent", now - timedelta(minutes=5))
    result = overdue.run_sweep(now)
    assert result.marked == 1 and result.overdue == 1
    conv = storage.conversation(world.team_x, world.patients["patient_a"])
    assert conv.overdue is True
    assert storage.team(world.team_x).overdue_count == 1
    lead_page = api.get(f"/staff/teams/{world.team_x}", "lead_x").body.decode()
    assert "Overdue (1)" in lead_page
    assert lead_page.index("still waiting") < lead_page.index("recent")
    overdue_view = api.get(f"/staff/teams/{world.team_x}?view=overdue", "clinician_x").body.decode()
    assert "still waiting" in overdue_view and "recent" not in overdue_view
    # A second sweep marks nothing new; a reply clears it and lowers the count at once.
    assert overdue.run_sweep(now).marked == 0
    reply_as_staff(world, "clinician_x", "patient_a", "sorry for the wait", now)
    assert storage.team(world.team_x).overdue_count == 0
    events = [e.event_type for e in storage.audit_about_patient(world.patients["patient_a"])]
    assert "conversation.overdue" in events


def test_scheduled_overdue_handler_runs_through_the_lambda_entry_point(app_client, world, pinned_clock):
    from scripts.world import send_as_patient

    send_as_patient(world, "patient_a", "old", pinned_clock.now() - timedelta(days=4))
    event = app_client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=["arn:aws:events:eu-west-2:1:rule/mark_overdue"])
    app_client.lambda_.invoke("mark_overdue", event)
    assert storage.conversation(world.team_x, world.patients["patient_a"]).overdue is True


def test_patient_sees_open_or_closed_before_writing(api, world, pinned_clock):
    open_page = api.get(f"/p/teams/{world.team_x}", "patient_a").body.decode()
    assert "Open now" in open_page and "If you send a message now, we aim to reply by tomorrow at 5pm" in open_page
    pinned_clock.set(SATURDAY_MORNING)
    closed_page = api.get(f"/p/teams/{world.team_x}", "patient_a").body.decode()
    assert "Closed" in closed_page and "We open again Monday at 9am" in closed_page
    assert "0800 1111" in closed_page
