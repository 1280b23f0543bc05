"""The team's patient list, page and JSON twin: a page at a time, in either order, or a search.

Both call ``services.patient_list.patient_list``; the page shows an unreadable search as an error
on the search box (with nothing listed), the JSON route as a 400.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.access import access_staff_team
from chalicelib.errors import ValidationError
from chalicelib.services import patient_list
from chalicelib.web.responses import Json, Page
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)

_QUERY = ("order", "q", "cursor")

_ROW: dict[str, Any] = {
    "type": "object",
    "required": ["name", "status", "status_text"],
    "properties": {
        "patient_id": {"type": ["string", "null"], "description": "null for a patient who has not joined yet"},
        "name": {"type": "string"},
        "date_of_birth": {"type": ["string", "null"], "format": "date"},
        "date_of_birth_text": {"type": ["string", "null"]},
        "nhs_number": {"type": ["string", "null"]},
        "nhs_number_text": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["joined", "invited", "discharged"]},
        "status_text": {"type": "string"},
        "discharged_at": {"type": ["string", "null"]},
        "invite_until": {"type": ["string", "null"], "description": "when the latest invitation's code stops working"},
        "invite_live": {"type": "boolean"},
        "last_message": {"type": ["object", "null"], "properties": {
            "preview": {"type": "string"}, "sender": {"type": ["string", "null"]}, "at": {"type": "string"},
            "at_text": {"type": "string"}}},
    },
}


@route(bp, "/staff/teams/{team_id}/patients", auth="staff", query=_QUERY,
       summary="The team's patients: newest activity first or by name, or found by name, date of birth or NHS number")
def patients(req: RequestContext, team_id: str) -> Page:
    st = access_staff_team(req, team_id)
    order, search, cursor = (req.query(name) for name in _QUERY)
    try:
        view = patient_list.patient_list(st, req.now, order=order, search=search, cursor=cursor)
    except ValidationError as error:
        # Only the search box can be corrected on the page; a bad link's error points at the page itself.
        shown = error if error.field == "q" else ValidationError(error.message)
        context = {**patient_list.empty_view(st), "search": {"kind": None, "text": search or ""}, "error": shown}
        return Page("staff/patients.html", context, status=error.status)
    return Page("staff/patients.html", view)


@route(bp, "/api/staff/teams/{team_id}/patients", kind="api", auth="staff", query=_QUERY,
       summary="A page of the team's patients (order=recent|name), or a search (q: a last name, a date of birth "
               "or an NHS number), with a cursor for the next page",
       response_schema={"type": "object", "required": ["patients", "next_cursor"], "properties": {
           "patients": {"type": "array", "items": _ROW},
           "next_cursor": {"type": ["string", "null"]},
           "order": {"type": "string", "enum": ["recent", "name"]},
           "search": {"type": ["object", "null"], "properties": {"kind": {"type": "string"},
                                                                 "text": {"type": "string"}}}}})
def patients_json(req: RequestContext, team_id: str) -> Json:
    view = patient_list.patient_list(access_staff_team(req, team_id), req.now, order=req.query("order"),
                                     search=req.query("q"), cursor=req.query("cursor"))
    return Json({key: view[key] for key in ("patients", "next_cursor", "order", "search")})
