"""The workload dashboard: a team's week or month, as a page, as JSON and as a CSV download.

Any member of the team may read it; only the team lead sees each clinician's load.
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.access import access_staff_team
from chalicelib.services import dashboard
from chalicelib.web.responses import Json, Page, Raw
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)
PERIOD = ("month", "week")


def _view(req: RequestContext, team_id: str) -> dict[str, object]:
    return dashboard.dashboard_view(access_staff_team(req, team_id), req.now, month=req.query("month"),
                                    week=req.query("week"))


@route(bp, "/staff/teams/{team_id}/dashboard", auth="staff", query=PERIOD,
       summary="Workload dashboard for a week or month (per-clinician load for the lead only)")
def page(req: RequestContext, team_id: str) -> Page:
    return Page("staff/dashboard.html", _view(req, team_id))


@route(bp, "/api/staff/teams/{team_id}/dashboard", kind="api", auth="staff", query=PERIOD,
       summary="Workload figures for a week or month (per-clinician load for the lead only)",
       response_schema={"type": "object", "required": ["period", "figures", "table"],
                        "properties": {"period": {"type": "object"}, "figures": {"type": "object"},
                                       "table": {"type": "object"}, "clinicians": {"type": "array"}}})
def figures(req: RequestContext, team_id: str) -> Json:
    return Json(dashboard.as_json(_view(req, team_id)))


@route(bp, "/staff/teams/{team_id}/dashboard/download", kind="download", auth="staff", query=PERIOD,
       summary="The dashboard's day-by-day table as CSV")
def download(req: RequestContext, team_id: str) -> Raw:
    view = _view(req, team_id)
    return Raw(dashboard.as_csv(view), "text/csv; charset=utf-8",
               headers={"Content-Disposition": f'attachment; filename="{dashboard.csv_filename(view)}"'})
