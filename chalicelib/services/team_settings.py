"""Team policy edits by the team lead, and away periods set by clinicians (or their lead).

Policy is data in the team's item. Every change is validated completely before anything is written
(a bad field is a 400 naming it; nothing is saved), bumps ``policy_version`` under a condition so two
leads editing at once cannot overwrite each other unseen, and is audited in the same transaction.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import auto_reply
from chalicelib.domain.availability import AvailabilityPolicy, Closure, Pause, parse_policy, policy_to_dict
from chalicelib.domain.people import takes_escalations
from chalicelib.errors import Conflict, Forbidden, ServiceUnavailable, ValidationError
from chalicelib.models import db
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.team import TeamItem, TeamMemberItem, roster, senior_ids, team_policy
from chalicelib.scopes import StaffTeam

MAX_AWAY_DAYS = 120


def _require_lead(st: StaffTeam) -> None:
    if st.role != "lead":
        raise Forbidden("Only the team lead can change the team's settings.")


def _save_team(now: datetime, st: StaffTeam, actions: list[Any], event: AuditEventType,
               detail: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Update the team (conditioned on its policy version, which goes up) with one audit row per ``detail``."""
    team = st.team
    tx = db.transaction()
    try:
        with tx:
            tx.update(team, actions=[*actions, TeamItem.policy_version.add(1)],
                      condition=TeamItem.policy_version == (team.policy_version or 0), label="team")
            for one in detail if isinstance(detail, list) else [detail]:
                tx.save(audit_event(now, event, st.actor, team_id=team.team_id, detail=one), label="audit")
    except TransactWriteError as exc:
        if "team" in tx.failed_labels(exc):
            raise Conflict("Someone else changed the team's settings just now. Refresh the page and try again.") from exc
        raise ServiceUnavailable() from exc


#: The same condition, version bump and audit row for other team-policy services (safety settings).
save_team = _save_team


def current_availability(team: TeamItem) -> AvailabilityPolicy:
    """The team's availability policy (the default until a lead sets one)."""
    return team_policy(team).availability


def do_set_availability(now: datetime, st: StaffTeam, data: dict[str, Any]) -> AvailabilityPolicy:
    """Replace the team's availability policy with ``data`` (validated in full first)."""
    _require_lead(st)
    policy = parse_policy(data)
    stored = policy_to_dict(policy)
    _save_team(now, st, [TeamItem.policy.set(stored)], AuditEventType.POLICY_CHANGED,
               {"windows": len(policy.windows), "closures": len(policy.closures), "paused": policy.pause is not None,
                "reply_target": stored["reply_target"], "nation": policy.nation, "timezone": policy.timezone})
    return policy


def do_add_closure(now: datetime, st: StaffTeam, closure: Closure) -> AvailabilityPolicy:
    """Add a one-off closure (e.g. a team training day)."""
    policy = current_availability(st.team)
    kept = tuple(c for c in policy.closures if c.end > now)  # past closures are dropped as new ones are added
    return do_set_availability(now, st, policy_to_dict(replace(policy, closures=(*kept, closure))))


def do_remove_closure(now: datetime, st: StaffTeam, start: datetime, end: datetime) -> AvailabilityPolicy:
    """Remove the closure with this start and end."""
    policy = current_availability(st.team)
    kept = tuple(c for c in policy.closures if not (c.start == start and c.end == end))
    if len(kept) == len(policy.closures):
        raise ValidationError("That closure was not found. It may have been removed already.", field="closure")
    return do_set_availability(now, st, policy_to_dict(replace(policy, closures=kept)))


def do_pause(now: datetime, st: StaffTeam, pause: Pause | None) -> AvailabilityPolicy:
    """Pause messaging until ``pause.resume_at`` (with a reason patients see), or resume now (None)."""
    if pause is not None and pause.resume_at <= now:
        raise ValidationError("Choose a time in the future for messages to start again.", field="pause.resume_at")
    policy = current_availability(st.team)
    return do_set_availability(now, st, policy_to_dict(replace(policy, pause=pause)))


def do_set_auto_replies(now: datetime, st: StaffTeam, texts: dict[str, str]) -> dict[str, str]:
    """Set the team's auto-reply texts; every one is checked before any is saved."""
    _require_lead(st)
    unknown = set(texts) - set(auto_reply.KINDS)
    if unknown:
        raise ValidationError(f"There is no auto-reply called {sorted(unknown)[0]!r}.", field="auto_replies")
    cleaned = {kind: auto_reply.validate_template(kind, text) for kind, text in texts.items()}
    merged = {**(st.team.auto_replies or {}), **cleaned}
    # Texts equal to the shipped default are not stored, so improved defaults reach every team.
    stored = {k: v for k, v in merged.items() if v != auto_reply.DEFAULT_TEMPLATES.get(k)}
    _save_team(now, st, [TeamItem.auto_replies.set(stored)], AuditEventType.AUTO_REPLIES_CHANGED,
               {"kinds": sorted(cleaned)})
    return {**auto_reply.DEFAULT_TEMPLATES, **stored}


