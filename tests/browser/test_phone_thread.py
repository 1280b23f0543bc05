"""The young person's conversation on a phone: replies they can't miss, a long thread that opens where it
should, forms that say every mistake at once, and notifications offered when they matter.

Time on the phone is Playwright's clock where a test needs the page's timers (the 20-second check): the
test runs them forward rather than sleeping. Replies come from a clinician's tablet through the real
pages; long threads are arranged through the services, as the other browser tests arrange patients.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_offline import forget_expected
from tests.browser.test_push import STUB_PUSH_MANAGER
from tests.browser.test_shell import pause_clock
from tests.support import storage
from tests.support.browser_steps import sign_in_patient, sign_in_staff

pytestmark = pytest.mark.browser

DIABETES = "Young Adult Diabetes Service"
CLINICIAN = "sam.okafor@northfield.nhs.uk"
IPHONE = "iPhone 13"

CHECKS_SINCE = "(since) => performance.getEntriesByType('resource').filter((e) => e.name.includes('/since?')).length"


def seed_thread(stack: Any, patient: Any, *, from_patient: int, replies: int) -> list[str]:
    """Arrange a conversation: ``from_patient`` messages from the patient, then ``replies`` from the team."""
    from chalicelib.models import conversation as store
    from chalicelib.models.people import get_patient, get_staff
    from chalicelib.models.team import get_team
    from chalicelib.scopes import PatientConversation, StaffConversation
    from chalicelib.services import sending
    from scripts.demo_data import actor_for, required

    team = required(get_team(patient.team_id))
    person = required(get_patient(patient.patient_id))
    nurse = required(get_staff(stack.demo.staff[CLINICIAN]))
    bodies = []
    for i in range(from_patient + replies):
        conversation = required(store.load(patient.team_id, patient.patient_id))
        body = f"Message number {i + 1}"
        if i < from_patient:
            sending.do_patient_send(PatientConversation(actor_for(person, stack.now), team, conversation),
                                    client_id=str(uuid.uuid4()), body=body, now=stack.now)
        else:
            body = f"Reply number {i + 1 - from_patient}"
            sending.do_staff_reply(StaffConversation(actor_for(nurse, stack.now), team, "clinician", conversation),
                                   client_id=str(uuid.uuid4()), body=body, now=stack.now)
        bodies.append(body)
    return bodies


def in_viewport(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    height = page.evaluate("() => window.innerHeight")
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_a_reply_appears_without_a_reload_within_the_check_interval(new_device: Any, stack: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Kit", family_name="Lowe")
    phone = new_device("phone")
    sign_in_patient(phone, patient.username, patient.password)
    page = phone.open(f"/p/teams/{patient.team_id}")
    question = "Can I swim with my new sensor on?"
    page.get_by_label("Your message").fill(question)
    page.get_by_role("button", name="Send message").click()
    mine = page.locator(".tl-message", has_text=question).locator(".tl-message__state")
    expect(mine).to_contain_text("Sent · We aim to reply by")
    expect(page.locator("[data-team-status]")).to_contain_text("We aim to reply to you by")
    pause_clock(page)  # from here the page's timers run only when the test says (the reload shows the same)
    page.evaluate("() => { window.notReloaded = true; }")
    expect(mine).to_contain_text("We aim to reply by")
    checks = page.evaluate(CHECKS_SINCE, None)

    # --- a clinician replies from a tablet while the conversation is open on the phone -------------------
    clinician = new_device("tablet")
    tab = sign_in_staff(clinician, CLINICIAN, stack.demo.password)
    clinician.open(f"/staff/teams/{patient.team_id}/patients/{patient.patient_id}")
    answer = "Yes, it is waterproof for up to 30 minutes. Sam"
    tab.get_by_label(f"Reply to {patient.name}").fill(answer)
    tab.get_by_role("button", name="Send reply").click()
    expect(tab.locator(".tl-message", has_text=answer)).to_be_visible()

    # --- not yet: the phone has not asked since ----------------------------------------------------------
    page.clock.run_for(5_000)
    assert page.evaluate(CHECKS_SINCE, None) == checks
    expect(page.locator(".tl-message", has_text=answer)).to_have_count(0)

    # --- within the interval (20 s), the page asks once and shows it, without a reload --------------------
    with page.expect_response(lambda r: "/since?" in r.url and r.status == 200):
        page.clock.run_for(16_000)
    reply = page.locator(".tl-message", has_text=answer)
    expect(reply).to_be_visible()
    expect(reply.locator(".tl-message__sender")).to_contain_text("Sam")
    assert page.evaluate("() => window.notReloaded") is True
    # The team has replied: the reply-by line goes, from the message and from the status.
    expect(mine).to_have_text("Sent · Read")
    expect(page.locator("[data-team-status]")).to_contain_text("If you send a message now")
    expect(page.locator("[data-team-status]")).not_to_contain_text("We aim to reply to you")
    # It was read on screen: the team sees that, and the home page shows no unread reply.
    conversation = storage.conversation(patient.team_id, patient.patient_id)
    assert conversation.patient_unread == 0
    phone.assert_accessible()


def test_a_push_makes_the_open_conversation_check_at_once(new_device: Any, stack: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Rae", family_name="Dunn")
    phone = new_device("phone")
    phone.context.grant_permissions(["notifications"], origin=stack.url)
    page = sign_in_patient(phone, patient.username, patient.password)
    page = phone.open(f"/p/teams/{patient.team_id}")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    pause_clock(page)  # no timer will fire: only the push can make the page ask
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    [text] = seed_thread(stack, patient, from_patient=0, replies=1)
    cdp, registration_id = phone.service_worker_session(page)
    payload = json.dumps({"title": "Teamline", "body": "New message from your care team", "ref": "x" * 16,
                          "audience": "patient"})
    with page.expect_response(lambda r: "/since?" in r.url and r.status == 200):
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": stack.url, "registrationId": registration_id,
                                                       "data": payload})
    expect(page.locator(".tl-message", has_text=text)).to_be_visible()


def test_a_long_thread_opens_at_the_newest_with_the_unread_marker_and_loads_earlier_on_demand(
        new_device: Any, stack: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Ash", family_name="Okoro")
    bodies = seed_thread(stack, patient, from_patient=37, replies=3)
    assert len(bodies) == 40
    phone = new_device("phone")
    sign_in_patient(phone, patient.username, patient.password)
    page = phone.open(f"/p/teams/{patient.team_id}")

    messages = page.locator("[data-messages] .tl-message")
    expect(messages).to_have_count(30)  # the newest page
    newest = page.locator(".tl-message", has_text="Reply number 3")
    marker = page.locator("[data-new-marker]")
    expect(marker).to_have_text("New messages")
    assert marker.evaluate("(m) => m.nextElementSibling.textContent.includes('Reply number 1')")
    assert in_viewport(page, newest), "the thread did not open at the newest message"
    assert in_viewport(page, marker), "the first unread message is off screen"
    assert not in_viewport(page, page.locator(".tl-message", has_text="Message number 11"))
    expect(page.locator(".tl-message", has_text="Message number 10")).to_have_count(0)
    phone.assert_accessible()

    # --- earlier messages load above, on demand, and focus goes to the first of them ---------------------
    page.get_by_role("link", name="Show earlier messages").click()
    earlier = page.locator("[data-earlier-messages] .tl-message")
    expect(earlier).to_have_count(10)
    expect(earlier.first).to_contain_text("Message number 1")
    expect(earlier.first).to_be_focused()
    expect(page.locator("[data-thread-status]")).to_have_text("10 earlier messages shown.")
    expect(page.get_by_role("link", name="Show earlier messages")).to_have_count(0)  # that was the start
    assert page.url == f"{stack.url}/p/teams/{patient.team_id}"  # loaded in place, not a new page
    texts = page.locator(".tl-message .tl-message__body").all_inner_texts()
    assert texts == bodies, "the thread is not in order, or something is missing or twice"
    phone.assert_accessible()


def test_an_empty_send_says_what_to_do_next_to_the_box(new_device: Any, stack: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Bo", family_name="Frey")
    phone = new_device("phone")
    sign_in_patient(phone, patient.username, patient.password)
    page = phone.open(f"/p/teams/{patient.team_id}")
    title = page.title()
    page.get_by_role("button", name="Send message").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text("Write a message before sending.")
    expect(page.locator("#body-error")).to_have_text("Error: Write a message before sending.")
    assert page.get_by_label("Your message").get_attribute("aria-describedby").split()[-1] == "body-error"
    assert page.title() == f"Error: {title}"
    phone.assert_accessible()
    summary.get_by_role("link").click()
    expect(page.get_by_label("Your message")).to_be_focused()
    # Writing something and sending clears it all.
    page.get_by_label("Your message").fill("Thank you")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator(".tl-message", has_text="Thank you").locator(".tl-message__state")).to_contain_text("Sent")
    expect(summary).to_have_count(0)
    expect(page.locator("#body-error")).to_have_count(0)
    assert page.title() == title


def test_the_join_form_lists_every_mistake_and_keeps_the_agreement_ticked(new_device: Any, stack: Any) -> None:
    from chalicelib.models.people import get_staff
    from chalicelib.models.team import get_team
    from chalicelib.scopes import StaffTeam
    from chalicelib.services import invites
    from scripts.demo_data import actor_for, required

    team_id = stack.demo.teams[DIABETES]
    lead = required(get_staff(stack.demo.staff["priya.shah@northfield.nhs.uk"]))
    invited = invites.do_invite_patient(StaffTeam(actor_for(lead, stack.now), required(get_team(team_id)), "lead", {}),
                                        stack.now, given_name="Dev", family_name="Ray", date_of_birth="2009-05-04")
    phone = new_device("phone")
    page = phone.open(f"/join?code={invited.code}")
    page.get_by_role("button", name="Continue").click()  # no date of birth yet
    expect(page.locator(".nhsuk-error-summary li")).to_have_count(1)
    page.get_by_label("Day").fill("4")
    page.get_by_label("Month").fill("5")
    page.get_by_label("Year").fill("2009")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hi Dev, before you start")

    page.get_by_label("I have read this and I agree").check()
    page.get_by_label("Choose a username").fill("d")
    page.locator("#password").fill("short")
    page.locator("#confirm_password").fill("shorter")
    page.get_by_role("button", name="Agree and start").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("li")).to_have_count(3)
    expect(summary.get_by_role("link")).to_have_text([
        "Choose a username of 3 to 30 letters or numbers (you can also use . - _).",
        "Your password must be at least 10 characters long.",
        "The two passwords are not the same. Type them again.",
    ])
    expect(page.get_by_label("I have read this and I agree")).to_be_checked()
    expect(page.get_by_label("Choose a username")).to_have_value("d")
    for field in ("username", "password", "confirm_password"):
        expect(page.locator(f"#{field}-error")).to_be_visible()
    forget_expected(phone, "status of 400")  # the browser logs each form page answered "400 Bad Request"
    phone.assert_accessible()
    summary.get_by_role("link", name="Your password must be").click()
    expect(page.locator("#password")).to_be_focused()


def _phone_with_push(new_device: Any, stack: Any, push_service: Any, kind: str = "phone") -> Any:
    endpoint, p256dh, auth, _ = push_service.new_subscription(application_server_key=stack.vapid_public_key)
    phone = new_device(kind)
    phone.context.grant_permissions(["notifications"], origin=stack.url)
    phone.context.add_init_script(
        script=STUB_PUSH_MANAGER % json.dumps({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}))
    return phone


def _send(page: Any, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_role("button", name="Send message").click()
    expect(page.locator(".tl-message", has_text=text).locator(".tl-message__state")).to_contain_text("Sent")


def test_notifications_are_offered_once_after_the_first_message(new_device: Any, stack: Any, push_service: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Lu", family_name="Chen")
    phone = _phone_with_push(new_device, stack, push_service)
    sign_in_patient(phone, patient.username, patient.password)
    page = phone.open(f"/p/teams/{patient.team_id}")
    offer = page.locator("[data-notify-offer]")
    expect(offer).to_be_hidden()
    _send(page, "Hello, is this the right place?")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("your phone will tell you when your care team replies")
    expect(offer).to_contain_text('only says "New message from your care team"')
    expect(offer.locator("[data-notify-ios]")).to_be_hidden()
    phone.assert_accessible()
    offer.get_by_role("button", name="Not now").click()
    expect(offer).to_be_hidden()
    _send(page, "And another thing")
    expect(offer).to_be_hidden()
    page.reload()
    _send(page, "One more")
    expect(offer).to_be_hidden()
    assert storage.subscriptions(patient.patient_id) == []  # "Not now" signed nobody up


def test_turning_notifications_on_from_the_offer_registers_this_phone(new_device: Any, stack: Any,
                                                                      push_service: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Mo", family_name="Hart")
    phone = _phone_with_push(new_device, stack, push_service)
    sign_in_patient(phone, patient.username, patient.password)
    page = phone.open(f"/p/teams/{patient.team_id}")
    _send(page, "First message")
    offer = page.locator("[data-notify-offer]")
    offer.get_by_role("button", name="Turn on notifications").click()
    expect(offer.locator("[data-notify-status]")).to_have_text("Notifications are on for this device.")
    expect(offer.get_by_role("button", name="Turn on notifications")).to_be_hidden()
    [device] = storage.subscriptions(patient.patient_id)
    assert device.device_id == page.evaluate("() => localStorage.getItem('teamline-device-id')")
    phone.assert_accessible()


def test_on_an_iphone_the_offer_says_to_add_teamline_to_the_home_screen_first(new_device: Any, stack: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Ivy", family_name="Shaw")
    phone = new_device(IPHONE)
    sign_in_patient(phone, patient.username, patient.password)
    page = phone.open(f"/p/teams/{patient.team_id}")
    _send(page, "Hi from my iPhone")
    offer = page.locator("[data-notify-offer]")
    expect(offer).to_be_visible()
    expect(offer.locator("[data-notify-ios]")).to_contain_text("add Teamline to your Home Screen")
    expect(offer.get_by_role("button", name="Turn on notifications")).to_be_hidden()
    offer.get_by_role("button", name="OK").click()
    expect(offer).to_be_hidden()
    phone.assert_accessible()
