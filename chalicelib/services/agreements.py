"""The communication agreement: the lead publishes a version, the young person accepts it, staff see who accepted what.

A young person accepts the team's current version before their first message to it (on the join page, or on the
conversation page) and again whenever the lead publishes a new one; the send refuses until then
(``domain.send_gate``). The accepted version and time live on the conversation, which every send loads anyway, so
the check costs nothing. Each published version is also kept as its own item, so what anyone agreed to can be read
back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import agreement as rules
from chalicelib.domain.policy import when_text
from chalicelib.errors import Conflict, Forbidden, ServiceUnavailable, ValidationError
from chalicelib.models import db
from chalicelib.models import safety as safety_store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.conversation import ConversationItem
from chalicelib.models.safety import team_safety
from chalicelib.models.team import TeamItem, get_team, team_policy
from chalicelib.scopes import PatientConversation, StaffTeam
from chalicelib.services.common import staff_label


def view(team: TeamItem, now: datetime | None = None) -> dict[str, Any]:
    """The team's current agreement as a page shows it (hours and reply time filled in from the policy)."""
    policy = team_policy(team)
    current = team_safety(team).agreement
    published = when_text(policy, current.published_at, now) if current.published_at and now else ""
    return {"version": current.version, "team_name": team.name, "published_text": published,
            "sections": rules.render(current, team_name=team.name, availability=policy.availability),
            "routes": routes(team)}


def routes(team: TeamItem) -> list[dict[str, str]]:
    """Every way to get help now for this team's patients: its own and the Trust's lines first, then 999, 111..."""
    return [{"label": r.label, "detail": r.detail, "href": r.href} for r in team_safety(team).routes]


def patient_status(conv: ConversationItem, team: TeamItem) -> dict[str, Any]:
    """Whether the young person has accepted the team's current agreement, and which version when."""
    current = team_safety(team).agreement.version
    accepted = None if conv.agreement_version is None else int(conv.agreement_version)
    return {"current_version": current, "accepted_version": accepted,
            "accepted_at": conv.agreement_accepted_at.isoformat() if conv.agreement_accepted_at else None,
            "needed": accepted is None or accepted < current}


def join_view(team_id: str) -> dict[str, Any] | None:
    """The agreement the join pages show for the team a code is for (None if the team is gone)."""
    team = get_team(team_id)
    return view(team) if team is not None else None


def _version(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def shown_version(team_id: str, value: object) -> int:
    """The version a join page showed (a hidden field), or the team's current one when a flow has no page."""
    version = _version(value)
    if version is not None:
        return version
    team = get_team(team_id)
    return team_safety(team).agreement.version if team is not None else 1


def stamp(conversation: ConversationItem, version: int, now: datetime) -> None:
    """Mark a new conversation as agreed (before it is saved, in the join's own transaction)."""
    conversation.agreement_version = version
    conversation.agreement_accepted_at = now


def accept_actions(version: int, now: datetime) -> list[Any]:
    """Update actions marking an existing conversation as agreed (a young person rejoining a team)."""
    return [ConversationItem.agreement_version.set(version), ConversationItem.agreement_accepted_at.set(now)]


def do_accept(pc: PatientConversation, now: datetime, version: object) -> None:
    """The young person accepts the version they were shown; it must be the team's current one."""
    current = team_safety(pc.team).agreement.version
    shown = _version(version)
    if shown is None:
        raise ValidationError("Tick the box to say you agree.", field="agreement")
    if shown != current:
        raise Conflict("The team has just updated how messaging works. Please read it again and agree.",
                       field="agreement", version=current)
    conv = pc.conversation
    if conv.agreement_version is not None and int(conv.agreement_version) >= current:
        return  # already agreed (a second tap, or another device)
    with db.committed() as tx:
        tx.update(conv, actions=accept_actions(current, now))
        tx.save(audit_event(now, AuditEventType.AGREEMENT_ACCEPTED, pc.actor, team_id=conv.team_id,
                            detail={"version": current}))


def do_publish(st: StaffTeam, now: datetime, texts: dict[str, object]) -> rules.Agreement:
    """The lead publishes a new version (every patient agrees again before their next message); one transaction."""
    if st.role != "lead":
        raise Forbidden("Only the team lead can publish the agreement.")
    team = st.team
    published = rules.published(team_safety(team).agreement, rules.clean_texts(texts), now, staff_label(st.actor))
    tx = db.transaction()
    try:
        with tx:
            tx.update(team, actions=[TeamItem.agreement.set(published.to_stored()), TeamItem.policy_version.add(1)],
                      condition=TeamItem.policy_version == (team.policy_version or 0), label="team")
            tx.save(safety_store.new_agreement_version(team.team_id, published), label="version")
            tx.save(audit_event(now, AuditEventType.AGREEMENT_PUBLISHED, st.actor, team_id=team.team_id,
                                detail={"version": published.version, "reworded": sorted(published.texts)}))
    except TransactWriteError as exc:
        if tx.failed_labels(exc):
            raise Conflict("Someone else changed the team's settings just now. Refresh the page and try again.") from exc
        raise ServiceUnavailable() from exc
    return published


def editable_texts(team: TeamItem) -> list[dict[str, Any]]:
    """The sections as the lead's form shows them: each with its current words and whether it can be changed."""
    current = team_safety(team).agreement
    return [{"key": s.key, "heading": s.heading, "text": rules.section_text(current, s.key), "editable": s.editable}
            for s in rules.SECTIONS]


def history(team: TeamItem, now: datetime) -> list[dict[str, Any]]:
    """Every published version, newest first (for staff: what each version said, who published it, when)."""
    policy = team_policy(team)
    return [{"version": int(v.version), "published_by": v.published_by,
             "published_text": when_text(policy, v.published_at, now)}
            for v in safety_store.agreement_versions(team.team_id)]