def seniors_view(st: StaffTeam) -> list[dict[str, Any]]:
    """The team's staff and whether each takes escalations (the lead by role; others when the lead marked them)."""
    marked = senior_ids(st.team)
    return [{"staff_id": m.staff_id, "name": m.display_name, "role": m.job_title, "lead": m.role == "lead",
             "senior": takes_escalations(m.role, m.staff_id in marked)}
            for m in sorted(roster(st.team.team_id), key=lambda m: m.display_name.lower())]


def do_set_seniors(now: datetime, st: StaffTeam, form: dict[str, str]) -> None:
    """The lead marks which clinicians are senior and take escalations (``senior_<staff id>=yes`` for each).

    Leads are senior by their role and are not marked. One audit row per person whose mark changed.
    """
    _require_lead(st)
    members = roster(st.team.team_id)
    wanted = {m.staff_id for m in members if m.role != "lead" and form.get(f"senior_{m.staff_id}") == "yes"}
    before = senior_ids(st.team) & {m.staff_id for m in members}
    changed = sorted(wanted ^ before)
    if not changed:
        return
    _save_team(now, st, [TeamItem.seniors.set(sorted(wanted))], AuditEventType.SENIOR_CHANGED,
               [{"staff_id": staff_id, "senior": staff_id in wanted} for staff_id in changed])


def _roster(team_id: str) -> dict[str, TeamMemberItem]:
    return {m.staff_id: m for m in roster(team_id)}


def do_set_away(now: datetime, st: StaffTeam, *, staff_id: str, start: datetime, end: datetime,
                cover_id: str) -> None:
    """Mark a team member away with a cover colleague. Clinicians set their own; the lead anyone's."""
    if staff_id != st.actor.id and st.role != "lead":
        raise Forbidden("Only the team lead can set someone else as away.")
    roster = _roster(st.team.team_id)
    if staff_id not in roster:
        raise ValidationError("Choose someone in this team.", field="staff_id")
    if cover_id not in roster or cover_id == staff_id:
        raise ValidationError("Choose a colleague in this team to cover.", field="cover_id")
    if end <= start:
        raise ValidationError("The end must be after the start.", field="end")
    if end <= now:
        raise ValidationError("The end must be in the future.", field="end")
    if (end - start).days > MAX_AWAY_DAYS:
        raise ValidationError(f"Away periods can be up to {MAX_AWAY_DAYS} days; set a longer one in parts.", field="end")
    cover_away = (st.team.away or {}).get(cover_id)
    if cover_away and datetime.fromisoformat(cover_away["start"]) < end and datetime.fromisoformat(cover_away["end"]) > start:
        raise ValidationError(f"{roster[cover_id].display_name} is away then too. Choose someone else.", field="cover_id")
    away = _pruned(st.team, now)
    cover = roster[cover_id]
    away[staff_id] = {
        "staff_name": roster[staff_id].display_name.split()[0],
        "start": start.isoformat(),
        "end": end.isoformat(),
        "cover_id": cover_id,
        "cover_name": cover.display_name.split()[0],
        "cover_role": cover.job_title or ("team lead" if cover.role == "lead" else "clinician"),
    }
    _save_team(now, st, [TeamItem.away.set(away)], AuditEventType.AWAY_SET,
               {"staff_id": staff_id, "cover_id": cover_id, "start": start.isoformat(), "end": end.isoformat()})


def do_clear_away(now: datetime, st: StaffTeam, staff_id: str) -> None:
    """End someone's away period now."""
    if staff_id != st.actor.id and st.role != "lead":
        raise Forbidden("Only the team lead can change someone else's away period.")
    away = _pruned(st.team, now)
    if staff_id not in away:
        raise ValidationError("That person is not set as away.", field="staff_id")
    del away[staff_id]
    _save_team(now, st, [TeamItem.away.set(away)], AuditEventType.AWAY_CLEARED, {"staff_id": staff_id})


def _pruned(team: TeamItem, now: datetime) -> dict[str, Any]:
    """The team's away map without periods that have ended."""
    return {k: v for k, v in (team.away or {}).items() if datetime.fromisoformat(v["end"]) > now}
