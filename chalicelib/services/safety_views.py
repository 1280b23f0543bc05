"""What safety adds to the pages: the compose box's red-flag panel and urgent lines, the agreement and the ladder as
the young person sees them, and a young person's safety profile as the team sees it.

Views only (plain data for templates and JSON); the one read beyond the page's own is the ladder history on the
profile pages (one Query in the conversation's partition).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from chalicelib.domain import misuse, red_flags
from chalicelib.domain.policy import TeamPolicy, when_text
from chalicelib.domain.team_safety import SafetyPolicy
from chalicelib.models import safety as safety_store
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.safety import team_safety
from chalicelib.models.team import TeamItem, team_policy
from chalicelib.scopes import PatientConversation, StaffConversation
from chalicelib.services import agreements

DEFAULT_REVIEW_DAYS = 28
STEP_NAMES = {"reminder": "Reminder about what messaging is for", "plan": "Plan agreed", "cap": "Limit on messages",
              "pause": "Messaging paused", "plan_ended": "Plan ended", "cap_lifted": "Limit lifted",
              "pause_lifted": "Pause lifted"}


@lru_cache(maxsize=64)
def _page_data(presets: tuple[str, ...], phrases: tuple[str, ...]) -> str:
    """The compiled phrases as the page's data attribute (serialised once per distinct word list)."""
    return json.dumps(red_flags.team_matcher(presets, phrases).to_json(), separators=(",", ":"))


def routes(settings: SafetyPolicy) -> list[dict[str, str]]:
    return [{"label": r.label, "detail": r.detail, "href": r.href} for r in settings.routes]


def _panel(settings: SafetyPolicy) -> dict[str, Any]:
    """What the pre-send panel says: for crisis words, and for each condition the team's words can raise."""
    line = settings.first_line
    ring = ({"name": line.name, "phone": line.phone, "href": line.href} if line else None)
    conditions = [{"category": f"{red_flags.CONDITION}.{p}", "advice": settings.advice_for(f"{red_flags.CONDITION}.{p}")}
                  for p in settings.presets]
    if settings.phrases:
        conditions.append({"category": f"{red_flags.CONDITION}.team", "advice": settings.advice})
    return {"data": _page_data(settings.presets, settings.phrases), "ring": ring, "conditions": conditions,
            "crisis_routes": [{"label": r.label, "detail": r.detail, "href": r.href} for r in settings.crisis_routes]}


def _restriction_view(r: misuse.Restriction, policy: TeamPolicy, now: datetime) -> dict[str, Any]:
    return {"kind": r.kind, "reason": r.reason, "text": r.text, "limit": r.limit, "period": r.period,
            "set_by": r.set_by, "since_text": when_text(policy, r.start, now),
            "review_text": when_text(policy, r.review_at, now)}


def _in_force(conv: ConversationItem, policy: TeamPolicy, now: datetime) -> dict[str, Any]:
    ladder = misuse.Ladder.from_stored(conv.misuse)
    shown: dict[str, Any] = {r.kind: _restriction_view(r, policy, now) for r in ladder.in_force(now)}
    cap = ladder.active("cap", now)
    if cap is not None:
        shown["cap"]["remaining"] = misuse.remaining(cap, conv.cap_window, int(conv.cap_count or 0), now,
                                                     policy.timezone)
    return shown


def compose(pc: PatientConversation, now: datetime) -> dict[str, Any]:
    """What the young person's conversation page adds: urgent lines, the red-flag panel, the agreement, the ladder."""
    settings = team_safety(pc.team)
    policy = team_policy(pc.team)
    status = agreements.patient_status(pc.conversation, pc.team)
    return {
        "help_routes": routes(settings),
        "red_flag_panel": _panel(settings),
        "agreement_status": status,
        "agreement": agreements.view(pc.team, now) if status["needed"] else None,
        "ladder": _in_force(pc.conversation, policy, now),
    }


def _steps(conv: ConversationItem, policy: TeamPolicy, now: datetime) -> list[dict[str, Any]]:
    return [{"step": s.step, "name": STEP_NAMES.get(s.step, s.step), "reason": s.reason, "by": s.by_name,
             "at_text": when_text(policy, s.at, now),
             "review_text": when_text(policy, s.review_at, now) if s.review_at else "",
             "detail": s.detail or {}} for s in safety_store.steps_of(conv.team_id, conv.patient_id)]


def patient_profile(pc: PatientConversation, now: datetime) -> dict[str, Any]:
    """The young person's own page about messaging this team: the agreement, what they accepted, every ladder step."""
    policy = team_policy(pc.team)
    return {
        "team": {"team_id": pc.team.team_id, "name": pc.team.name},
        "agreement": agreements.view(pc.team, now),
        "agreement_status": agreements.patient_status(pc.conversation, pc.team),
        "accepted_text": _accepted_text(pc.conversation, policy, now),
        "ladder": _in_force(pc.conversation, policy, now),
        "history": _steps(pc.conversation, policy, now),
        "help_routes": routes(team_safety(pc.team)),
    }


def _accepted_text(conv: ConversationItem, policy: TeamPolicy, now: datetime) -> str:
    if conv.agreement_version is None or conv.agreement_accepted_at is None:
        return ""
    return f"version {int(conv.agreement_version)}, {when_text(policy, conv.agreement_accepted_at, now)}"


def staff_summary(sc: StaffConversation, now: datetime) -> dict[str, Any]:
    """The line at the top of a conversation for staff: agreement accepted (version, when), what is in force."""
    policy = team_policy(sc.team)
    status = agreements.patient_status(sc.conversation, sc.team)
    return {"agreement": status, "accepted_text": _accepted_text(sc.conversation, policy, now),
            "ladder": _in_force(sc.conversation, policy, now)}


def staff_profile(sc: StaffConversation, now: datetime) -> dict[str, Any]:
    """A young person's safety profile for their team: agreement, what is in force, the ladder's history, forms."""
    policy = team_policy(sc.team)
    conv = sc.conversation
    ladder = misuse.Ladder.from_stored(conv.misuse)
    review = (now + timedelta(days=DEFAULT_REVIEW_DAYS)).astimezone(_zone(policy)).date().isoformat()
    return {
        "team": {"team_id": sc.team.team_id, "name": sc.team.name},
        "patient": {"patient_id": conv.patient_id, "name": conv.patient_name},
        **staff_summary(sc, now),
        "history": _steps(conv, policy, now),
        "is_lead": sc.role == "lead",
        "lead_needed": {k: misuse.needs_lead(k, ladder, now) for k in misuse.KINDS},
        "default_review": review,
        "default_reminder": misuse.DEFAULT_REMINDER,
        "default_instead": misuse.DEFAULT_INSTEAD,
    }


def _zone(policy: TeamPolicy) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(policy.timezone)


def offline_lines(teams: list[TeamItem]) -> list[dict[str, Any]]:
    """Each of a young person's teams with its own urgent lines, for the offline page kept on their phone."""
    return [{"name": t.name, "lines": [line.route._asdict() for line in team_safety(t).own_lines]}
            for t in teams if t.active]
