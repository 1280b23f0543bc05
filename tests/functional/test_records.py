"""Filing to the clinical record: exports, what they hold, who may take them, and what the patient sees."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from pynamodb.attributes import UnicodeAttribute

from chalicelib.models import keys
from chalicelib.models.base import MainItem
from scripts.world import reply_as_staff, send_as_patient
from tests.support import records as record_support
from tests.support import storage
from tests.support.http import body_json, page_text


class NoteLikeItem(MainItem, discriminator="test_internal_note"):
    """Stands for any item of another kind kept among a conversation's messages (an internal note)."""

    body = UnicodeAttribute()


def _record_path(world, patient="patient_a"):
    return f"/staff/teams/{world.team_x}/patients/{world.patients[patient]}/record"


def _file(api, world, as_="clinician_x", patient="patient_a", **period):
    return api.post(f"/api/staff/teams/{world.team_x}/conversations/{world.patients[patient]}/record", as_,
                    json_body=period)


def _pdf(api, url, as_="clinician_x"):
    """Download as a browser does: a binary response needs an Accept header that takes it."""
    return api.get(url, as_, headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})


def _talk(world, clock, *texts):
    """Patient A and clinician X take turns; the clock moves a minute per message."""
    for i, text in enumerate(texts):
        clock.set(clock.now() + timedelta(minutes=1))
        if i % 2 == 0:
            send_as_patient(world, "patient_a", text, clock.now())
        else:
            reply_as_staff(world, "clinician_x", "patient_a", text, clock.now())


def test_filing_takes_every_unfiled_message_marks_them_filed_and_audits_it(api, world, pinned_clock):
    _talk(world, pinned_clock, "My sugars are high at night", "Let's look at your basal dose", "Thank you")
    response = _file(api, world)
    assert response.status_code == 201
    export = body_json(response)
    assert export["messages"] == 3 and export["ready"] is True
    conv = storage.conversation(world.team_x, world.patients["patient_a"])
    assert conv.unfiled_since is None and conv.gsi9pk is None  # out of the unfiled queue
    stored = storage.messages(world.team_x, world.patients["patient_a"])
    assert all(record_support.is_filed(conv, m) for m in stored)
    filed = [e for e in storage.audit_by_staff(world.staff["clinician_x"]) if e.event_type == "record.filed"]
    assert len(filed) == 1 and filed[0].detail["export_id"] == export["export_id"] and filed[0].detail["messages"] == 3


def test_the_bundle_parses_back_with_fhir_resources_and_holds_every_message_in_order(api, world, pinned_clock):
    from fhir.resources.R4B.bundle import Bundle

    _talk(world, pinned_clock, "First", "Second", "Third ❤️ with a heart")
    export = body_json(_file(api, world))
    response = api.get(export["json_url"], "clinician_x")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(page_text(response))
    communications = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Communication"]
    assert [c.payload[0].contentString for c in communications] == ["First", "Second", "Third ❤️ with a heart"]
    assert communications[1].inResponseTo[0].reference == bundle.entry[[e.resource for e in bundle.entry].index(
        communications[0])].fullUrl
    patient = next(e.resource for e in bundle.entry if e.resource.get_resource_type() == "Patient")
    assert patient.birthDate.isoformat() == "2009-04-01"


