"""A filed conversation as FHIR: a Bundle of Communication resources, built and validated with ``fhir.resources``.

The bundle (type ``collection``) holds the Patient (with the NHS number under the NHS number system
where Teamline knows it), the team as an Organization, each clinician who wrote as a Practitioner,
Teamline itself as a Device (the sender of automatic replies and notices), and one Communication per
message, oldest first:

* ``subject``: the Patient; ``sender``/``recipient``: the Patient, a Practitioner, the team or Teamline;
* ``sent``: when Teamline stored it; ``payload``: its exact text;
* ``inResponseTo``: the message before it in the conversation (a reference inside the bundle, or by
  identifier to a message filed in an earlier export), so the chain survives filing in parts;
* ``category``: patient message, clinician reply, automatic reply or Teamline notice, so an automatic
  reply is never mistaken for a clinician's words.

Internal notes are not messages and never reach here (``transcript.check_kinds`` refuses them).

``fhir.resources`` 8 ships FHIR R5 and R4B models, not R4 (4.0.1) itself; the bundle is validated with
the R4B models, which for every element Teamline writes (Bundle, Patient, Practitioner, Organization,
Device, Communication) are the same as R4's, so it is also a valid R4 bundle. It is imported only
here, when an export is made: the library and pydantic's model building cost ~0.25 s.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from chalicelib.domain.transcript import ExportContext, RecordMessage, check_kinds

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
#: Teamline's own identifiers and codes (URNs: no web address is implied or needed).
MESSAGE_SYSTEM = "urn:teamline:message-id"
PATIENT_SYSTEM = "urn:teamline:patient-id"
STAFF_SYSTEM = "urn:teamline:staff-id"
TEAM_SYSTEM = "urn:teamline:team-id"
EXPORT_SYSTEM = "urn:teamline:export-id"
KIND_SYSTEM = "urn:teamline:message-kind"
KINDS = {
    "patient": ("patient-message", "Message from the patient"),
    "staff": ("clinician-reply", "Reply from a clinician"),
    "auto": ("automatic-reply", "Automatic reply sent by Teamline, not written or read by a person"),
    "system": ("teamline-notice", "Notice posted by Teamline, not written by a person"),
}
_NAMESPACE = uuid.UUID("6f1f0c4e-6a53-4b0f-9a55-9b1b5e1d7c11")


def _urn(kind: str, key: str) -> str:
    """A stable ``urn:uuid`` for one thing in the bundle (the same export always gives the same bundle)."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}:{key}')}"


def _patient(ctx: ExportContext) -> dict[str, Any]:
    p = ctx.patient
    identifiers = [{"system": PATIENT_SYSTEM, "value": p.patient_id}]
    if p.nhs_number:
        identifiers.insert(0, {"system": NHS_NUMBER_SYSTEM, "value": p.nhs_number})
    return {"resourceType": "Patient", "identifier": identifiers,
            "name": [{"use": "official", "family": p.family_name, "given": [p.given_name], "text": p.name}],
            "birthDate": p.date_of_birth}


def _practitioner(staff_id: str, name: str) -> dict[str, Any]:
    return {"resourceType": "Practitioner", "identifier": [{"system": STAFF_SYSTEM, "value": staff_id}],
            "name": [{"text": name}]}


def bundle_dict(ctx: ExportContext, messages: Sequence[RecordMessage]) -> dict[str, Any]:
    """The bundle as plain data (validated by ``fhir_bundle``)."""
    check_kinds(messages)
    patient_ref = {"reference": _urn("patient", ctx.patient.patient_id), "display": ctx.patient.name}
    team_ref = {"reference": _urn("team", ctx.team_id), "display": ctx.team_name}
    device_ref = {"reference": _urn("device", "teamline"), "display": "Teamline"}
    entries: list[dict[str, Any]] = [
        {"fullUrl": patient_ref["reference"], "resource": _patient(ctx)},
        {"fullUrl": team_ref["reference"], "resource": {"resourceType": "Organization", "name": ctx.team_name,
                                                        "identifier": [{"system": TEAM_SYSTEM, "value": ctx.team_id}]}},
        {"fullUrl": device_ref["reference"], "resource": {"resourceType": "Device", "deviceName": [
            {"name": "Teamline", "type": "user-friendly-name"}]}},
    ]
    staff: dict[str, dict[str, str]] = {}
    for m in messages:
        if m.sender_kind == "staff" and m.sender_id and m.sender_id not in staff:
            staff[m.sender_id] = {"reference": _urn("staff", m.sender_id), "display": m.author}
            entries.append({"fullUrl": staff[m.sender_id]["reference"], "resource": _practitioner(m.sender_id, m.author)})
    previous: dict[str, Any] | None = (
        {"type": "Communication", "identifier": {"system": MESSAGE_SYSTEM, "value": ctx.previous_message_id}}
        if ctx.previous_message_id else None)
    for m in messages:
        senders = {"patient": patient_ref, "staff": staff.get(m.sender_id or "", team_ref)}
        sender = senders.get(m.sender_kind, device_ref)
        recipient = team_ref if m.sender_kind == "patient" else patient_ref
        code, display = KINDS[m.sender_kind]
        communication: dict[str, Any] = {
            "resourceType": "Communication",
            "identifier": [{"system": MESSAGE_SYSTEM, "value": m.message_id}],
            "status": "completed",
            "category": [{"coding": [{"system": KIND_SYSTEM, "code": code, "display": display}], "text": display}],
            "subject": patient_ref,
            "sent": m.sent_at.isoformat(),
            "sender": sender,
            "recipient": [recipient],
            "payload": [{"contentString": m.body}],
        }
        if previous is not None:
            communication["inResponseTo"] = [previous]
        url = _urn("message", m.message_id)
        entries.append({"fullUrl": url, "resource": communication})
        previous = {"reference": url}
    return {"resourceType": "Bundle", "identifier": {"system": EXPORT_SYSTEM, "value": ctx.export_id},
            "type": "collection", "timestamp": ctx.filed_at.isoformat(), "entry": entries}


def fhir_bundle(ctx: ExportContext, messages: Sequence[RecordMessage]) -> str:
    """The bundle as FHIR JSON, validated by ``fhir.resources`` (a ValueError if it were ever invalid).

    The bundle with its people is validated as a whole, and each Communication entry on its own: the same
    checks, but 5,000 validated models never sit in memory at once (the validated copies are dropped; the
    JSON is written from the data that passed). Writing it with fhir.resources' own serialiser would add
    2-3 s for 5,000 messages and gives the same JSON.
    """
    from fhir.resources.R4B.bundle import Bundle, BundleEntry  # imported only when an export is made

    data = bundle_dict(ctx, messages)
    people = [e for e in data["entry"] if e["resource"]["resourceType"] != "Communication"]
    Bundle.model_validate({**data, "entry": people})
    for entry in data["entry"][len(people):]:
        BundleEntry.model_validate(entry)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
