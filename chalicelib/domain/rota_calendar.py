"""The published rota as an iCalendar file (RFC 5545), so a young person can add the contact hours to their calendar.

Made with the ``icalendar`` package (imported here only, on first use: it is not needed on any other
request). Events carry the team's time zone (a VTIMEZONE is included), so a calendar shows the hours
the rota says on both sides of a clock change. Each event names the contact by first name and role
and gives only the team's shared Trust number, with the emergency routes: never a personal number.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.rota import RotaDay


def build_calendar(*, team_id: str, team_name: str, phone: str, timezone: str, days: Iterable[RotaDay],
                   made_at: datetime) -> str:
    """The month's published days as one VCALENDAR (text, CRLF line endings as the RFC asks)."""
    import icalendar

    zone = ZoneInfo(timezone)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Teamline//Named contact rota//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{team_name}: named contact")
    for entry in sorted(days):
        event = icalendar.Event()
        event.add("uid", f"{team_id}-{entry.day.isoformat()}@teamline")
        event.add("dtstamp", made_at)
        event.add("summary", f"{team_name}: {entry.label} is your named contact")
        event.add("dtstart", datetime.combine(entry.day, entry.start, tzinfo=zone))
        event.add("dtend", datetime.combine(entry.day, entry.end, tzinfo=zone))
        lines = [f"Your named contact is {entry.label}. Message the team in Teamline."]
        if phone:
            lines.append(f"Team phone (shared Trust number): {phone}.")
        lines.append("Not for emergencies: call 999, or NHS 111.")
        event.add("description", " ".join(lines))
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical().decode()
