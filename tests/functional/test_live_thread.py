"""Replies you can't miss, and a thread that opens where the young person left off.

Issue: the patient's phone, points 1 and 2. The live check (``GET /api/patient/teams/{team}/since``)
answers "anything newer than my newest message?" from the conversation record the access loader
fetches anyway: one BatchGetItem when nothing is new (nearly always), a Query only when something is.
The page marks the first message from the team the patient has not read, and the reply-by line is
shown only while the team still owes a reply.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from urllib.parse import quote

from chalicelib.models.db import observe_calls
from scripts.world import NOW, reply_as_staff, send_as_patient
from tests.support import storage
from tests.support.http import body_json, page_text


def _since(api, world, after: str, as_: str = "patient_a", **kwargs):
    return api.get(f"/api/patient/teams/{world.team_x}/since?after={quote(after)}", as_, **kwargs)


def _newest(api, world, as_: str = "patient_a") -> str:
    messages = body_json(api.get(f"/api/patient/teams/{world.team_x}/messages", as_))["messages"]
    return messages[-1]["cursor"] if messages else ""


def _checked(api, world, after: str, as_: str = "patient_a"):
    api.persona(as_)  # signing in is arrangement, not part of the check
    with observe_calls() as counter:
        response = _since(api, world, after, as_)
    assert response.status_code == 200, response.body
    return body_json(response), counter.calls


def test_a_check_that_finds_nothing_new_costs_one_read(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Is my dose right?", pinned_clock.now())
    newest = _newest(api, world)
    answer, calls = _checked(api, world, newest)
    assert calls == ["BatchGetItem"]
    assert answer["changed"] is False and answer["messages"] == [] and answer["latest"] == newest
    assert answer["owed"] is True and "We aim to reply to you by" in answer["status"]["detail"]


def test_a_reply_is_found_by_the_next_check_and_marked_read(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Is my dose right?", pinned_clock.now())
    newest = _newest(api, world)
    pinned_clock.set(pinned_clock.now() + timedelta(minutes=1))
    reply = reply_as_staff(world, "clinician_x", "patient_a", "Yes, keep going.", pinned_clock.now()).message
    answer, calls = _checked(api, world, newest)
    assert calls == ["BatchGetItem", "Query", "UpdateItem"]  # the check, the new message, the read mark
    assert [m["body"] for m in answer["messages"]] == ["Yes, keep going."]
    assert answer["changed"] is True and answer["latest"] == reply.sk and answer["first_unread"] == reply.message_id
    assert answer["owed"] is False and "If you send a message now" in answer["status"]["detail"]
    conversation = storage.conversation(world.team_x, world.patients["patient_a"])
    assert conversation.patient_unread == 0 and conversation.patient_read_upto >= reply.sent_at
    # And the next check is back to one read.
    again, calls = _checked(api, world, answer["latest"])
    assert calls == ["BatchGetItem"] and again["changed"] is False


def test_the_patients_own_message_from_another_phone_shows_without_a_write(api, world, pinned_clock):
    newest = ""
    sent = send_as_patient(world, "patient_a", "Sent from my tablet", pinned_clock.now()).message
    answer, calls = _checked(api, world, newest)
    assert calls == ["BatchGetItem", "Query"]
    assert [(m["id"], m["mine"]) for m in answer["messages"]] == [(sent.message_id, True)]
    assert answer["first_unread"] is None


def test_an_empty_conversation_costs_one_read_too(api, world):
    answer, calls = _checked(api, world, "")
    assert calls == ["BatchGetItem"] and answer["changed"] is False and answer["latest"] is None


def test_a_burst_longer_than_a_page_comes_in_pages(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "first", pinned_clock.now())
    newest = _newest(api, world)
    for i in range(34):
        pinned_clock.set(pinned_clock.now() + timedelta(seconds=1))
        reply_as_staff(world, "clinician_x", "patient_a", f"part {i}", pinned_clock.now())
    first, _ = _checked(api, world, newest)
    assert first["more"] is True and len(first["messages"]) == 30
    rest, _ = _checked(api, world, first["latest"])
    assert rest["more"] is False and [m["body"] for m in rest["messages"]] == [f"part {i}" for i in range(30, 34)]


def test_the_teams_read_mark_comes_with_the_check(api, world, pinned_clock):
    sent = send_as_patient(world, "patient_a", "Hello?", pinned_clock.now()).message
    newest = _newest(api, world)
    assert _checked(api, world, newest)[0]["read_upto"] is None
    pinned_clock.set(pinned_clock.now() + timedelta(minutes=2))
    api.get(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}", "clinician_x")  # reads it
    answer, calls = _checked(api, world, newest)
    assert calls == ["BatchGetItem"] and answer["read_upto"] >= sent.sk.split("#")[1]


def test_a_check_from_another_site_never_marks_anything_read(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Hi", pinned_clock.now())
    newest = _newest(api, world)
    reply_as_staff(world, "clinician_x", "patient_a", "Hello", pinned_clock.now() + timedelta(seconds=1))
    response = _since(api, world, newest, headers={"sec-fetch-site": "cross-site"})
    assert response.status_code == 200 and len(body_json(response)["messages"]) == 1
    assert storage.conversation(world.team_x, world.patients["patient_a"]).patient_unread == 1


def test_a_cursor_that_is_not_a_message_is_refused(api, world):
    for bad in ("nonsense", "MSG#2026-01-01#x", "CMID#" + str(uuid.uuid4()), "~CONV"):
        response = _since(api, world, bad)
        assert response.status_code == 400, bad
        assert body_json(response)["error"]["field"] == "after"


def test_a_patient_cannot_check_a_team_they_are_not_in_or_another_patients_thread(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "private to A", pinned_clock.now())
    outside = api.get(f"/api/patient/teams/{world.team_y}/since?after=", "patient_a")
    assert outside.status_code == 404
    # The team is in the URL, the patient never is: patient B's check is about B's own conversation.
    answer, _ = _checked(api, world, "", as_="patient_b")
    assert answer["messages"] == [] and "private to A" not in str(answer)


def test_staff_and_strangers_cannot_use_the_patients_check(api, world):
    assert _since(api, world, "", as_="clinician_x").status_code == 403
    assert _since(api, world, "", as_="anonymous").status_code == 401


# --- the thread on the page ---------------------------------------------------------------------------


def test_the_thread_marks_the_first_unread_reply_once(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Question", pinned_clock.now())
    pinned_clock.set(pinned_clock.now() + timedelta(minutes=1))
    first = reply_as_staff(world, "clinician_x", "patient_a", "Answer one", pinned_clock.now()).message
    reply_as_staff(world, "clinician_x", "patient_a", "Answer two", pinned_clock.now() + timedelta(seconds=1))
    page = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    marker = page.index('id="new-messages"')
    assert page.count("New messages") == 1
    assert marker < page.index(f'data-message-id="{first.message_id}"') < page.index("Answer two")
    assert page.index("Question") < marker
    assert "data-check-seconds=" in page and f'data-cursor="{first.sk}"' in page
    # Opening it read them: the next visit has no marker.
    assert "New messages" not in page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))


def test_the_reply_by_line_goes_once_the_team_has_replied(api, world, pinned_clock):
    send_as_patient(world, "patient_a", "Question", pinned_clock.now())
    waiting = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    assert "We aim to reply to you by tomorrow at 5pm" in waiting
    assert "Sent · We aim to reply by tomorrow at 5pm" in waiting
    reply_as_staff(world, "clinician_x", "patient_a", "Answer", pinned_clock.now() + timedelta(minutes=1))
    answered = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    assert "We aim to reply to you" not in answered and "· We aim to reply by" not in answered
    assert "If you send a message now, we aim to reply by" in answered  # what a new message would get
    home = page_text(api.get("/p", "patient_a"))
    assert "We aim to reply to you" not in home and "If you send a message now" in home


def test_an_older_page_does_not_check_for_new_messages_and_links_back_to_the_newest(api, world, pinned_clock):
    for i in range(35):
        send_as_patient(world, "patient_a", f"note {i}", NOW + timedelta(seconds=i))
    first = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    before = re.search(r'data-earlier-link data-cursor="([^"]+)"', first).group(1)
    older = page_text(api.get(f"/p/teams/{world.team_x}?before={quote(before)}", "patient_a"))
    assert "data-since-api" not in older and "Show the newest messages" in older
    assert "note 0" in older and "note 34" not in older
