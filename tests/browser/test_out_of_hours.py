"""Out of hours, in a real browser, on a Saturday morning (the app's clock starts Saturday 28 November 2026,
10:00 in London; the demo teams are open Monday to Friday, 9am to 5pm, and aim to reply within 1 working day).

A young person sees that the team is closed, when it opens and where to get help now *before* writing;
what they send is "Sent" with the reply-by, and one automatic reply says the team is closed, when it will
reply and the emergency numbers, without ever suggesting a person has read it. The team lead then changes
the hours on a tablet: a bad change is refused with the day named and nothing saved; a good one reaches the
patient's phone at once.

Every page visited is checked with axe (WCAG 2.2 A/AA) and for script errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from chalicelib.models.team import TeamItem
from scripts import demo_stack
from tests.support import storage
from tests.support.browser_steps import sign_in_patient, sign_in_staff

pytestmark = pytest.mark.browser

CANCER = "Teenage and Young Adult Cancer Service"
LEAD = "tom.reilly@northfield.nhs.uk"
CLOSED_UNTIL = "We open again Monday at 9am"
REPLY_BY = "We aim to reply by Tuesday at 5pm"  # Saturday: next working day's opening is Monday, +1 working day
EMERGENCY_NUMBERS = ("999", "111", "85258", "0800 1111")
#: Anything that would tell the young person a person has seen their message.
SOUNDS_READ = re.compile(r"\b(read|seen|looked at|reviewed|received by)\b|\bhas (read|seen)\b", re.IGNORECASE)


@pytest.fixture
def saturday(stack: demo_stack.Stack) -> str:
    """The URL of the app whose clock starts on Saturday morning (same data as every other app)."""
    return stack.app_with_clock(demo_stack.SATURDAY_MORNING)


@pytest.fixture
def cancer_hours_restored(stack: demo_stack.Stack) -> Iterator[str]:
    """The cancer team's id; whatever a test does to its hours is undone afterwards (other tests rely on them)."""
    team_id = stack.demo.teams[CANCER]
    before = storage.team(team_id).policy
    yield team_id
    team = storage.team(team_id)
    restore = TeamItem.policy.set(before) if before is not None else TeamItem.policy.remove()
    team.update(actions=[restore, TeamItem.policy_version.add(1)])


def forget_refused_form(device: Any) -> None:
    """Drop the console error Chromium logs for a page answered 400 (a refused form, expected here)."""
    device.errors[:] = [e for e in device.errors
                        if not (" console error " in e and "/settings/hours" in e and "status of 400" in e)]


def expect_help_now(page: Any) -> None:
    """The emergency routes, as links a phone can tap, with every number written out."""
    help_now = page.locator(".tl-help-now")
    expect(help_now).to_be_visible()
    expect(help_now).to_contain_text("not for emergencies")
    for name, href in (("999", "tel:999"), ("NHS 111", "tel:111"), ("Shout", "sms:85258?body=SHOUT"),
                       ("Childline", "tel:08001111")):
        expect(help_now.get_by_role("link", name=name, exact=True)).to_have_attribute("href", href)
    for number in EMERGENCY_NUMBERS:
        expect(help_now).to_contain_text(number)


def stored(team_id: str, patient_id: str) -> list[tuple[str, str]]:
    """(sender kind, body) of every message the server holds in the conversation, oldest first."""
    return [(m.sender_kind, m.body) for m in storage.messages(team_id, patient_id)]


def check_auto_reply(auto: Any) -> None:
    expect(auto.locator(".tl-message__sender")).to_have_text("Automatic reply")
    body = auto.locator(".tl-message__body")
    expect(body).to_contain_text("closed")
    expect(body).to_contain_text("Monday at 9am")
    expect(body).to_contain_text("Tuesday at 5pm")
    for number in EMERGENCY_NUMBERS:
        expect(body).to_contain_text(number)
    text = body.inner_text()
    assert not SOUNDS_READ.search(text), f"the automatic reply suggests someone has read it: {text}"
    expect(auto.locator(".tl-message__state")).to_have_count(0)  # no "Sent"/"Read" on the system's own reply


