"""The audit log: searched by date range, patient, staff member and kind of event; downloaded as CSV.

Read by the Trust's information governance lead and by Trust admins. Every search and every download
is itself audited.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from chalice import Blueprint

from chalicelib.access import access_audit_reader
from chalicelib.errors import TeamlineError
from chalicelib.services import audit_log, audit_names, audit_words
from chalicelib.web.responses import Page, Raw
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)
DATES = tuple(f"{which}_{part}" for which in ("from", "to") for part in ("day", "month", "year"))
PATIENT = ("patient", "nhs_number", "family_name", "given_name", "dob_day", "dob_month", "dob_year")
QUERY = (*DATES, "kind", "staff", *PATIENT, "cursor")
CSV_HEADINGS = ("When", "What happened", "Who", "Their role", "Patient", "Patient's date of birth", "Team", "Kind")


def _query(req: RequestContext) -> dict[str, str]:
    return {name: (req.query(name) or "").strip() for name in QUERY}


def _searched(search: audit_log.Search) -> dict[str, str]:
    """The query that repeats a search exactly (dates filled in, the patient by id)."""
    values = {"from_day": str(search.first.day), "from_month": str(search.first.month),
              "from_year": str(search.first.year), "to_day": str(search.last.day), "to_month": str(search.last.month),
              "to_year": str(search.last.year), "kind": search.event_type or "", "staff": search.staff_id or "",
              "patient": search.patient_id or ""}
    return {k: v for k, v in values.items() if v}


@route(bp, "/admin/audit", auth="audit", query=QUERY,
       summary="The audit log: a date range, a patient, a staff member, a kind of event (audited)")
def audit(req: RequestContext) -> Page:
    reader = access_audit_reader(req).actor
    query = _query(req)
    context: dict[str, Any] = {"values": query, "staff": audit_log.staff_choices(reader), "kinds": audit_words.kinds()}
    try:
        search = audit_log.parse_search(reader, query, audit_log.local_today(req.now, reader.trust_id))
        page = audit_log.search_log(req.now, reader, search, cursor=query["cursor"] or None)
    except TeamlineError as error:
        return Page("admin/audit.html", {**context, "error": error, "events": None}, status=error.status)
    searched = _searched(search)
    rows = [audit_names.row(e, page.names, page.timezone) for e in page.events]
    patient = page.names.patients.get(search.patient_id or "")
    return Page("admin/audit.html", {
        **context, "values": {**query, **searched}, "events": rows, "timezone": page.timezone,
        "range": {"first": audit_names.date_text(search.first), "last": audit_names.date_text(search.last)},
        "patient": {"name": patient.display_name, "born": audit_names.date_text_iso(patient.date_of_birth)}
        if patient else None,
        "search_query": urlencode(searched),
        "older": urlencode({**searched, "cursor": page.next_cursor}) if page.next_cursor else None,
    })


@route(bp, "/admin/audit/export", kind="download", auth="audit", query=QUERY,
       summary="Download the events a search finds as CSV (up to 5,000; the download is audited)")
def export(req: RequestContext) -> Page | Raw:
    import csv
    import io

    reader = access_audit_reader(req).actor
    query = _query(req)
    try:
        search = audit_log.parse_search(reader, query, audit_log.local_today(req.now, reader.trust_id))
    except TeamlineError as error:
        return Page("admin/audit.html", {"values": query, "staff": audit_log.staff_choices(reader),
                                         "kinds": audit_words.kinds(), "error": error, "events": None},
                    status=error.status)
    page = audit_log.export_log(req.now, reader, search)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADINGS)
    for event in page.events:
        r = audit_names.row(event, page.names, page.timezone)
        writer.writerow([r["when_iso"], r["what"], r["who"], r["who_role"], r["patient"], r["patient_born"],
                         r["team"], r["kind"]])
    name = f"audit-{search.first.isoformat()}-to-{search.last.isoformat()}.csv"
    return Raw(out.getvalue(), "text/csv; charset=utf-8", headers={"Content-Disposition": f'attachment; filename="{name}"'})
