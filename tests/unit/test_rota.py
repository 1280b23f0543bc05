"""The named-contact rota (``chalicelib.domain.rota``): building a month, and routing by it (property-tested)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import rota
from chalicelib.domain.policy import build_policy
from chalicelib.domain.rota import RotaDay
from chalicelib.domain.rota_calendar import build_calendar
from chalicelib.errors import ValidationError

LONDON = ZoneInfo("Europe/London")
STAFF = ("sam", "jo", "lena")


def _policy(*, closures: list[dict] | None = None, away: dict | None = None, nation: str = "england_wales"):
    availability = {"timezone": "Europe/London", "nation": nation,
                    "windows": [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(5)],
                    "closures": closures or []}
    return build_policy("team-x", "Team X", availability, None, away)


def _day(day: date, staff: str = "sam", start: str = "09:00", end: str = "17:00") -> RotaDay:
    return RotaDay(day, staff, staff.title(), "Nurse", time.fromisoformat(start), time.fromisoformat(end))


def test_hours_must_sit_inside_the_teams_opening_hours():
    policy = _policy()
    assert rota.check_day(policy, _day(date(2026, 12, 1)), field="x")
    with pytest.raises(ValidationError, match="not open"):
        rota.check_day(policy, _day(date(2026, 12, 1), start="07:00"), field="x")
    with pytest.raises(ValidationError, match="not open"):
        rota.check_day(policy, _day(date(2026, 12, 5)), field="x")  # a Saturday
    with pytest.raises(ValidationError, match="not open"):
        rota.check_day(policy, _day(date(2026, 12, 25)), field="x")  # Christmas Day
    with pytest.raises(ValidationError, match="end after"):
        rota.check_day(policy, _day(date(2026, 12, 1), start="12:00", end="11:00"), field="x")


def test_copying_last_month_keeps_the_weekday_and_skips_days_the_team_is_closed():
    policy = _policy()
    november = {d: _day(d, STAFF[d.weekday() % 3]) for d in rota.month_days(2026, 11) if d.weekday() < 5}
    december = rota.copy_from_previous(november, 2026, 12, policy)
    for day, entry in december.items():
        assert entry.day == day and entry.staff_id == STAFF[day.weekday() % 3]
    assert date(2026, 12, 25) not in december and date(2026, 12, 28) not in december  # bank holidays
    assert date(2026, 12, 1) in december


def test_swapping_two_days_swaps_contact_and_hours_and_changed_days_names_both():
    days = {date(2026, 12, 1): _day(date(2026, 12, 1), "sam"), date(2026, 12, 2): _day(date(2026, 12, 2), "jo", "10:00")}
    swapped = rota.swap(days, date(2026, 12, 1), date(2026, 12, 2))
    assert swapped[date(2026, 12, 1)].staff_id == "jo" and swapped[date(2026, 12, 1)].start == time(10, 0)
    assert rota.changed_days(days, swapped) == [date(2026, 12, 1), date(2026, 12, 2)]
    only_one = rota.swap(days, date(2026, 12, 1), date(2026, 12, 3))
    assert date(2026, 12, 1) not in only_one and only_one[date(2026, 12, 3)].staff_id == "sam"


def test_todays_line_names_first_name_role_and_hours():
    assert rota.today_line(_day(date(2026, 12, 1))) == "Today your named contact is Sam (Nurse), 9am to 5pm."


def test_patients_are_told_by_push_only_of_changed_days_still_ahead_this_month_or_next():
    policy = _policy()  # Europe/London
    late_evening = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # already 30 November in London (GMT)
    changed = [date(2026, 11, 29), date(2026, 11, 30), date(2026, 12, 31), date(2027, 1, 4)]
    assert rota.days_worth_telling(policy, late_evening, changed) == [date(2026, 11, 30), date(2026, 12, 31)]
    assert rota.days_worth_telling(policy, late_evening, [date(2026, 11, 2), date(2027, 1, 4)]) == []
    # Worth sending until the end of the last of them, in the team's time (31 December is GMT: midnight UTC).
    assert rota.telling_ends(policy, [date(2026, 11, 30), date(2026, 12, 31)]) == datetime(2027, 1, 1, tzinfo=UTC)
    summer = rota.telling_ends(policy, [date(2026, 7, 14)])
    assert summer == datetime(2026, 7, 14, 23, tzinfo=UTC)  # midnight BST


def test_away_named_contact_hands_to_their_cover():
    away = {"sam": {"staff_name": "Sam", "start": "2026-11-30T00:00:00+00:00", "end": "2026-12-05T00:00:00+00:00",
                    "cover_id": "lena", "cover_name": "Lena", "cover_role": "Consultant"}}
    policy = _policy(away=away)
    found = rota.route({date(2026, 12, 1): _day(date(2026, 12, 1))}, policy, datetime(2026, 12, 1, 10, tzinfo=UTC))
    assert found is not None and found.staff_id == "lena" and found.covering_for == "sam"


# --- routing over generated months -------------------------------------------------------------------------------


@st.composite
def months(draw):
    """A month of rota entries, with absences, closures and bank holidays (December, or March across the clock change)."""
    year, month = draw(st.sampled_from([(2026, 12), (2027, 3), (2026, 5)]))
    days: dict[date, RotaDay] = {}
    for day in rota.month_days(year, month):
        if draw(st.booleans()):
            start = draw(st.integers(8, 15))
            end = draw(st.integers(start + 1, 18))
            days[day] = _day(day, draw(st.sampled_from(STAFF)), f"{start:02d}:00", f"{end:02d}:00")
    closures = []
    if draw(st.booleans()):
        first = date(year, month, draw(st.integers(1, 25)))
        closures.append({"start": datetime.combine(first, time(12), tzinfo=UTC).isoformat(),
                         "end": datetime.combine(first + timedelta(days=draw(st.integers(0, 3))), time(15),
                                                 tzinfo=UTC).isoformat(), "reason": "Training"})
    away = {}
    if draw(st.booleans()):
        who = draw(st.sampled_from(STAFF))
        cover = draw(st.sampled_from([s for s in STAFF if s != who]))
        first = datetime(year, month, draw(st.integers(1, 20)), tzinfo=UTC)
        away[who] = {"staff_name": who.title(), "start": first.isoformat(),
                     "end": (first + timedelta(days=draw(st.integers(1, 6)))).isoformat(),
                     "cover_id": cover, "cover_name": cover.title(), "cover_role": "Nurse"}
    nation = draw(st.sampled_from(["england_wales", "scotland", "northern_ireland"]))
    moment = datetime(year, month, draw(st.integers(1, 28)), draw(st.integers(0, 23)), draw(st.integers(0, 59)),
                      tzinfo=UTC)
    return days, _policy(closures=closures, away=away, nation=nation), moment


@settings(max_examples=400, deadline=None)
@given(months())
def test_every_unowned_message_lands_with_exactly_one_clinician_on_that_day_or_waits(case):
    days, policy, now = case
    found = rota.route(days, policy, now)
    entry = days.get(now.astimezone(LONDON).date())
    if found is None:
        # It waits: nobody named today, outside their hours, or the team is closed.
        assert entry is None or not rota.on_shift(entry, policy, now)
        return
    assert entry is not None and rota.on_shift(entry, policy, now)
    start, end = rota.shift_span(policy, entry)
    assert start <= now < end
    away = policy.away_now(entry.staff_id, now)
    assert found.staff_id == (away.cover_id if away else entry.staff_id)
    assert rota.on_shift_now(days, policy, now) == {found.staff_id}


@settings(max_examples=200, deadline=None)
@given(months())
def test_the_next_shift_never_starts_in_the_past_or_while_the_team_is_closed(case):
    days, policy, now = case
    found = rota.next_shift(days, policy, now)
    if found is None:
        return
    entry, begins = found
    start, end = rota.shift_span(policy, entry)
    assert begins >= now and start <= begins < end


# --- the calendar file -------------------------------------------------------------------------------------------


def test_the_calendar_parses_back_with_icalendar_and_keeps_wall_clock_hours_across_the_clock_change():
    import icalendar

    # Clocks go forward on Sunday 29 March 2026: the Friday before is GMT, the Monday after is BST.
    days = [_day(date(2026, 3, 27), "sam"), _day(date(2026, 3, 30), "jo", "10:00", "16:00")]
    text = build_calendar(team_id="team-x", team_name="Team X", phone="020 7946 0001", timezone="Europe/London",
                          days=days, made_at=datetime(2026, 3, 1, tzinfo=UTC))
    events = list(icalendar.Calendar.from_ical(text).walk("VEVENT"))
    assert len(events) == 2
    starts = {e.decoded("dtstart").date(): (e.decoded("dtstart"), e.decoded("dtend")) for e in events}
    friday, monday = starts[date(2026, 3, 27)], starts[date(2026, 3, 30)]
    assert friday[0].astimezone(UTC) == datetime(2026, 3, 27, 9, tzinfo=UTC)  # 09:00 GMT
    assert monday[0].astimezone(UTC) == datetime(2026, 3, 30, 9, tzinfo=UTC)  # 10:00 BST
    assert monday[1].astimezone(UTC) == datetime(2026, 3, 30, 15, tzinfo=UTC)
    assert (friday[0].hour, monday[0].hour) == (9, 10)  # wall-clock hours as the rota says
    description = str(events[0].get("description"))
    assert "020 7946 0001" in description and "999" in description
