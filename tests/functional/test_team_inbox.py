"""The team inbox as a team: claim, assign, release, status, notes, escalation, views with counts, live checks."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from chalicelib.errors import Conflict
from chalicelib.models.db import observe_calls
from chalicelib.services import inbox as inbox_service
from chalicelib.services import workflow
from chalicelib.services.notifications import handle_new_images
from scripts.world import reply_as_staff, send_as_patient, staff_conversation
from tests.support import storage
from tests.support.atomic_moto import one_call_at_a_time
from tests.support.http import body_json, page_text


def _conv_path(world, patient="patient_a"):
    return f"/staff/teams/{world.team_x}/patients/{world.patients[patient]}"


def _api_conv(world, patient="patient_a"):
    return f"/api/staff/teams/{world.team_x}/conversations/{world.patients[patient]}"


def _view(api, world, persona, view, **query):
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    response = api.get(f"/api/staff/teams/{world.team_x}/inbox?view={view}{extra}", persona)
    assert response.status_code == 200, response.body[:300]
    return body_json(response)


def _names(view):
    return [c["patient_name"] for c in view["conversations"]]


def test_two_claims_from_the_same_revision_exactly_one_wins_and_the_loser_is_told_who(world, pinned_clock):
    send_as_patient(world, "patient_a", "Help please", pinned_clock.now())
    # Both clinicians loaded the conversation before either claimed it (the same revision).
    first = staff_conversation(world, "clinician_x", world.team_x, "patient_a", pinned_clock.now())
    second = staff_conversation(world, "lead_x", world.team_x, "patient_a", pinned_clock.now())
    outcomes = []
    for sc in (first, second):
        try:
            workflow.do_claim(sc, pinned_clock.now())
            outcomes.append("won")
        except Conflict as error:
            outcomes.append(error.message)
    # The loser's write failed on the revision; it reloaded and now names who won.
    assert outcomes[0] == "won" and outcomes[1].startswith("Carl (Specialist nurse) is already handling")
    conv = storage.conversation(world.team_x, world.patients["patient_a"])
    assert conv.assigned_staff_id == world.staff["clinician_x"]
    claims = [e for e in storage.audit_about_patient(world.patients["patient_a"])
              if e.event_type == "conversation.assigned"]
    assert len(claims) == 1 and claims[0].actor_id == world.staff["clinician_x"]


ROUNDS = 10


def test_two_claims_fired_at_once_from_two_threads_exactly_one_wins_every_time(world, pinned_clock):
    """Two clinicians press "Take it" at the same moment, ten times over: one wins, the other is told who did.

    Each thread loads the conversation (the access loader's BatchGetItem), waits at a barrier until both have,
    then claims: both saw it unowned, and their writes race on the same revision in the local DynamoDB
    (each moto call made atomic, as DynamoDB's are).
    """
    personas = {"clinician_x": "Carl (Specialist nurse)", "lead_x": "Lena (Consultant)"}
    send_as_patient(world, "patient_a", "Help please", pinned_clock.now())
    for round_ in range(ROUNDS):
        now = pinned_clock.now() + timedelta(minutes=round_)
        barrier = threading.Barrier(2)

        def claim(persona: str) -> tuple[str, str]:
            sc = staff_conversation(world, persona, world.team_x, "patient_a", now)
            barrier.wait(timeout=30)
            try:
                workflow.do_claim(sc, now)
            except Conflict as error:
                return persona, error.message
            return persona, "won"

        order = list(personas) if round_ % 2 == 0 else list(reversed(personas))
        with one_call_at_a_time(), ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = dict(pool.map(claim, order))
        winners = [p for p, outcome in outcomes.items() if outcome == "won"]
        assert len(winners) == 1, (round_, outcomes)
        (loser,) = set(personas) - set(winners)
        assert outcomes[loser].startswith(f"{personas[winners[0]]} is already handling this conversation"), outcomes
        conv = storage.conversation(world.team_x, world.patients["patient_a"])
        assert conv.assigned_staff_id == world.staff[winners[0]], (round_, outcomes)
        workflow.do_release(staff_conversation(world, winners[0], world.team_x, "patient_a", now), now)
    claims = [e for e in storage.audit_about_patient(world.patients["patient_a"])
              if e.event_type == "conversation.assigned"]
    assert len(claims) == ROUNDS  # one per round: the loser wrote nothing


def test_a_second_claim_after_the_first_fails_naming_who_holds_it(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Help please", pinned_clock.now())
    assert api.post(f"{_conv_path(world)}/claim", "clinician_x", form={}).status_code == 303
    refused = api.post(f"{_conv_path(world)}/claim", "lead_x", form={})
    assert refused.status_code == 409 and "Carl (Specialist nurse) is already handling" in page_text(refused)
    assert storage.conversation(world.team_x, world.patients["patient_a"]).assigned_staff_id == world.staff["clinician_x"]


def test_assigning_to_a_colleague_puts_it_in_their_mine_and_moves_the_counts(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Question", pinned_clock.now())
    assert _names(_view(api, world, "clinician_x", "unassigned")) == ["Alice Patient"]
    response = api.post(f"{_conv_path(world)}/assign", "lead_x",
                        form={"staff_id": world.staff["clinician_x"], "expected_owner": ""})
    assert response.status_code == 303
    mine = _view(api, world, "clinician_x", "mine")
    assert _names(mine) == ["Alice Patient"] and mine["counts"]["mine"] == 1
    assert _names(_view(api, world, "clinician_x", "unassigned")) == []
    assert storage.view_count(world.team_x, "new") == 0
    assert storage.view_count(world.team_x, f"mine#{world.staff['clinician_x']}") == 1
    events = [n.body for n in storage.notes(world.team_x, world.patients["patient_a"])]
    assert events == ["Lena (Consultant) assigned this to Carl (Specialist nurse)."]
    audit = [e for e in storage.audit_by_staff(world.staff["lead_x"]) if e.event_type == "conversation.assigned"]
    assert audit[-1].detail == {"from": None, "to": world.staff["clinician_x"]}


def test_assigning_to_someone_outside_the_team_or_over_a_changed_owner_changes_nothing(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Question", pinned_clock.now())
    outsider = api.post(f"{_conv_path(world)}/assign", "lead_x", form={"staff_id": world.staff["clinician_y"]})
    assert outsider.status_code == 400 and "Choose a colleague from this team" in page_text(outsider)
    api.post(f"{_conv_path(world)}/claim", "clinician_x", form={})
    stale = api.post(f"{_api_conv(world)}/assign", "lead_x",
                     json_body={"staff_id": world.staff["lead_x"], "expected_owner": ""})
    assert stale.status_code == 409
    assert storage.conversation(world.team_x, world.patients["patient_a"]).assigned_staff_id == world.staff["clinician_x"]


def test_release_puts_it_back_in_unassigned(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Question", pinned_clock.now())
    api.post(f"{_conv_path(world)}/claim", "clinician_x", form={})
    assert api.post(f"{_conv_path(world)}/release", "clinician_x", form={}).status_code == 303
    assert _names(_view(api, world, "lead_x", "unassigned")) == ["Alice Patient"]
    assert _names(_view(api, world, "clinician_x", "mine")) == []
    assert any(e.event_type == "conversation.released" for e in storage.audit_by_staff(world.staff["clinician_x"]))


def test_closing_with_a_follow_up_brings_it_back_on_that_date_and_a_patient_message_reopens_it(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Thanks, all sorted", pinned_clock.now())
    closed = api.post(f"{_api_conv(world)}/status", "clinician_x",
                      json_body={"status": "closed", "follow_up": "2026-12-02"})
    assert closed.status_code == 200
    assert _names(_view(api, world, "clinician_x", "closed")) == ["Alice Patient"]
    assert _names(_view(api, world, "clinician_x", "followup")) == []
    pinned_clock.set(pinned_clock.now() + timedelta(days=7))
    assert _names(_view(api, world, "lead_x", "followup")) == ["Alice Patient"]
    send_as_patient(world, "patient_a", "Actually, one more thing", pinned_clock.now())
    conv = storage.conversation(world.team_x, world.patients["patient_a"])
    assert conv.closed_at is None and conv.follow_up_at is None
    assert _names(_view(api, world, "lead_x", "closed")) == []
    assert _names(_view(api, world, "lead_x", "followup")) == []
    assert _names(_view(api, world, "lead_x", "unassigned")) == ["Alice Patient"]
    statuses = [e.detail for e in storage.audit_about_patient(world.patients["patient_a"])
                if e.event_type == "conversation.status_changed"]
    assert statuses and statuses[0]["to"] == "closed" and statuses[0]["follow_up"].startswith("2026-12-02")


def test_bad_status_input_is_a_clear_error_and_changes_nothing(api, world, pinned_clock):
    before = storage.conversation(world.team_x, world.patients["patient_a"]).revision
    for body, field in (({"status": "archived"}, "status"), ({"status": "closed", "follow_up": "not a date"}, "follow_up"),
                        ({"status": "closed", "follow_up": "2020-01-01"}, "follow_up")):
        response = api.post(f"{_api_conv(world)}/status", "clinician_x", json_body=body)
        assert response.status_code == 400 and body_json(response)["error"]["field"] == field
    assert storage.conversation(world.team_x, world.patients["patient_a"]).revision == before


def test_awaiting_patient_view_and_count(api, world, pinned_clock):
    send_as_patient(world, "patient_b", "Here are my readings", pinned_clock.now())
    api.post(f"{_api_conv(world, 'patient_b')}/status", "lead_x", json_body={"status": "awaiting_patient"})
    view = _view(api, world, "lead_x", "awaiting")
    assert _names(view) == ["Bob Patient"] and view["counts"]["awaiting"] == 1


def test_escalation_shows_in_escalated_to_me_until_they_act(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "My sugars are high", pinned_clock.now())
    missing = api.post(f"{_conv_path(world)}/escalate", "clinician_x", form={"staff_id": world.staff["lead_x"]})
    assert missing.status_code == 400 and "Say why" in page_text(missing)
    response = api.post(f"{_conv_path(world)}/escalate", "clinician_x",
                        form={"staff_id": world.staff["lead_x"], "reason": "Ketones 2.1, please advise"})
    assert response.status_code == 303
    view = _view(api, world, "lead_x", "escalated")
    assert _names(view) == ["Alice Patient"] and view["counts"]["escalated"] == 1
    assert _names(_view(api, world, "clinician_x", "escalated")) == []
    reply_as_staff(world, "lead_x", "patient_a", "Please call the team now", pinned_clock.now())
    assert _names(_view(api, world, "lead_x", "escalated")) == []
    kinds = [n.note_kind for n in storage.notes(world.team_x, world.patients["patient_a"])]
    assert "escalation" in kinds
    assert any(e.event_type == "conversation.escalated" for e in storage.audit_by_staff(world.staff["clinician_x"]))


def _escalation_written(world, patient="patient_a") -> tuple:
    conv = storage.conversation(world.team_x, world.patients[patient])
    notes = [n for n in storage.notes(world.team_x, world.patients[patient]) if n.note_kind == "escalation"]
    audited = [e for e in storage.audit_about_patient(world.patients[patient]) if e.event_type == "conversation.escalated"]
    return conv.escalated_to, int(conv.revision or 0), len(notes), len(audited)


def test_escalating_to_a_clinician_who_is_not_senior_is_refused_and_changes_nothing(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "My sugars are high", pinned_clock.now())
    before = _escalation_written(world)
    carl = world.staff["clinician_x"]  # a specialist nurse the lead has not marked as senior
    form = api.get(f"{_conv_path(world)}/escalate", "lead_x")
    assert form.status_code == 200 and carl not in form.body.decode()  # the form does not offer him
    assert "Nobody else in this team takes escalations" in page_text(form)
    page = api.post(f"{_conv_path(world)}/escalate", "lead_x", form={"staff_id": carl, "reason": "Please look"})
    assert page.status_code == 400 and "Carl (Specialist nurse) does not take escalations" in page_text(page)
    refused = api.post(f"{_api_conv(world)}/escalate", "lead_x", json_body={"staff_id": carl, "reason": "Please look"})
    error = body_json(refused)["error"]
    assert refused.status_code == 400 and error["field"] == "staff_id"
    assert "does not take escalations" in error["message"] and "consultant or senior" in error["message"]
    assert _escalation_written(world) == before
    assert storage.view_count(world.team_x, f"escalated#{carl}") == 0
    assert _names(_view(api, world, "clinician_x", "escalated")) == []


def test_the_lead_marks_a_clinician_senior_and_then_they_take_escalations(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "My sugars are high", pinned_clock.now())
    carl = world.staff["clinician_x"]
    settings = f"/staff/teams/{world.team_x}/settings"
    assert api.post(f"{settings}/seniors", "clinician_x", form={f"senior_{carl}": "yes"}).status_code == 403
    assert api.post(f"{settings}/seniors", "lead_x", form={f"senior_{carl}": "yes"}).status_code == 303
    assert storage.team(world.team_x).seniors == [carl]
    marked = [e for e in storage.audit_by_staff(world.staff["lead_x"]) if e.event_type == "team.senior_changed"]
    assert [e.detail for e in marked] == [{"staff_id": carl, "senior": True}]
    form = api.get(f"{_conv_path(world)}/escalate", "lead_x")
    assert f'value="{carl}"' in form.body.decode()
    response = api.post(f"{_api_conv(world)}/escalate", "lead_x", json_body={"staff_id": carl, "reason": "Please look"})
    assert response.status_code == 200 and body_json(response) == {"ok": True}
    assert _names(_view(api, world, "clinician_x", "escalated")) == ["Alice Patient"]
    # Unmarked again: he takes no new escalations (the one he has stays his until he acts on it).
    assert api.post(f"{settings}/seniors", "lead_x", form={}).status_code == 303
    assert storage.team(world.team_x).seniors == []
    send_as_patient(world, "patient_b", "Question", pinned_clock.now())
    again = api.post(f"{_conv_path(world, 'patient_b')}/escalate", "lead_x", form={"staff_id": carl, "reason": "Look"})
    assert again.status_code == 400


def test_every_view_is_one_batch_get_and_one_query_with_its_counts(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Waiting", pinned_clock.now())
    for persona in ("clinician_x", "lead_x"):
        api.persona(persona)
    for view, _ in inbox_service.VIEWS:
        for path in (f"/staff/teams/{world.team_x}?view={view}", f"/api/staff/teams/{world.team_x}/inbox?view={view}",
                     f"/api/staff/teams/{world.team_x}/inbox/check?view={view}",
                     f"/staff/teams/{world.team_x}?view={view}&patient=pat"):
            with observe_calls() as counter:
                response = api.get(path, "clinician_x")
            assert response.status_code == 200, (path, response.body[:200])
            assert counter.calls == ["BatchGetItem", "Query"], (path, counter.calls)


def test_the_patient_filter_finds_by_family_name_within_the_view(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Hello", pinned_clock.now())
    assert _names(_view(api, world, "lead_x", "all", patient="Pat")) == ["Alice Patient", "Bob Patient"]
    # Bob has not written yet, so he is in no status list: the filter keeps to the view
    assert _names(_view(api, world, "lead_x", "unassigned", patient="pat")) == ["Alice Patient"]
    assert _names(_view(api, world, "lead_x", "all", patient="Smith")) == []
    bad = api.get(f"/api/staff/teams/{world.team_x}/inbox?view=all&patient=%23x", "lead_x")
    assert bad.status_code == 400 and body_json(bad)["error"]["field"] == "patient"
    wrong = api.get(f"/api/staff/teams/{world.team_x}/inbox?view=everything", "lead_x")
    assert wrong.status_code == 400 and body_json(wrong)["error"]["field"] == "view"


def test_views_are_scoped_to_the_team(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Hello", pinned_clock.now())
    for view, _ in inbox_service.VIEWS:
        response = api.get(f"/api/staff/teams/{world.team_x}/inbox?view={view}", "clinician_y")
        assert response.status_code == 404
        own = api.get(f"/api/staff/teams/{world.team_y}/inbox?view={view}", "clinician_y")
        assert own.status_code == 200 and _names(body_json(own)) == []


def test_the_sweep_recounts_every_view_exactly(api, world, pinned_clock):
    from chalicelib.services.routing import run_inbox_sweep

    send_as_patient(world, "patient_a", "Hello", pinned_clock.now())
    api.post(f"{_conv_path(world)}/claim", "clinician_x", form={})
    api.post(f"{_conv_path(world)}/escalate", "clinician_x",
             form={"staff_id": world.staff["lead_x"], "reason": "Please look"})
    result = run_inbox_sweep(pinned_clock.now())
    assert result.teams == 2
    assert storage.view_count(world.team_x, "new") == 0  # patient B has not written: in no list
    assert storage.view_count(world.team_x, f"mine#{world.staff['clinician_x']}") == 1
    assert storage.view_count(world.team_x, f"escalated#{world.staff['lead_x']}") == 1


# --- internal notes never reach a patient ----------------------------------------------------------------------

SECRET = "Internal: mum worried about adherence " + uuid.uuid4().hex[:8]


@pytest.fixture
def noted(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Hi team", pinned_clock.now())
    response = api.post(f"{_api_conv(world)}/notes", "clinician_x", json_body={"note": SECRET})
    assert response.status_code == 201
    return world


def test_a_note_is_shown_to_staff_styled_as_a_note(api, noted):
    page = api.get(_conv_path(noted), "lead_x")
    assert SECRET in page_text(page) and 'class="tl-note tl-note--note"' in page.body.decode()
    staff_json = body_json(api.get(f"{_api_conv(noted)}/messages", "lead_x"))
    assert [n["body"] for n in staff_json["notes"] if n["note_kind"] == "note"] == [SECRET]
    assert all(SECRET not in m["body"] for m in staff_json["messages"])


def test_a_note_never_reaches_the_patient_api_pages_or_push(api, noted, pinned_clock):
    world = noted
    for path in (f"/p/teams/{world.team_x}", "/p", f"/api/patient/teams/{world.team_x}/messages",
                 "/api/patient/teams", f"/p/teams/{world.team_x}/rota"):
        response = api.get(path, "patient_a")
        assert response.status_code == 200
        assert SECRET not in response.body.decode(), path
    # Exports and every message read are built from MessageItems: the note is not one.
    assert all(SECRET not in m.body for m in storage.messages(world.team_x, world.patients["patient_a"]))
    # A push is built from the stream's new images: a note's image is never a message, so nothing is sent.
    note = storage.notes(world.team_x, world.patients["patient_a"])[-1]
    sent = []
    result = handle_new_images([note.serialize()], now=pinned_clock.now(), send=lambda *a, **k: sent.append(a))
    assert result.messages == 0 and sent == []


def test_a_note_must_have_text(api, world):
    response = api.post(f"{_api_conv(world)}/notes", "clinician_x", json_body={"note": "   "})
    assert response.status_code == 400 and storage.notes(world.team_x, world.patients["patient_a"]) == []


# --- live updates and presence --------------------------------------------------------------------------------


def test_a_colleague_opening_and_writing_shows_in_the_cheap_check(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Hello", pinned_clock.now())
    api.persona("clinician_x")
    assert api.get(_conv_path(world), "lead_x").status_code == 200
    with observe_calls() as counter:
        check = body_json(api.get(f"{_api_conv(world)}/check", "clinician_x"))
    assert counter.calls == ["BatchGetItem", "Query"]
    assert [(v["name"], v["writing"]) for v in check["viewers"]] == [("Lena (Consultant)", False)]
    api.post(f"{_api_conv(world)}/presence", "lead_x", json_body={"writing": True})
    check = body_json(api.get(f"{_api_conv(world)}/check", "clinician_x"))
    assert [(v["name"], v["writing"]) for v in check["viewers"]] == [("Lena (Consultant)", True)]
    pinned_clock.set(pinned_clock.now() + timedelta(minutes=5))
    assert body_json(api.get(f"{_api_conv(world)}/check", "clinician_x"))["viewers"] == []


def test_the_conversation_check_reports_a_new_revision_after_a_message(api, world, pinned_clock):
    before = body_json(api.get(f"{_api_conv(world)}/check", "clinician_x"))["revision"]
    send_as_patient(world, "patient_a", "New news", pinned_clock.now())
    assert body_json(api.get(f"{_api_conv(world)}/check", "clinician_x"))["revision"] > before


def test_the_inbox_digest_changes_when_a_colleague_assigns_to_me(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Hello", pinned_clock.now())
    path = f"/api/staff/teams/{world.team_x}/inbox/check?view=mine"
    before = body_json(api.get(path, "clinician_x"))["digest"]
    api.post(f"{_api_conv(world)}/assign", "lead_x", json_body={"staff_id": world.staff["clinician_x"]})
    assert body_json(api.get(path, "clinician_x"))["digest"] != before


def test_presence_needs_a_yes_or_no(api, world):
    response = api.post(f"{_api_conv(world)}/presence", "clinician_x", json_body={"writing": "maybe"})
    assert response.status_code == 400 and body_json(response)["error"]["field"] == "writing"


def test_the_check_of_another_teams_conversation_is_not_found(api, world):
    assert api.get(f"{_api_conv(world)}/check", "clinician_y").status_code == 404
    missing = f"/api/staff/teams/{world.team_x}/conversations/nobody/check"
    assert api.get(missing, "clinician_x").status_code == 404


def test_the_conversation_opens_with_a_marker_at_the_first_unread_message(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "First", pinned_clock.now())
    send_as_patient(world, "patient_a", "Second", pinned_clock.now() + timedelta(seconds=1))
    page = api.get(_conv_path(world), "clinician_x").body.decode()
    assert page.index('id="first-unread"') < page.index("First") < page.index("Second")
    again = api.get(_conv_path(world), "clinician_x").body.decode()
    assert 'id="first-unread"' not in again
