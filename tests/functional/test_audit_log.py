"""The audit log an IG lead reads: plain sentences with names and roles, the Trust's time, a date range,
a patient by NHS number or by name and date of birth, a staff member, a kind of event, a CSV download;
information governance and Trust admins only; every search and download is itself audited."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from chalicelib.models.audit import AuditEventType, audit_event, record, system
from chalicelib.models.team import TrustItem, get_trust
from scripts.world import NOW, send_as_patient
from tests.support import storage
from tests.support.http import error_summary_items, page_text


def _text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page_text(response)))


def _range(first, last) -> str:
    return urlencode({"from_day": first.day, "from_month": first.month, "from_year": first.year,
                      "to_day": last.day, "to_month": last.month, "to_year": last.year})


def _rows(response) -> list[str]:
    body = page_text(response)
    return re.findall(r'<tr data-event="([^"]+)">', body)


def test_an_ig_lead_reads_who_read_a_patients_conversation_in_plain_words(api, world):
    api.post(f"/api/patient/teams/{world.team_x}/messages", "patient_a",
             json_body={"client_id": str(uuid.uuid4()), "body": "private"})
    api.get(f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages", "clinician_x")
    api.post(f"/staff/teams/{world.team_x}/patients/{world.patients['patient_a']}/claim", "clinician_x", form={})
    page = api.get(f"/admin/audit?patient={world.patients['patient_a']}", "ig")
    assert page.status_code == 200
    text = " ".join(_text(page).split())
    assert "Carl Staff read Alice Patient's conversation with Team X Diabetes" in text
    assert "Carl Staff took Alice Patient's conversation with Team X Diabetes" in text
    assert "Alice Patient sent a message to Team X Diabetes" in text
    assert "clinician, Team X Diabetes" in text and "born Wed 1 Apr 2009" in text
    assert "Wed 25 Nov 2026, 10:30" in text  # London time (GMT in November)
    assert "private" not in text  # the log never holds message text
    assert "conversation.viewed" not in text and "{'" not in text and world.staff["clinician_x"] not in text


def test_times_are_in_the_trusts_own_timezone(api, world):
    get_trust(world.trust_id).update(actions=[TrustItem.timezone.set("Asia/Kolkata")])
    page = api.get(f"/admin/audit?staff={world.staff['lead_x']}", "admin")
    assert "Wed 25 Nov 2026, 16:00" in _text(page) and "Asia/Kolkata" in _text(page)


def test_a_date_range_finds_the_events_of_those_days_only(api, world, pinned_clock):
    for days_ago in (0, 1, 2, 40):
        record(audit_event(NOW - timedelta(days=days_ago), AuditEventType.CONVERSATION_OVERDUE, system(world.trust_id),
                           team_id=world.team_x, patient_id=world.patients["patient_b"]))
    kind = "&kind=conversation.overdue"
    two_days = api.get(f"/admin/audit?{_range((NOW - timedelta(days=2)).date(), (NOW - timedelta(days=1)).date())}{kind}",
                       "ig")
    assert two_days.status_code == 200 and _rows(two_days) == ["conversation.overdue"] * 2
    assert "Mon 23 Nov 2026 to Tue 24 Nov 2026" in _text(two_days)
    assert "Bob Patient's conversation with Team X Diabetes went past its reply-by time" in _text(two_days)
    today = api.get(f"/admin/audit?{kind[1:]}", "ig")  # no dates: today
    assert _rows(today) == ["conversation.overdue"]
    long_ago = (NOW - timedelta(days=40)).date()
    assert _rows(api.get(f"/admin/audit?{_range(long_ago, long_ago)}{kind}", "ig")) == ["conversation.overdue"]


def test_a_range_longer_than_31_days_or_backwards_or_not_a_date_is_refused_with_every_problem(api, world):
    too_long = api.get(f"/admin/audit?{_range(NOW.date() - timedelta(days=31), NOW.date())}", "ig")
    assert too_long.status_code == 400 and error_summary_items(too_long)[0][0] == "to_day"
    backwards = api.get(f"/admin/audit?{_range(NOW.date(), NOW.date() - timedelta(days=1))}", "ig")
    assert backwards.status_code == 400 and "same as or after the start" in _text(backwards)
    several = api.get("/admin/audit?from_day=31&from_month=2&from_year=2026&kind=nonsense&staff=zzz", "ig")
    assert several.status_code == 400
    assert [field for field, _ in error_summary_items(several)] == ["from_day", "kind", "staff"]
    assert api.get(f"/admin/audit?{_range(NOW.date() - timedelta(days=30), NOW.date())}", "ig").status_code == 200


def test_a_patient_is_found_by_name_and_date_of_birth_as_well_as_nhs_number(api, world):
    response = api.post(f"/api/staff/teams/{world.team_x}/invites", "lead_x", json_body={
        "given_name": "Nia", "family_name": "Jones", "date_of_birth": "2011-02-03", "nhs_number": "9434765919"})
    assert response.status_code == 201
    by_number = _text(api.get("/admin/audit?nhs_number=943+476+5919", "ig"))
    assert "Lena Staff invited Nia Jones to join Team X Diabetes" in " ".join(by_number.split())
    by_name = api.get("/admin/audit?family_name=patient&given_name=al&dob_day=1&dob_month=4&dob_year=2009", "ig")
    assert by_name.status_code == 200 and "Showing events about Alice Patient (born Wed 1 Apr 2009)" in " ".join(
        _text(by_name).split())
    wrong_birthday = api.get("/admin/audit?family_name=Patient&dob_day=2&dob_month=4&dob_year=2009", "ig")
    assert wrong_birthday.status_code == 404 and "name and date of birth" in _text(wrong_birthday)
    missing = api.get("/admin/audit?family_name=&dob_day=1", "ig")
    assert missing.status_code == 400
    assert [field for field, _ in error_summary_items(missing)] == ["family_name", "dob_day"]
    assert api.get("/admin/audit?nhs_number=4010232137", "ig").status_code == 404


def test_events_by_one_staff_member_and_of_one_kind(api, world):
    send_as_patient(world, "patient_a", "hello", NOW)
    api.get(f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages", "lead_x")
    by_lead = api.get(f"/admin/audit?staff={world.staff['lead_x']}", "ig")
    assert set(_rows(by_lead)) == {"conversation.viewed", "patient.invited"}
    views = api.get(f"/admin/audit?staff={world.staff['lead_x']}&kind=conversation.viewed", "ig")
    assert _rows(views) == ["conversation.viewed"]
    assert "team lead, Team X Diabetes" in _text(views)


def test_many_events_page_across_days_without_repeats(api, world):
    for n in range(60):  # 60 events over the last 3 days, all of one kind
        record(audit_event(NOW - timedelta(hours=n), AuditEventType.CONVERSATION_OVERDUE, system(world.trust_id),
                           team_id=world.team_x, patient_id=world.patients["patient_a"]))
    query = f"{_range(NOW.date() - timedelta(days=3), NOW.date())}&kind=conversation.overdue"
    first = api.get(f"/admin/audit?{query}", "ig")
    assert len(_rows(first)) == 50
    older = re.search(r'href="/admin/audit\?([^"]*cursor=[^"]*)"', page_text(first)).group(1)
    second = api.get(f"/admin/audit?{html.unescape(older)}", "ig")
    assert len(_rows(second)) == 10 and "Older events" not in page_text(second)
    assert api.get("/admin/audit?cursor=2020-01-01.", "ig").status_code == 400


def test_the_download_holds_what_the_search_found_and_is_audited(api, world):
    send_as_patient(world, "patient_a", "hello", NOW)
    api.get(f"/api/staff/teams/{world.team_x}/conversations/{world.patients['patient_a']}/messages", "clinician_x")
    query = f"patient={world.patients['patient_a']}"
    shown = _rows(api.get(f"/admin/audit?{query}", "ig"))
    download = api.get(f"/admin/audit/export?{query}", "ig")
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("text/csv")
    assert download.headers["Content-Disposition"] == 'attachment; filename="audit-2026-11-25-to-2026-11-25.csv"'
    rows = list(csv.reader(io.StringIO(page_text(download))))
    assert rows[0] == ["When", "What happened", "Who", "Their role", "Patient", "Patient's date of birth", "Team",
                       "Kind"]
    assert len(rows) - 1 == len(shown) + 1 >= 4  # and the search just made, which looked at this patient's trail
    assert ["Iris Governance searched the audit log", "Iris Governance", "information governance"] in [r[1:4] for r in rows]
    assert ["2026-11-25T10:30:00+00:00", "Carl Staff read Alice Patient's conversation with Team X Diabetes",
            "Carl Staff", "clinician, Team X Diabetes", "Alice Patient", "Wed 1 Apr 2009", "Team X Diabetes",
            "Conversation read"] in rows
    exported = [e for e in storage.audit_by_staff(world.staff["ig"]) if e.event_type == "audit.exported"]
    assert len(exported) == 1 and exported[0].detail["rows"] == len(shown) + 1
    assert exported[0].patient_id == world.patients["patient_a"]


def test_only_information_governance_and_trust_admins_read_the_log_and_reading_it_is_audited(api, world):
    for persona, status in (("anonymous", 302), ("patient_a", 403), ("clinician_x", 403), ("lead_x", 403)):
        assert api.get("/admin/audit", persona).status_code == status
        assert api.get("/admin/audit/export", persona).status_code == status
    assert api.get("/admin/audit?patient=not-an-id", "ig").status_code == 404
    assert api.get("/admin/audit", "ig").status_code == 200
    assert api.get("/admin/audit", "admin").status_code == 200
    reads = [e for e in storage.audit_by_staff(world.staff["ig"]) if e.event_type == "audit.viewed"]
    assert len(reads) == 1
