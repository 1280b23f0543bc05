"""Filing to the record over real HTTP: the export's objects land, encrypted, in the S3 of the moto server the
configuration names (spoken to over S3's wire protocol by ``chalice local``), and the downloads come back."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.support import records as record_support

pytestmark = pytest.mark.wire

DIABETES = "Young Adult Diabetes Service"


def test_filing_over_http_writes_encrypted_objects_to_the_s3_of_the_moto_server(web: Any, stack: Any) -> None:
    patient = stack.new_patient(DIABETES, given_name="Wren", family_name="Hughes")
    young = type(web)(stack.url)
    young.sign_in_patient(patient.username, patient.password)
    sent = young.post_json(f"/api/patient/teams/{patient.team_id}/messages",
                           {"client_id": str(uuid.uuid4()), "body": "Is my clinic still on Friday?"}, csrf=young.csrf())
    assert sent.status == 201

    web.sign_in_staff("priya.shah@northfield.nhs.uk", stack.demo.password)
    filed = web.post_json(f"/api/staff/teams/{patient.team_id}/conversations/{patient.patient_id}/record", {},
                          csrf=web.csrf())
    assert filed.status == 201, filed.text
    export = filed.json()
    objects = record_support.export_objects(stack.demo.trust_id, patient.team_id, patient.patient_id,
                                            export["export_id"])
    assert sorted(objects) == ["bundle.json", "manifest.json", "transcript.pdf"]
    assert {meta["ServerSideEncryption"] for meta in objects.values()} == {"AES256"}

    bundle = web.get(export["json_url"], Accept="application/fhir+json")
    assert bundle.status == 200
    texts = [e["resource"]["payload"][0]["contentString"] for e in json.loads(bundle.text)["entry"]
             if e["resource"]["resourceType"] == "Communication"]
    assert texts[0] == "Is my clinic still on Friday?"
