"""The workload dashboard a team lead opens every Monday (and clinicians read without anyone's load).

One read: the access loader's BatchGetItem (session, profile, team) and one Query of the team's day
counters for the week or month (``models.stats.team_days``); everything else is arithmetic
(``domain.workload``) and chart geometry (``domain.charts``). The page, its JSON twin and the CSV
download share ``dashboard_view``; the CSV is exactly the day-by-day table the page shows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from chalicelib.domain import charts
from chalicelib.domain import workload as w
from chalicelib.models import stats
from chalicelib.models.team import team_policy
from chalicelib.scopes import StaffTeam
from chalicelib.services.counting_rules import recording

AUTO_KIND_LABELS = {"out_of_hours": "Out of hours", "bank_holiday": "Bank holiday", "closure": "Closure",
                    "paused": "Messaging paused", "staff_away": "Named clinician away"}
TABLE_HEADINGS = ("Day", "Messages from patients", "Arrived while closed", "Replies from staff", "Replies answering",
                  "Answered within target", "Median reply time (minutes)", "Most overdue", "Overdue at end of day")
NONE = "none"
NOT_RECORDED = "not recorded yet"


def _minutes(seconds: float | None) -> str:
    return NONE if seconds is None else f"{seconds / 60:.1f}".removesuffix(".0")


def _cell(value: int | None) -> str:
    return NONE if value is None else str(value)


def table_rows(summary: w.Summary) -> list[list[str]]:
    """The day-by-day table, as the page shows it and the CSV holds it (the same strings)."""
    return [[row.day.isoformat(), str(row.messages_in), str(row.messages_in_closed), str(row.messages_out),
             str(row.answered), str(row.answered_in_target), _minutes(row.median_reply_seconds),
             _cell(row.overdue_max), _cell(row.overdue_close)] for row in summary.rows]


def _day_label(period: w.Period, day: date) -> str:
    return str(day.day) if period.kind == "month" else f"{w.WEEKDAYS[day.weekday()][:3]} {day.day}"


def _panel(panel_id: str, heading: str, chart: Any, name: str, headings: list[str], rows: list[list[Any]],
           empty: str = "") -> dict[str, Any]:
    return {"id": panel_id, "heading": heading, "kind": "row" if isinstance(chart, charts.RowChart) else "column",
            "chart": chart, "name": name, "headings": headings, "rows": [[str(c) for c in r] for r in rows],
            "empty": empty if not rows else ""}


def _panels(period: w.Period, summary: w.Summary, bands: list[tuple[str, int]], lead: bool) -> list[dict[str, Any]]:
    """Each chart with its table: the same numbers twice, once to look at and once to read."""
    rows = summary.rows
    labels = [_day_label(period, r.day) for r in rows]
    claims = recording("claims_and_escalations")
    panels = [
        _panel("volume", "Messages each day", charts.column_chart(labels, [
            ("from patients", [r.messages_in for r in rows]), ("from staff", [r.messages_out for r in rows])]),
            f"Messages from patients and replies from staff, each day of {period.label}",
            ["Day", "From patients", "From staff"], [[r.day.isoformat(), r.messages_in, r.messages_out] for r in rows]),
        _panel("closed", "Arriving while the team was closed", charts.column_chart(labels, [
            ("while open", [r.messages_in - r.messages_in_closed for r in rows]),
            ("while closed", [r.messages_in_closed for r in rows])], stacked=True),
            f"Messages from patients arriving while the team was open and while it was closed, {period.label}",
            ["Day", "From patients", "While closed"], [[r.day.isoformat(), r.messages_in, r.messages_in_closed]
                                                       for r in rows]),
        _panel("replies", "How long replies took", charts.column_chart([b for b, _ in bands], [
            ("replies", [n for _, n in bands])]), f"Replies by how long they took, {period.label}",
            ["Reply time", "Replies"], [[b, n] for b, n in bands]),
        _panel("overdue", "Overdue conversations", charts.column_chart(labels, [
            ("most overdue", [r.overdue_max or 0 for r in rows])]),
            f"The most conversations overdue at once, each day of {period.label}",
            ["Day", "Most overdue", "Overdue at end of day"],
            [[r.day.isoformat(), _cell(r.overdue_max), _cell(r.overdue_close)] for r in rows]),
        _panel("auto", "Automatic replies by kind", charts.row_chart(
            [(AUTO_KIND_LABELS.get(k, k), n) for k, n in summary.auto_replies.items()], series="automatic replies"),
            f"Automatic replies sent, by kind, {period.label}", ["Kind", "Sent"],
            [[AUTO_KIND_LABELS.get(k, k), n] for k, n in summary.auto_replies.items()],
            "No automatic replies were sent in this period."),
    ]
    if lead:  # per-clinician load is for the lead only
        panels.append(_panel("clinicians", "Each clinician's load", charts.row_chart(
            [(c.name, c.replied) for c in summary.clinicians], series="replies"),
            f"Replies sent by each clinician, {period.label}", ["Clinician", "Replied", "Claimed", "Escalated"],
            [[c.name, c.replied, c.claimed if claims else NOT_RECORDED, c.escalated if claims else NOT_RECORDED]
             for c in summary.clinicians], "Nobody replied in this period."))
    return panels


def _periods(period: w.Period, today: date) -> dict[str, dict[str, str]]:
    this_week, this_month = w.week_of(today), w.month_of(today)
    links = {"previous": w.previous(period), "next": w.following(period), "this_week": this_week,
             "last_week": w.previous(this_week), "this_month": this_month, "last_month": w.previous(this_month)}
    return {name: {"label": p.label, **p.param} for name, p in links.items()}


def _figures(summary: w.Summary, policy_target: str) -> dict[str, Any]:
    return {
        "messages_in": summary.messages_in, "messages_out": summary.messages_out,
        "messages_in_closed": summary.messages_in_closed, "closed_share": summary.closed_share,
        "answered": summary.answered, "answered_in_target": summary.answered_in_target,
        "in_target_share": summary.in_target_share, "median_reply_seconds": summary.median_reply_seconds,
        "median_reply_text": w.duration_text(summary.median_reply_seconds),
        "p90_reply_seconds": summary.p90_reply_seconds, "p90_reply_text": w.duration_text(summary.p90_reply_seconds),
        "reply_target": policy_target,
        "auto_replies": [{"kind": k, "label": AUTO_KIND_LABELS.get(k, k), "count": n}
                         for k, n in summary.auto_replies.items()],
    }


def dashboard_view(st: StaffTeam, now: datetime, *, month: str | None = None, week: str | None = None) -> dict[str, Any]:
    """The dashboard for one week or month: figures, charts, the day-by-day table; per-clinician load for the lead."""
    policy = team_policy(st.team)
    today = w.local_day(now, policy.timezone)
    period = w.parse_period(month=month, week=week, today=today)
    days = stats.team_days(st.team.team_id, period.first, period.last)
    summary = w.summarise(period, days)
    lead = st.role == "lead"
    target = policy.availability.reply_target
    view: dict[str, Any] = {
        "team": {"team_id": st.team.team_id, "name": st.team.name, "overdue_now": int(st.team.overdue_count or 0)},
        "is_lead": lead,
        "period": {"kind": period.kind, "label": period.label, "first": period.first.isoformat(),
                   "last": period.last.isoformat(), **period.param},
        "periods": _periods(period, today),
        "figures": _figures(summary, w.target_text(target.unit, target.amount)),
        "table": {"headings": list(TABLE_HEADINGS), "rows": table_rows(summary)},
        "recorded": {"red_flags": recording("red_flags_answered"), "misuse": recording("misuse_steps"),
                     "claims": recording("claims_and_escalations")},
        "red_flags": {"count": summary.red_flags, "median_text": w.duration_text(summary.red_flag_median_seconds)},
        "misuse": summary.misuse,
        "panels": _panels(period, summary, w.reply_bands(period, days), lead),
    }
    if lead:  # per-clinician load is for the lead only
        view["clinicians"] = [c._asdict() for c in summary.clinicians]
    return view


def as_json(view: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's JSON twin: the figures and each panel's table, without the chart geometry."""
    panels = [{k: v for k, v in panel.items() if k != "chart"} for panel in view["panels"]]
    return {**view, "panels": panels}


def as_csv(view: dict[str, Any]) -> str:
    """The day-by-day table as CSV (exactly the page's table)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(view["table"]["headings"])
    writer.writerows(view["table"]["rows"])
    return out.getvalue()


def csv_filename(view: dict[str, Any]) -> str:
    """A download name that says what and when: ``workload-<team>-<first>-to-<last>.csv``."""
    return f"workload-{view['team']['team_id']}-{view['period']['first']}-to-{view['period']['last']}.csv"
