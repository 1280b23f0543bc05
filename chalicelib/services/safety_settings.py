"""A team's safety settings (its urgent lines, red-flag words, out-of-hours alerts, daily cap) and the Trust's lines.

Settings are team policy: every change is checked in full first (a bad field is a 400 naming it; nothing is saved),
bumps ``policy_version`` under a condition so two leads cannot overwrite each other unseen, and is audited in the same
transaction (``services.team_settings.save_team`` does all three). The Trust's own lines are set by a Trust admin
and copied onto every team of the Trust in one transaction, so a send reads them with the team and pays nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from chalicelib.auth.actor import Actor
from chalicelib.domain import red_flags, team_safety
from chalicelib.domain.misuse import window_key
from chalicelib.domain.safety import EMERGENCY_ROUTES
from chalicelib.errors import Forbidden, ValidationError
from chalicelib.models import db
from chalicelib.models import safety as safety_store
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.safety import team_safety as safety_of
from chalicelib.models.team import TeamItem, TrustItem, team_policy
from chalicelib.scopes import StaffTeam
from chalicelib.services import agreements
from chalicelib.services.team_settings import save_team

MAX_TEAMS_PER_SAVE = 90  # one TransactWriteItems holds 100 items: the Trust, its teams and the audit row


def _require_lead(st: StaffTeam) -> None:
    if st.role != "lead":
        raise Forbidden("Only the team lead can change the team's safety settings.")


def _save(st: StaffTeam, now: datetime, settings: team_safety.SafetyPolicy, part: str,
          detail: dict[str, Any]) -> None:
    save_team(now, st, [TeamItem.safety.set(settings.to_stored())], AuditEventType.SAFETY_SETTINGS_CHANGED,
              {"part": part, **detail})


def do_set_lines(st: StaffTeam, now: datetime, rows: Sequence[Mapping[str, Any]]) -> None:
    """The team's own urgent lines (up to three; the first is the one a red flag tells patients to ring)."""
    _require_lead(st)
    lines = team_safety.clean_lines(rows)
    _save(st, now, safety_of(st.team)._replace(lines=lines), "lines", {"lines": len(lines)})


def do_set_red_flags(st: StaffTeam, now: datetime, *, presets: Sequence[str], phrases: str, advice: object) -> None:
    """The condition presets switched on and the team's own red-flag words (the crisis list is always on)."""
    _require_lead(st)
    chosen, own, text = team_safety.clean_red_flags(presets, phrases, advice)
    _save(st, now, safety_of(st.team)._replace(presets=chosen, phrases=own, advice=text), "red_flags",
          {"presets": list(chosen), "own_phrases": len(own)})


def do_set_limits(st: StaffTeam, now: datetime, *, on_call: bool, daily_new_limit: object) -> None:
    """Whether urgent conversations notify staff out of hours, and the most new conversations a day."""
    _require_lead(st)
    limit = team_safety.clean_daily_limit(daily_new_limit)
    _save(st, now, safety_of(st.team)._replace(on_call=on_call, daily_new_limit=limit), "limits",
          {"on_call": on_call, "daily_new_limit": limit})


def settings_view(st: StaffTeam, now: datetime) -> dict[str, Any]:
    """What the team's safety page shows: lines, red-flag lists, alerts and cap, the agreement and its versions."""
    settings = safety_of(st.team)
    presets = red_flags.shipped().presets
    policy = team_policy(st.team)
    limit = settings.daily_new_limit
    return {
        "lines": [line.to_stored() for line in settings.lines],
        "trust_lines": [line.to_stored() for line in settings.trust_lines],
        "national": [{"label": r.label, "detail": r.detail} for r in EMERGENCY_ROUTES],
        "crisis": [{"label": c.label, "phrases": ", ".join(c.phrases[:12])} for c in red_flags.shipped().crisis],
        "presets": [{"value": "yes", "name": f"preset_{p.id}", "text": p.label, "checked": p.id in settings.presets,
                     "disabled": st.role != "lead", "hint": {"text": f"{p.advice} Words like: {', '.join(p.phrases[:8])}…"}}
                    for p in presets.values()],
        "phrases": "\n".join(settings.phrases),
        "advice": settings.advice,
        "on_call": settings.on_call,
        "daily_new_limit": limit,
        "taken_today": safety_store.intake_today(st.team.team_id, window_key("day", now, policy.timezone))
        if limit else None,
        "list_version": red_flags.shipped().version,
        "agreement": agreements.view(st.team, now),
        "agreement_texts": agreements.editable_texts(st.team),
        "agreement_history": agreements.history(st.team, now),
    }


# --- the Trust's own lines ----------------------------------------------------------------------------------


def trust_lines_of(trust_id: str) -> list[dict[str, str]] | None:
    """The Trust's lines as stored (a new team starts with them)."""
    trust = team_store.get_trust(trust_id)
    return trust.urgent_lines if trust is not None else None


def do_set_trust_lines(now: datetime, admin: Actor, rows: Sequence[Mapping[str, Any]]) -> None:
    """A Trust admin sets the lines every team of the Trust shows; each team's policy version moves on."""
    if not admin.is_trust_admin:
        raise Forbidden("Only a Trust admin can do that.")
    stored = [line.to_stored() for line in team_safety.clean_lines(rows)]
    teams = team_store.trust_teams(admin.trust_id)
    if len(teams) > MAX_TEAMS_PER_SAVE:
        raise ValidationError("This Trust has too many teams to update at once; ask for help.", field="lines")
    trust = team_store.get_trust(admin.trust_id)
    if trust is None:
        raise Forbidden("Only a Trust admin can do that.")
    with db.committed() as tx:
        tx.update(trust, actions=[TrustItem.urgent_lines.set(stored)])
        for team in teams:
            tx.update(team, actions=[TeamItem.trust_lines.set(stored), TeamItem.policy_version.add(1)])
        tx.save(audit_event(now, AuditEventType.TRUST_LINES_CHANGED, admin, detail={"lines": len(stored),
                                                                                    "teams": len(teams)}))


def trust_lines_view(trust_id: str) -> list[dict[str, str]]:
    """The Trust's lines for the admin page."""
    return list(trust_lines_of(trust_id) or [])
