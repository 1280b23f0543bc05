"""Filing to the clinical record: the filing page, exports (transcript, PDF, FHIR bundle), the unfiled queue,
and the Trust's retention setting.

Handlers are thin: parse, ``access_*``, one service call, shape. Every read of an export is audited by
the service before anything is handed over.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.access import access_staff_record, access_staff_team, access_trust_admin
from chalicelib.errors import TeamlineError
from chalicelib.services import filing, records, retention
from chalicelib.web.responses import Json, Page, Raw, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)
BINARY_TYPES = ("application/pdf",)
RECORD = "/staff/teams/{team_id}/patients/{patient_id}/record"
FILE_SCHEMA = {"type": "object", "properties": {
    "start": {"type": "string", "format": "date", "description": "first day (team's local date); absent: from the first"},
    "end": {"type": "string", "format": "date", "description": "last day, included; absent: up to the last"}}}
EXPORT_SCHEMA = {"type": "object", "required": ["export_id", "messages", "ready"], "properties": {
    "export_id": {"type": "string"}, "messages": {"type": "integer"}, "ready": {"type": "boolean"},
    "filed_at": {"type": "string"}, "url": {"type": "string"}, "pdf_url": {"type": "string"},
    "json_url": {"type": "string"}}}


def _period(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("period", "range" if values.get("start") or values.get("end") else "all") == "all":
        return {"start": None, "end": None}
    return {"start": values.get("start"), "end": values.get("end")}


@route(bp, RECORD, auth="staff", summary="Filing to the clinical record: what is unfiled, and every export so far")
def record_page(req: RequestContext, team_id: str, patient_id: str) -> Page:
    return Page("staff/record.html", records.record_view(access_staff_record(req, team_id, patient_id), req.now))


@route(bp, RECORD, methods=("POST",), auth="staff",
       summary="File the conversation to the record: everything unfiled, or a date range (audited)")
def file_record(req: RequestContext, team_id: str, patient_id: str) -> Page | Redirect:
    sr = access_staff_record(req, team_id, patient_id)
    form = req.form()
    try:
        export = filing.do_file_conversation(sr, req.now, **_period(form))
    except TeamlineError as error:
        view = records.record_view(sr, req.now)
        return Page("staff/record.html", {**view, "error": error, "values": form}, status=error.status)
    return Redirect(f"/staff/teams/{team_id}/patients/{patient_id}/record/{export.export_id}")


@route(bp, "/api/staff/teams/{team_id}/conversations/{patient_id}/record", methods=("POST",), kind="api",
       auth="staff", summary="File the conversation to the record (everything unfiled, or start/end dates)",
       request_schema=FILE_SCHEMA, response_schema=EXPORT_SCHEMA, ok=(201,))
def file_record_json(req: RequestContext, team_id: str, patient_id: str) -> Json:
    sr = access_staff_record(req, team_id, patient_id)
    export = filing.do_file_conversation(sr, req.now, **_period(req.json()))
    return Json(records.export_summary(sr, export, req.now), status=201)


@route(bp, RECORD + "/{export_id}", auth="staff", summary="An export's printable transcript (audited)")
def export_page(req: RequestContext, team_id: str, patient_id: str, export_id: str) -> Page:
    return Page("staff/transcript.html",
                records.export_view(access_staff_record(req, team_id, patient_id, export_id), req.now))


def _download(req: RequestContext, team_id: str, patient_id: str, export_id: str, fmt: str) -> Raw:
    found = records.download(access_staff_record(req, team_id, patient_id, export_id), req.now, fmt)
    body: str | bytes = found.body if found.content_type in BINARY_TYPES else found.body.decode("utf-8")
    return Raw(body, found.content_type, headers={"Content-Disposition": f'attachment; filename="{found.filename}"'})


@route(bp, RECORD + "/{export_id}/transcript.pdf", auth="staff", summary="An export's transcript as PDF (audited)",
       tags=("download",))
def export_pdf(req: RequestContext, team_id: str, patient_id: str, export_id: str) -> Raw:
    return _download(req, team_id, patient_id, export_id, "pdf")


@route(bp, RECORD + "/{export_id}/bundle.json", auth="staff",
       summary="An export as a FHIR R4 Bundle of Communication resources (audited)", tags=("download",))
def export_bundle(req: RequestContext, team_id: str, patient_id: str, export_id: str) -> Raw:
    return _download(req, team_id, patient_id, export_id, "json")


@route(bp, "/staff/teams/{team_id}/unfiled", auth="staff",
       summary="Conversations with messages not filed to the record for more than the team's number of days")
def unfiled(req: RequestContext, team_id: str) -> Page:
    return Page("staff/unfiled.html", records.unfiled_view(access_staff_team(req, team_id), req.now))


@route(bp, "/staff/teams/{team_id}/unfiled", methods=("POST",), auth="lead",
       summary="Set after how many days unfiled messages are flagged (team lead)")
def set_unfiled_days(req: RequestContext, team_id: str) -> Page | Redirect:
    st = access_staff_team(req, team_id, lead=True)
    form = req.form()
    try:
        records.do_set_unfiled_days(st, req.now, form.get("days"))
    except TeamlineError as error:
        return Page("staff/unfiled.html", {**records.unfiled_view(st, req.now), "error": error, "values": form},
                    status=error.status)
    return Redirect(f"/staff/teams/{team_id}/unfiled?saved=1")


@route(bp, "/admin/retention", auth="admin", summary="The Trust's retention policy")
def retention_page(req: RequestContext) -> Page:
    return Page("admin/retention.html", retention.retention_view(access_trust_admin(req).actor, req.now))


@route(bp, "/admin/retention", methods=("POST",), auth="admin", summary="Set how long the Trust keeps filed messages")
def set_retention(req: RequestContext) -> Page | Redirect:
    actor = access_trust_admin(req).actor
    form = req.form()
    try:
        retention.do_set_retention(actor, req.now, form.get("years"))
    except TeamlineError as error:
        return Page("admin/retention.html", {**retention.retention_view(actor, req.now), "error": error,
                                             "values": form}, status=error.status)
    return Redirect("/admin/retention?saved=1")
