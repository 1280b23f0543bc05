"""The team lead's Monday dashboard on a tablet, and the IG lead's date-range search of the audit log: axe clean."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "teamline-demo"


def sign_in(device: Any, stack: Any, email: str) -> Any:
    page = device.open("/staff/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


def test_the_leads_dashboard_on_a_tablet(new_device: Any, stack: Any) -> None:
    lead = new_device("tablet")
    page = sign_in(lead, stack, "priya.shah@northfield.nhs.uk")
    page.wait_for_url(f"{stack.url}/staff/teams/*")
    page.get_by_role("link", name="Workload").click()
    page.wait_for_url("**/dashboard")
    assert page.get_by_role("heading", level=2).first.inner_text().startswith("Workload: ")
    assert int(page.locator('[data-figure="messages_in"]').inner_text()) >= 2  # the demo's diabetes messages
    assert page.locator("svg.tl-chart").count() == 6  # four column charts, auto-replies, each clinician's load
    assert page.locator("svg.tl-chart").first.bounding_box()["width"] > 300  # drawn, at a tablet's width
    page.get_by_text("Show as a table").first.click()
    assert page.locator("#table-volume").is_visible()
    assert page.get_by_role("link", name="Download this table (CSV)").is_visible()
    lead.assert_accessible()
    page.get_by_role("link", name="Last week").click()
    page.wait_for_url("**/dashboard?week=*")
    lead.assert_accessible()


def test_the_ig_lead_searches_the_audit_log_by_a_date_range(new_device: Any, stack: Any) -> None:
    ig = new_device("tablet")
    page = sign_in(ig, stack, "iris.grant@northfield.nhs.uk")
    page.wait_for_url(f"{stack.url}/admin/audit")  # no team, no admin: the audit log is home
    ig.assert_accessible()
    today = stack.now.date()
    first: date = today - timedelta(days=3)
    for prefix, day in (("from", first), ("to", today)):
        page.locator(f"#{prefix}_day").fill(str(day.day))
        page.locator(f"#{prefix}_month").fill(str(day.month))
        page.locator(f"#{prefix}_year").fill(str(day.year))
    page.get_by_role("button", name="Search the audit log").click()
    page.wait_for_url("**/admin/audit?*")
    rows = page.locator("table.tl-audit tbody tr")
    assert rows.count() > 5
    text = page.locator("table.tl-audit").inner_text()
    assert "Sam Okafor replied to Maya Thompson for Young Adult Diabetes Service" in text
    assert "Iris Grant signed in" in text
    ig.assert_accessible()
