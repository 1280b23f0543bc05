"""Team safety settings and the Trust's urgent lines through the real app: the lead's lines shown first next to the
compose box, in auto-replies and on the offline page; red-flag words checked and saved; only the lead (or a Trust
admin) changes them; bad input changes nothing."""

from __future__ import annotations

import html
import json
import uuid
from datetime import UTC, datetime

from scripts.world import send_as_patient
from tests.support import storage
from tests.support.http import body_json, error_summary, page_text

LINE = {"line_0_name": "Diabetes out-of-hours line", "line_0_phone": "020 7946 0777",
        "line_0_when": "evenings and weekends"}
TRUST = {"line_0_name": "Northfield crisis line", "line_0_phone": "0800 952 0000"}
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _settings(api, world, part: str, persona: str, form: dict[str, str]):
    return api.post(f"/staff/teams/{world.team_x}/safety/{part}", persona, form=form)


def test_the_leads_lines_come_first_next_to_the_compose_box_and_in_every_auto_reply(api, world):
    before = storage.team(world.team_x).policy_version
    assert _settings(api, world, "lines", "lead_x", LINE).status_code == 303
    assert storage.team(world.team_x).policy_version == before + 1
    assert storage.team(world.team_x).safety["lines"] == [{"name": LINE["line_0_name"], "phone": "020 7946 0777",
                                                           "when": "evenings and weekends"}]
    page = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    help_now = page[page.index('id="help-now-heading"'):]
    assert help_now.index("Diabetes out-of-hours line") < help_now.index("999") < help_now.index("Samaritans")
    assert 'href="tel:02079460777"' in help_now
    reply = send_as_patient(world, "patient_a", "A question for Monday", SATURDAY).auto_reply
    assert reply is not None and reply.auto_kind == "out_of_hours"
    assert reply.body.index("020 7946 0777") < reply.body.index("999")
    events = [e for e in storage.audit_by_staff(world.staff["lead_x"]) if e.event_type == "team.safety_changed"]
    assert events[-1].detail == {"part": "lines", "lines": 1}


def test_a_clinician_sees_the_settings_but_cannot_change_them(api, world):
    page = page_text(api.get(f"/staff/teams/{world.team_x}/safety", "clinician_x"))
    assert "Only the team lead can change these settings" in page
    before = storage.team(world.team_x).policy_version
    for part, form in (("lines", LINE), ("red-flags", {"preset_breathing": "yes"}), ("limits", {"on_call": "yes"})):
        assert _settings(api, world, part, "clinician_x", form).status_code == 403
    assert storage.team(world.team_x).policy_version == before and storage.team(world.team_x).safety is None


def test_bad_lines_and_bad_words_are_refused_naming_the_field_and_nothing_is_saved(api, world):
    bad_phone = _settings(api, world, "lines", "lead_x", {**LINE, "line_0_phone": "ring me"})
    assert bad_phone.status_code == 400 and "digits" in (error_summary(bad_phone) or "")
    assert 'href="#line_0_phone"' in page_text(bad_phone)
    bad_phrase = _settings(api, world, "red-flags", "lead_x", {"phrases": "port site\nfe*", "advice": "Ring us"})
    assert bad_phrase.status_code == 400 and "fe*" in (error_summary(bad_phrase) or "")
    bad_limit = _settings(api, world, "limits", "lead_x", {"daily_new_limit": "lots"})
    assert bad_limit.status_code == 400
    assert storage.team(world.team_x).safety is None


def test_the_teams_own_words_are_flagged_with_its_own_advice(api, world):
    form = {"preset_breathing": "yes", "phrases": "pump ... not working|broken", "advice": "A broken pump needs help."}
    assert _settings(api, world, "red-flags", "lead_x", form).status_code == 303
    stored = storage.team(world.team_x).safety
    assert stored["presets"] == ["breathing"] and stored["phrases"] == ["pump ... not working|broken"]
    response = api.post(f"/api/patient/teams/{world.team_x}/messages", "patient_a",
                        json_body={"client_id": str(uuid.uuid4()), "body": "my pump is not working"})
    assert body_json(response)["auto_reply"]["body"].startswith("A broken pump needs help. Call NHS 111 now")
    page = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    compiled = json.loads(html.unescape(page.split('data-red-flags="', 1)[1].split('"', 1)[0]))
    assert "condition.team" in compiled["categories"] and "crisis.suicide" in compiled["categories"]
    assert "A broken pump needs help." in page  # the panel's text for the team's own words


def test_a_trust_admin_sets_lines_every_team_shows_and_a_new_team_starts_with_them(api, world):
    assert api.post("/admin/urgent-lines", "lead_x", form=TRUST).status_code == 403
    assert api.post("/admin/urgent-lines", "admin", form={"line_0_name": "x", "line_0_phone": "?"}).status_code == 400
    versions = {t: storage.team(t).policy_version for t in (world.team_x, world.team_y)}
    assert api.post("/admin/urgent-lines", "admin", form=TRUST).status_code == 303
    for team_id in (world.team_x, world.team_y):
        team = storage.team(team_id)
        assert team.trust_lines == [{"name": "Northfield crisis line", "phone": "0800 952 0000", "when": ""}]
        assert team.policy_version == versions[team_id] + 1
    assert "Northfield crisis line" in page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    assert "Northfield crisis line" in page_text(api.get("/admin/urgent-lines", "admin"))
    api.post("/admin/teams", "admin", form={"name": "Team Z Renal"})
    created = [t for t in storage.teams_of_trust(world.trust_id) if t.name == "Team Z Renal"][0]
    assert created.trust_lines == team.trust_lines


def test_the_offline_page_kept_on_a_patients_phone_has_their_teams_lines(api, world):
    _settings(api, world, "lines", "lead_x", LINE)
    page = page_text(api.get("/p/offline", "patient_a"))
    assert "Urgent numbers from Team X Diabetes" in page and "020 7946 0777" in page and "116 123" in page
    assert api.get("/p/offline", "clinician_x").status_code == 403
    assert "020 7946 0777" not in page_text(api.get("/offline"))  # the general page names no team
