"""A GET never changes state because of a link on another site.

Issue: hardening, point 8. Opening a conversation marks the other side's messages read; a link from
another site, opened by a signed-in clinician (SameSite=Lax sends the cookie on a top-level
navigation), used to mark a patient's messages read. Now a GET marks read only when the browser says
the request came from Teamline's own pages or was typed (Sec-Fetch-Site: same-origin or none).
"""

from __future__ import annotations

import pytest

from scripts.world import NOW, reply_as_staff, send_as_patient
from tests.support import storage


@pytest.mark.parametrize("site", ["cross-site", "same-site", None])
def test_a_link_from_another_site_does_not_mark_a_patients_messages_read(api, world, site):
    patient_id = world.patients["patient_a"]
    send_as_patient(world, "patient_a", "Are you there?", NOW)
    headers = {"sec-fetch-site": site} if site else {"sec-fetch-site": ""}
    page = api.get(f"/staff/teams/{world.team_x}/patients/{patient_id}", "clinician_x", headers=headers)
    assert page.status_code == 200
    conv = storage.conversation(world.team_x, patient_id)
    assert conv.team_unread == 1 and conv.team_read_upto is None
    # The access is still audited: someone did open it.
    assert "conversation.viewed" in [e.event_type for e in storage.audit_about_patient(patient_id)]


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_opening_a_conversation_from_teamline_or_a_bookmark_marks_it_read(api, world, site):
    patient_id = world.patients["patient_a"]
    send_as_patient(world, "patient_a", "Are you there?", NOW)
    api.get(f"/staff/teams/{world.team_x}/patients/{patient_id}", "clinician_x", headers={"sec-fetch-site": site})
    assert storage.conversation(world.team_x, patient_id).team_unread == 0


def test_the_patients_side_is_the_same(api, world):
    patient_id = world.patients["patient_a"]
    reply_as_staff(world, "clinician_x", "patient_a", "How are you?", NOW)
    api.get(f"/p/teams/{world.team_x}", "patient_a", headers={"sec-fetch-site": "cross-site"})
    api.get(f"/api/patient/teams/{world.team_x}/messages", "patient_a", headers={"sec-fetch-site": "cross-site"})
    assert storage.conversation(world.team_x, patient_id).patient_unread == 1
    api.get(f"/p/teams/{world.team_x}", "patient_a")
    assert storage.conversation(world.team_x, patient_id).patient_unread == 0


def test_marking_read_explicitly_needs_a_same_origin_post_with_the_token(api, world):
    patient_id = world.patients["patient_a"]
    reply_as_staff(world, "clinician_x", "patient_a", "How are you?", NOW)
    cross = api.post(f"/api/patient/teams/{world.team_x}/read", "patient_a", json_body={},
                     headers={"sec-fetch-site": "cross-site"})
    assert cross.status_code == 403
    assert api.post(f"/api/patient/teams/{world.team_x}/read", "patient_a", json_body={}, csrf=False).status_code == 403
    assert storage.conversation(world.team_x, patient_id).patient_unread == 1
