"""What safety decides about a message before it is stored (``chalicelib.domain.send_gate``): red flags pass
every cap and pause, the agreement comes first, refusals are kind and give the urgent lines, and the automatic
reply leads with the line to ring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.agreement import Agreement
from chalicelib.domain.misuse import Ladder, Restriction
from chalicelib.domain.policy import build_policy
from chalicelib.domain.send_gate import (
    AgreementNeeded,
    ConversationSafety,
    MessageLimitReached,
    MessagingPaused,
    check,
    plan_reply,
)
from chalicelib.domain.team_safety import SafetyPolicy, UrgentLine

WEDNESDAY = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
LONDON = "Europe/London"
LINE = UrgentLine("Acute oncology 24-hour line", "0161 446 3658", "any time")
TEAM = SafetyPolicy(lines=(LINE,), presets=("chemotherapy_fever",))
FEVER = "I've got a temperature of 38.2 and I'm shivery, should I come in?"
CRISIS = "i want to kill myself"
POLICY = build_policy("team-x", "Teenage Cancer", None, None, None)


def _conv(*, version: int | None = 1, ladder: Ladder | None = None, window: str | None = None, count: int = 0,
          waiting: bool = False) -> ConversationSafety:
    return ConversationSafety(version, ladder or Ladder(), window, count, waiting)


def _pause(now: datetime = WEDNESDAY) -> Ladder:
    return Ladder(pause=Restriction("pause", "a break for a week", now, now + timedelta(days=7), "Lena",
                                    text="Ring the team on weekdays."))


def _cap(limit: int, now: datetime = WEDNESDAY) -> Ladder:
    return Ladder(cap=Restriction("cap", "lots of messages", now, now + timedelta(days=7), "Lena", limit=limit))


def test_nothing_is_sent_before_the_current_agreement_is_accepted():
    for version in (None, 1):
        with pytest.raises(AgreementNeeded) as raised:
            check(TEAM._replace(agreement=Agreement(2, {}, WEDNESDAY, "Lena")), _conv(version=version), "Hi",
                  WEDNESDAY, LONDON)
        assert raised.value.status == 409 and raised.value.details["version"] == 2
        assert raised.value.details["routes"][0]["label"] == LINE.name


def test_a_pause_refuses_kindly_with_what_to_do_instead_and_the_teams_line():
    with pytest.raises(MessagingPaused) as raised:
        check(TEAM, _conv(ladder=_pause()), "Can I move my appointment?", WEDNESDAY, LONDON)
    message = raised.value.message
    assert "paused until" in message and "Ring the team on weekdays." in message and LINE.phone in message


def test_a_cap_counts_and_refuses_once_used_up_with_the_teams_line():
    gate = check(TEAM, _conv(ladder=_cap(3), window="day:2026-11-25", count=2), "one more", WEDNESDAY, LONDON)
    assert gate.counted is not None and gate.counted.count_after == 3
    with pytest.raises(MessageLimitReached) as raised:
        check(TEAM, _conv(ladder=_cap(3), window="day:2026-11-25", count=3), "and another", WEDNESDAY, LONDON)
    assert "from tomorrow" in raised.value.message and LINE.phone in raised.value.message


@settings(max_examples=50, deadline=None)
@given(text=st.sampled_from([FEVER, CRISIS, "my temp is 39", "I took too many tablets"]),
       ladder=st.sampled_from(["pause", "cap"]))
def test_a_red_flag_is_never_stopped_by_a_pause_or_a_cap_and_never_counted(text, ladder):
    restriction = _pause() if ladder == "pause" else _cap(1)
    gate = check(TEAM, _conv(ladder=restriction, window="day:2026-11-25", count=99), text, WEDNESDAY, LONDON)
    assert gate.red_flags and gate.counted is None and not gate.opens_conversation


def test_only_a_message_that_opens_a_conversation_counts_toward_the_teams_daily_cap():
    capped = TEAM._replace(daily_new_limit=10)
    assert check(capped, _conv(waiting=False), "Hello", WEDNESDAY, LONDON).opens_conversation
    assert not check(capped, _conv(waiting=True), "Hello again", WEDNESDAY, LONDON).opens_conversation
    assert not check(TEAM, _conv(waiting=False), "Hello", WEDNESDAY, LONDON).opens_conversation


def _reply(text: str, now: datetime, *, full: bool = False, last_key: str | None = None, safety: SafetyPolicy = TEAM):
    gate = check(safety, _conv(), text, now, LONDON)
    return plan_reply(POLICY, safety, gate, assigned_staff_id=None, last_auto_key=last_key, team_full=full, now=now)


def test_a_red_flag_in_open_hours_gets_a_reply_that_leads_with_the_teams_line():
    reply = _reply(FEVER, WEDNESDAY)
    assert reply.auto_kind == "red_flag"
    assert reply.auto_text.startswith("A temperature of 38°C or more")
    assert f"Ring the {LINE.name} now on {LINE.phone}." in reply.auto_text.split("\n\n")[0]
    assert "marked as urgent" in reply.auto_text and "not for emergencies" in reply.auto_text


def test_a_red_flag_out_of_hours_leads_with_the_line_then_the_closed_reply_once_per_period():
    reply = _reply(FEVER, SATURDAY)
    first, *rest = reply.auto_text.split("\n\n")
    assert LINE.phone in first and "closed now" in first
    assert "will open again Monday at 9am" in "\n\n".join(rest)
    assert reply.auto_key and reply.auto_key.startswith("closed:")
    # The closed period's reply was already sent: the red flag still gets its lead and the help-now routes.
    again = _reply(FEVER, SATURDAY, last_key=reply.auto_key)
    assert again.auto_kind == "red_flag" and "will open again" not in again.auto_text and LINE.phone in again.auto_text


def test_crisis_words_get_the_crisis_lines_first():
    reply = _reply(CRISIS, WEDNESDAY)
    assert "call 999 or go to A&E now" in reply.auto_text and "116 123" in reply.auto_text
    assert "85258" in reply.auto_text


def test_a_team_without_its_own_line_points_condition_red_flags_to_nhs_111():
    reply = _reply(FEVER, WEDNESDAY, safety=SafetyPolicy(presets=("chemotherapy_fever",)))
    assert "Call NHS 111 now" in reply.auto_text


def test_past_the_teams_daily_cap_a_new_conversation_gets_one_busy_reply_counted_with_tomorrow():
    capped = TEAM._replace(daily_new_limit=5)
    reply = _reply("Can I change my appointment?", WEDNESDAY, full=True, safety=capped)
    assert reply.auto_kind == "busy" and "more new messages today than it can safely answer" in reply.auto_text
    assert reply.reply_by is not None and reply.reply_by > WEDNESDAY + timedelta(days=1)
    assert LINE.phone in reply.auto_text
    assert _reply("Another", WEDNESDAY, full=True, safety=capped, last_key=reply.auto_key).auto_text is None


def test_a_red_flag_is_never_told_the_team_is_full():
    assert _reply(FEVER, WEDNESDAY, full=True, safety=TEAM._replace(daily_new_limit=5)).auto_kind == "red_flag"


def test_every_ordinary_auto_reply_lists_the_teams_line_before_the_national_numbers():
    reply = _reply("When is my next appointment?", SATURDAY)
    footer = reply.auto_text.split("\n\n")[-1]
    assert reply.auto_kind == "out_of_hours"
    assert footer.index(LINE.phone) < footer.index("999") < footer.index("116 123")
