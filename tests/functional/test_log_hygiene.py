"""Logs never carry clinical content or secrets, and they are really written.

A whole journey runs with canaries planted in everything secret or clinical: the staff and patient
passwords, the NHS number, the invite code, the session tokens and the message texts. Every log
record (the "teamline" logger and the root logger, at DEBUG) and everything written to stdout and
stderr is then searched for them. The test also insists that the request lines were produced, so it
cannot pass just because nothing was logged.
"""

from __future__ import annotations

import io
import json
import logging
import re
import uuid

from chalicelib.logs import JsonFormatter
from scripts.world import give_password
from tests.support.http import page_text

STAFF_PASSWORD = "staff canary Kq83Zw"
PATIENT_PASSWORD = "patient canary Jx51Rv"
NHS_NUMBER = "9434765919"
MESSAGE = "CANARY-BODY-7d1f my sugar levels are all over the place"
REPLY = "CANARY-REPLY-2b9c let's adjust your dose"
WRONG_PASSWORD = "wrong canary Pz40Lm"


def _journey(new_browser, world) -> dict[str, str]:
    """Sign in, invite, join, send, reply (and a few failures on the way); return the secrets it used."""
    give_password(world, "clinician_x", STAFF_PASSWORD)
    staff = new_browser()
    staff.get("/staff/sign-in")
    staff.post("/staff/sign-in", {"email": "clinician_x@test.nhs.uk", "password": WRONG_PASSWORD})
    assert staff.staff_sign_in("clinician_x@test.nhs.uk", STAFF_PASSWORD).status_code == 303
    staff.get(f"/staff/teams/{world.team_x}/invites")
    invite = staff.post(f"/staff/teams/{world.team_x}/invites", {
        "given_name": "Canary", "family_name": "Patient", "dob_day": "27", "dob_month": "3", "dob_year": "2010",
        "nhs_number": NHS_NUMBER})
    assert invite.status_code == 200
    code = re.search(r"data-invite-code>([A-Z0-9-]+)<", page_text(invite)).group(1)

    patient = new_browser()
    patient.get(f"/join?code={code}")
    patient.post("/join", {"code": code, "dob_day": "28", "dob_month": "3", "dob_year": "2010"})  # a wrong birthday
    patient.post("/join", {"code": code, "dob_day": "27", "dob_month": "3", "dob_year": "2010"})
    joined = patient.post("/join/account", {"code": code, "dob_day": "27", "dob_month": "3", "dob_year": "2010",
                                            "agreement": "yes", "username": "canary.p", "password": PATIENT_PASSWORD,
                                            "confirm_password": PATIENT_PASSWORD})
    assert joined.status_code == 303
    patient.follow(joined)
    patient.get(f"/p/teams/{world.team_x}")
    sent = patient.post(f"/api/patient/teams/{world.team_x}/messages",
                        json_body={"client_id": str(uuid.uuid4()), "body": MESSAGE})
    assert sent.status_code == 201
    patient_id = json.loads(patient.get("/api/me").body)["id"]
    too_long = patient.post(f"/api/patient/teams/{world.team_x}/messages",
                            json_body={"client_id": str(uuid.uuid4()), "body": MESSAGE * 40})
    assert too_long.status_code == 400

    thread = f"/staff/teams/{world.team_x}/patients/{patient_id}"
    staff.get(thread)
    replied = staff.post(f"{thread}/messages", {"client_id": str(uuid.uuid4()), "body": REPLY})
    assert replied.status_code == 303
    patient.get(f"/p/teams/{world.team_x}")
    return {
        "staff password": STAFF_PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "patient password": PATIENT_PASSWORD,
        "NHS number": NHS_NUMBER,
        "invite code": code,
        "invite code (typed)": code.replace("-", ""),
        "staff session token": staff.session_cookie.split(".", 2)[2],
        "patient session token": patient.session_cookie.split(".", 2)[2],
        "staff anti-forgery token": staff.csrf,
        "patient anti-forgery token": patient.csrf,
        "message": "CANARY-BODY-7d1f",
        "reply": "CANARY-REPLY-2b9c",
        "patient name": "Canary Patient",
    }


def _everything_logged(caplog, capfd) -> list[str]:
    formatter = JsonFormatter()
    lines = []
    for record in caplog.records:
        lines.append(formatter.format(record))
        lines.append(logging.Formatter().format(record))  # message, args and any traceback
        lines.append(repr(record.__dict__))
    out, err = capfd.readouterr()
    return lines + out.splitlines() + err.splitlines()


def test_no_log_line_carries_message_text_passwords_tokens_codes_or_nhs_numbers(new_browser, world, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="teamline")
    secrets = _journey(new_browser, world)
    lines = _everything_logged(caplog, capfd)
    assert len(lines) > 20
    leaks = {name: [line[:200] for line in lines if value in line] for name, value in secrets.items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_each_request_is_logged_with_its_route_status_and_duration(new_browser, world, caplog):
    caplog.set_level(logging.INFO, logger="teamline")
    _journey(new_browser, world)
    requests = [getattr(r, "teamline_fields", {}) for r in caplog.records if r.getMessage() == "request"]
    assert len(requests) >= 15
    sent = [f for f in requests if f.get("route") == "/api/patient/teams/{team_id}/messages" and f.get("method") == "POST"]
    assert [f["status"] for f in sent] == [201, 400]
    assert all(isinstance(f["duration_ms"], float) and f["duration_ms"] >= 0 for f in requests)
    assert all(isinstance(f["round_trips"], int) for f in requests)
    assert {f["actor_kind"] for f in sent} == {"patient"}
    line = json.loads(JsonFormatter().format(next(r for r in caplog.records if r.getMessage() == "request")))
    assert {"level", "event", "route", "method", "status", "duration_ms"} <= set(line)


def test_request_lines_are_written_as_json_by_teamlines_handler(new_browser, world):
    # The handler was made at import with whatever sys.stderr was then; point it at a buffer for this test.
    handlers = [h for h in logging.getLogger("teamline").handlers if isinstance(h.formatter, JsonFormatter)]
    assert len(handlers) == 1 and isinstance(handlers[0], logging.StreamHandler)
    buffer = io.StringIO()
    previous = handlers[0].setStream(buffer)
    try:
        new_browser().get("/sign-in")
    finally:
        handlers[0].setStream(previous)
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert any(line.get("event") == "request" and line.get("route") == "/sign-in" and line.get("status") == 200
               and line.get("level") == "INFO" for line in lines), lines