def test_automatic_replies_are_filed_and_marked_as_automatic(api, world, pinned_clock):
    saturday = pinned_clock.now() + timedelta(days=3)  # the world's teams are closed at weekends
    send_as_patient(world, "patient_a", "Is anyone there?", saturday)
    export = body_json(_file(api, world))
    pdf_text = record_support.pdf_text(_pdf(api, export["pdf_url"]).body)
    assert "Is anyone there?" in pdf_text
    assert "Automatic reply: sent by Teamline, not written or read by a person" in pdf_text
    bundle = json.loads(page_text(api.get(export["json_url"], "clinician_x")))
    kinds = [e["resource"]["category"][0]["coding"][0]["code"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "Communication"]
    assert kinds == ["patient-message", "automatic-reply"]


def test_filing_again_takes_only_the_new_messages_and_nothing_new_is_a_409(api, world, pinned_clock):
    _talk(world, pinned_clock, "One", "Two")
    first = body_json(_file(api, world))
    again = _file(api, world)
    assert again.status_code == 409
    _talk(world, pinned_clock, "Three")
    second = body_json(_file(api, world))
    assert (first["messages"], second["messages"]) == (2, 1)
    bundle = json.loads(page_text(api.get(second["json_url"], "clinician_x")))
    texts = [e["resource"]["payload"][0]["contentString"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "Communication"]
    assert texts == ["Three"]
    # The chain goes on from the message filed before, by its identifier.
    first_reply = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Communication")
    assert first_reply["inResponseTo"][0]["identifier"]["system"] == "urn:teamline:message-id"


def test_a_date_range_files_only_that_period_and_the_rest_stays_unfiled(api, world, pinned_clock):
    day = pinned_clock.now().date().isoformat()
    send_as_patient(world, "patient_a", "Last week", pinned_clock.now())
    pinned_clock.set(pinned_clock.now() + timedelta(days=7))
    send_as_patient(world, "patient_a", "Today", pinned_clock.now())
    export = body_json(_file(api, world, start=day, end=day))
    assert export["messages"] == 1
    conv = storage.conversation(world.team_x, world.patients["patient_a"])
    filed = {m.body: record_support.is_filed(conv, m) for m in storage.messages(world.team_x, world.patients["patient_a"])}
    assert filed == {"Last week": True, "Today": False}
    assert conv.unfiled_since == pinned_clock.now()


def test_a_backwards_date_range_is_refused_and_files_nothing(api, world, pinned_clock):
    _talk(world, pinned_clock, "Hello")
    response = _file(api, world, start="2026-11-25", end="2026-11-01")
    assert response.status_code == 400 and body_json(response)["error"]["field"] == "end"
    assert storage.conversation(world.team_x, world.patients["patient_a"]).filed_ranges is None


def test_an_item_of_another_kind_among_the_messages_never_reaches_an_export(api, world, pinned_clock):
    _talk(world, pinned_clock, "Before the note")
    note_at = pinned_clock.now() + timedelta(seconds=30)
    NoteLikeItem(keys.conversation_pk(world.team_x, world.patients["patient_a"]),
                 keys.message_sk(note_at, "0" * 26), body="INTERNAL NOTE: not for the record").save()
    _talk(world, pinned_clock, "ignored turn", "After the note")
    export = body_json(_file(api, world))
    for url in (export["json_url"], export["url"]):
        assert "INTERNAL NOTE" not in page_text(api.get(url, "clinician_x"))
    assert "INTERNAL NOTE" not in record_support.pdf_text(_pdf(api, export["pdf_url"]).body)


def test_every_download_is_audited_with_its_format(api, world, pinned_clock):
    _talk(world, pinned_clock, "Please file me")
    export = body_json(_file(api, world))
    for url in (export["url"], export["pdf_url"], export["json_url"]):
        assert _pdf(api, url, "lead_x").status_code == 200
    downloads = [e for e in storage.audit_by_staff(world.staff["lead_x"]) if e.event_type == "record.downloaded"]
    assert sorted(e.detail["format"] for e in downloads) == ["html", "json", "pdf"]
    assert {e.detail["export_id"] for e in downloads} == {export["export_id"]}
    assert all(e.patient_id == world.patients["patient_a"] for e in downloads)


def test_the_pdf_has_the_patients_details_and_numbered_pages(api, world, pinned_clock):
    _talk(world, pinned_clock, *[f"Message number {i}" for i in range(40)])
    export = body_json(_file(api, world))
    response = _pdf(api, export["pdf_url"])
    assert response.headers["Content-Type"] == "application/pdf"
    text = record_support.pdf_text(response.body)
    for expected in ("Alice Patient", "1 April 2009", "Team X Diabetes", "Message number 0", "Message number 39",
                     "Page 1 of", "Carl Staff (Specialist nurse)"):
        assert expected in text, expected
    assert text.index("Message number 0") < text.index("Message number 39")


def test_export_objects_land_encrypted_in_the_bucket_with_a_manifest(api, world, pinned_clock):
    _talk(world, pinned_clock, "Encrypt me")
    export = body_json(_file(api, world))
    objects = record_support.export_objects(world.trust_id, world.team_x, world.patients["patient_a"], export["export_id"])
    assert sorted(objects) == ["bundle.json", "manifest.json", "transcript.pdf"]
    assert all(meta["ServerSideEncryption"] == "AES256" for meta in objects.values())
    manifest = json.loads(record_support.export_object(world.trust_id, world.team_x, world.patients["patient_a"],
                                                       export["export_id"], "manifest.json"))
    assert manifest["messages"] == 1 and manifest["patient"]["date_of_birth"] == "2009-04-01"


def test_the_patient_sees_which_messages_were_added_to_their_record(api, world, pinned_clock):
    _talk(world, pinned_clock, "Filed one")
    _file(api, world)
    _talk(world, pinned_clock, "Not yet filed")
    page = page_text(api.get(f"/p/teams/{world.team_x}", "patient_a"))
    assert page.count("Added to your health record") == 1
    data = body_json(api.get(f"/api/patient/teams/{world.team_x}/messages", "patient_a"))
    assert {m["body"]: m["filed"] for m in data["messages"]} == {"Filed one": True, "Not yet filed": False}


def test_a_message_arriving_while_filing_is_never_marked_filed_unseen(world, pinned_clock):
    from chalicelib.services import filing

    _talk(world, pinned_clock, "Before")
    sr = record_support.staff_record(world, "clinician_x", "patient_a", pinned_clock.now())  # loaded now...
    _talk(world, pinned_clock, "While the clinician looked away")  # ...then a message lands
    export = filing.do_file_conversation(sr, pinned_clock.now())
    assert export.message_count == 2  # planned again with the new message
    conv = storage.conversation(world.team_x, world.patients["patient_a"])
    assert all(record_support.is_filed(conv, m) for m in storage.messages(world.team_x, world.patients["patient_a"]))


def test_a_large_export_is_made_by_the_job_and_downloads_wait_until_then(api, world, pinned_clock):
    from chalicelib.services import filing

    _talk(world, pinned_clock, "One", "Two", "Three")
    sr = record_support.staff_record(world, "clinician_x", "patient_a", pinned_clock.now())
    export = filing.do_file_conversation(sr, pinned_clock.now(), make_now_limit=2)
    base = f"{_record_path(world)}/{export.export_id}"
    assert _pdf(api, f"{base}/transcript.pdf").status_code == 409
    assert "Being prepared" in page_text(api.get(_record_path(world), "clinician_x"))
    assert filing.make_pending(pinned_clock.now()) == 1
    assert _pdf(api, f"{base}/transcript.pdf").status_code == 200
    assert filing.make_pending(pinned_clock.now()) == 0


@pytest.mark.parametrize("persona, status", [("clinician_y", 404), ("admin", 404), ("patient_a", 403)])
def test_nobody_outside_the_team_can_file_or_take_an_export(api, world, pinned_clock, persona, status):
    _talk(world, pinned_clock, "Private")
    export = body_json(_file(api, world))
    for url in (export["url"], export["pdf_url"], export["json_url"], _record_path(world)):
        assert _pdf(api, url, persona).status_code == status, url
    assert _file(api, world, as_=persona).status_code == (401 if persona == "anonymous" else status)
    assert not [e for e in storage.audit_about_patient(world.patients["patient_a"])
                if e.event_type == "record.downloaded"]


def test_an_export_of_another_conversation_cannot_be_reached_through_this_one(api, world, pinned_clock):
    _talk(world, pinned_clock, "Alice's words")
    export = body_json(_file(api, world))
    other = f"{_record_path(world, 'patient_b')}/{export['export_id']}/bundle.json"
    assert api.get(other, "clinician_x").status_code == 404
    assert api.get(f"{_record_path(world)}/not-an-id/bundle.json", "clinician_x").status_code == 404


def test_the_filing_form_files_and_shows_the_transcript(api, world, pinned_clock):
    _talk(world, pinned_clock, "From the form")
    response = api.post(_record_path(world), "clinician_x", form={"period": "all"})
    assert response.status_code == 303
    page = page_text(api.get(response.headers["Location"], "clinician_x"))
    assert "From the form" in page and "NHS number" in page


def test_the_form_shows_a_clear_error_for_a_bad_date_and_files_nothing(api, world, pinned_clock):
    _talk(world, pinned_clock, "Hello")
    response = api.post(_record_path(world), "clinician_x", form={"period": "range", "start": "yesterday"})
    assert response.status_code == 400
    assert "Enter a real date" in page_text(response)
    assert storage.conversation(world.team_x, world.patients["patient_a"]).filed_ranges is None


def test_pdf_bytes_are_a_pdf(api, world, pinned_clock):
    _talk(world, pinned_clock, "Bytes")
    export = body_json(_file(api, world))
    body = _pdf(api, export["pdf_url"]).body
    assert io.BytesIO(body).read(5) == b"%PDF-"


def test_the_daily_reminder_counts_conversations_left_unfiled_and_the_lead_sees_them(api, world, pinned_clock):
    from chalicelib.api import jobs

    _talk(world, pinned_clock, "Waiting to be filed")
    assert jobs.remind_unfiled() == 0  # not yet 14 days
    pinned_clock.set(pinned_clock.now() + timedelta(days=15))
    assert jobs.remind_unfiled() == 1
    assert storage.team(world.team_x).unfiled_count == 1
    reminders = [e for e in _team_audit(world) if e.event_type == "record.unfiled_reminder"]
    assert reminders and reminders[-1].detail["leads"] == [world.staff["lead_x"]]
    assert "1 conversation has messages waiting to be filed" in page_text(api.get(f"/staff/teams/{world.team_x}", "lead_x"))
    queue = page_text(api.get(f"/staff/teams/{world.team_x}/unfiled", "clinician_x"))
    assert "Alice Patient" in queue and "Bob Patient" not in queue
    _file(api, world)  # filing takes it off the queue and the count at once
    assert storage.team(world.team_x).unfiled_count == 0
    assert "Alice Patient" not in page_text(api.get(f"/staff/teams/{world.team_x}/unfiled", "clinician_x"))


def _team_audit(world):
    from chalicelib.models.audit import AuditEvent
    from chalicelib.models.keys import audit_actor

    return [e for e in AuditEvent.by_actor.query(audit_actor("system", None)) if e.team_id == world.team_x]


def test_the_lead_sets_after_how_many_days_unfiled_messages_are_flagged(api, world, pinned_clock):
    path = f"/staff/teams/{world.team_x}/unfiled"
    assert api.post(path, "lead_x", form={"days": "3"}).status_code == 303
    assert storage.team(world.team_x).unfiled_after_days == 3
    refused = api.post(path, "lead_x", form={"days": "0"})
    assert refused.status_code == 400 and "Choose between 1 and 90 days" in page_text(refused)
    assert api.post(path, "clinician_x", form={"days": "5"}).status_code == 403
    assert storage.team(world.team_x).unfiled_after_days == 3
    changed = [e for e in storage.audit_by_staff(world.staff["lead_x"]) if e.event_type == "team.unfiled_setting_changed"]
    assert [e.detail["days"] for e in changed] == [3]


def test_the_trust_admin_sets_retention_within_the_codes_minimum(api, world):
    assert api.post("/admin/retention", "admin", form={"years": "10"}).status_code == 303
    too_short = api.post("/admin/retention", "admin", form={"years": "5"})
    assert too_short.status_code == 400 and "at least 8" in page_text(too_short)
    from chalicelib.models.team import get_trust

    assert get_trust(world.trust_id).retention_years == 10
    assert "10 years" in page_text(api.get("/admin/retention", "admin"))
    changed = [e for e in storage.audit_by_staff(world.staff["admin"]) if e.event_type == "trust.retention_changed"]
    assert [(e.detail["years"], e.detail["was"]) for e in changed] == [(10, 8)]


def test_the_records_libraries_load_only_when_an_export_is_made():
    """Cold start: importing the app (what every route pays) loads neither FHIR, PDF nor S3 code."""
    import subprocess
    import sys

    code = ("import sys, app\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'fhir', 'fhir_core', 'fpdf', 'fontTools', 'PIL',"
            " 'boto3', 'pypdf'})\n"
            "print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**__import__("os").environ, "TEAMLINE_STAGE": "test"})
    assert result.stdout.strip() == "[]"
