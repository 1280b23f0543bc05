"""``make run`` on a developer's machine (issue: hardening, points 11 and 12)."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib import clock
from scripts.run_local import local_server, seed_demo
from tests.support import storage

SATURDAY_MORNING = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def test_make_run_does_not_watch_the_checkout_unless_asked():
    """A log redirected into the checkout (make run > run.log) used to restart the server for ever."""
    assert "--no-autoreload" in local_server(8000, {}, environ={}).command
    assert "--no-autoreload" in local_server(8000, {}, environ={"RELOAD": "0"}).command
    assert "--no-autoreload" not in local_server(8000, {}, environ={"RELOAD": "1"}).command


def test_the_demo_is_seeded_in_the_past_of_the_apps_own_clock(dynamodb):
    """With a pinned clock (the README's out-of-hours demo) the history must be in that clock's past."""
    clock.use_clock(clock.FixedClock(SATURDAY_MORNING))
    try:
        seed_demo()
    finally:
        clock.use_clock(None)
    from chalicelib.models.team import trust_teams
    from scripts.demo_data import TRUST_ID

    conversations = [c for team in trust_teams(TRUST_ID) for c in storage.team_conversations(team.team_id)]
    assert conversations
    for conv in conversations:
        for message in storage.messages(conv.team_id, conv.patient_id):
            assert message.sent_at <= SATURDAY_MORNING
        assert conv.last_auto_reply_key is None or conv.last_activity_at <= SATURDAY_MORNING