def test_on_saturday_a_patient_sees_closed_writes_and_gets_one_automatic_reply(
        new_device: Any, stack: Any, saturday: str) -> None:
    patient = stack.new_patient(CANCER, given_name="Leah", family_name="Corrigan")
    phone = new_device("phone", base_url=saturday)

    # --- home: the team is closed, when it opens, and where to get help now ----------------------------
    page = sign_in_patient(phone, patient.username, patient.password)
    card = page.locator(".tl-team-card", has_text=CANCER)
    status = card.locator("[data-team-status]")
    expect(status).to_contain_text("Closed")
    expect(status).to_contain_text(CLOSED_UNTIL)
    expect(status).not_to_contain_text("Open now")
    expect_help_now(page)
    phone.assert_accessible()

    # --- the conversation says so too, before anything is written -------------------------------------
    card.get_by_role("link", name=CANCER).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CANCER)
    status = page.locator("[data-team-status]")
    expect(status).to_contain_text("Closed")
    expect(status).to_contain_text(CLOSED_UNTIL)
    expect(status).to_contain_text("If you send a message now, we aim to reply by Tuesday at 5pm")
    expect(page.locator(".tl-compose__scope")).to_contain_text("The team is closed now.")
    expect_help_now(page)
    expect(page.locator(".tl-message")).to_have_count(0)
    phone.assert_accessible()

    # --- sends: "Sent" with the reply-by, and an automatic reply, without a reload -----------------------
    first = "I've had a headache since Thursday and paracetamol isn't helping much."
    page.get_by_label("Your message").fill(first)
    page.get_by_role("button", name="Send message").click()
    mine = page.locator(".tl-message", has_text=first)
    expect(mine.locator(".tl-message__state")).to_have_text(f"Sent · {REPLY_BY}")
    expect(status).to_contain_text("We aim to reply to you by Tuesday at 5pm")  # now it is owed
    auto = page.locator(".tl-message", has=page.locator(".tl-message__sender", has_text="Automatic reply"))
    expect(auto).to_have_count(1)
    check_auto_reply(auto)
    phone.assert_accessible()

    # --- ...and the same after a reload (what the server rendered) ---------------------------------------
    page.reload()
    expect(mine.locator(".tl-message__state")).to_have_text(f"Sent · {REPLY_BY}")
    expect(auto).to_have_count(1)
    check_auto_reply(auto)
    expect(page.locator(".tl-message").last).to_contain_text("Automatic reply")  # it answers the message
    phone.assert_accessible()

    # --- a second message in the same closed period: a reply-by, but no second automatic reply ------------
    second = "Also my temperature is 37.4, is that OK?"
    page.get_by_label("Your message").fill(second)
    page.get_by_role("button", name="Send message").click()
    expect(page.locator(".tl-message", has_text=second).locator(".tl-message__state")).to_have_text(f"Sent · {REPLY_BY}")
    expect(auto).to_have_count(1)
    page.reload()
    expect(page.locator(".tl-message")).to_have_count(3)
    expect(auto).to_have_count(1)
    expect(page.locator(".tl-message", has_text=second).locator(".tl-message__state")).to_have_text(f"Sent · {REPLY_BY}")
    phone.assert_accessible()

    assert [kind for kind, _ in stored(patient.team_id, patient.patient_id)] == ["patient", "auto", "patient"]


def test_the_team_lead_changes_the_hours_on_saturday_and_the_patient_sees_it(
        new_device: Any, stack: Any, saturday: str, cancer_hours_restored: str) -> None:
    team_id = cancer_hours_restored
    patient = stack.new_patient(CANCER, given_name="Idris", family_name="Penhale")
    lead, phone = new_device("tablet", base_url=saturday), new_device("phone", base_url=saturday)
    home = sign_in_patient(phone, patient.username, patient.password)
    patient_status = home.locator(".tl-team-card", has_text=CANCER).locator("[data-team-status]")
    expect(patient_status).to_contain_text("Closed")
    phone.assert_accessible()

    # --- the settings page, as patients see the team now ------------------------------------------------
    tab = sign_in_staff(lead, LEAD, stack.demo.password)
    lead.open(f"/staff/teams/{team_id}/settings")
    expect(tab.get_by_role("heading", level=1)).to_have_text(CANCER)
    now_shown = tab.locator("[data-team-status]")
    expect(now_shown).to_contain_text("Closed")
    expect(now_shown).to_contain_text(CLOSED_UNTIL)
    status_before = now_shown.inner_text()
    saturday_box = tab.get_by_label("Saturday", exact=True)
    expect(saturday_box).to_have_value("")
    expect(tab.get_by_label("Friday", exact=True)).to_have_value("09:00-17:00")
    lead.assert_accessible()

    # --- an overlapping window is refused: the error names the day, and nothing is saved ------------------
    saturday_box.fill("09:00-12:00, 11:30-13:00")
    tab.get_by_role("button", name="Save hours").click()
    summary = tab.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Saturday")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#hours_5")
    expect(tab.locator("#hours_5-error")).to_contain_text("Saturday")
    expect(saturday_box).to_have_value("09:00-12:00, 11:30-13:00")  # what they typed is kept to correct
    forget_refused_form(lead)
    lead.assert_accessible()
    lead.open(f"/staff/teams/{team_id}/settings")
    expect(now_shown).to_have_text(status_before)
    expect(saturday_box).to_have_value("")
    home.reload()
    expect(patient_status).to_contain_text("Closed")
    expect(patient_status).to_contain_text(CLOSED_UNTIL)

    # --- a valid change: Saturday morning hours. It is 10am on Saturday, so the team is open now ----------
    saturday_box.fill("09:00-13:00")
    tab.get_by_role("button", name="Save hours").click()
    expect(tab.get_by_role("status").filter(has_text="Saved")).to_contain_text("Patients see the change straight away")
    expect(now_shown).to_contain_text("Open now")
    expect(saturday_box).to_have_value("09:00-13:00")
    lead.assert_accessible()

    home.reload()
    expect(patient_status).to_contain_text("Open now")
    expect(patient_status).not_to_contain_text("Closed")
    phone.assert_accessible()
    phone.open(f"/p/teams/{team_id}")
    expect(phone.page.locator("[data-team-status]")).to_contain_text("Open now")
    expect(phone.page.locator(".tl-compose__scope")).not_to_contain_text("closed")
    phone.assert_accessible()
