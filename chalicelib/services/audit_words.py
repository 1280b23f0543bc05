"""Every audit event in plain words, for the people who read the audit log (an IG lead, a Trust admin).

Each event type has a label (what kind of thing happened, for the search's "kind" list) and a sentence
built from the names of the people and team involved: "Sam Okafor assigned Ellie Newcomer's
conversation to Jess Morgan". Rows hold ids and codes only; the names are looked up when the log is
read. Every ``AuditEventType`` must have an entry here (a test fails on a new type without one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from chalicelib.models.audit import AuditEventType as E


class Words(NamedTuple):
    """The names an event's sentence is made of."""

    actor: str  # who did it ("Teamline" for the system, "Someone" for a failed sign-in to no account)
    patient: str  # whose data it touched ("a patient" when unknown)
    team: str  # which team ("a team" when unknown)
    detail: Mapping[str, Any]
    name: Callable[[Any], str]  # a staff or patient id in the detail -> their name
    team_name: Callable[[Any], str]  # a team id in the detail -> its name


class EventWords(NamedTuple):
    """What kind of thing an event is, and the sentence that says what happened."""

    label: str
    sentence: Callable[[Words], str]


def _role(role: Any) -> str:
    return "a team lead" if role == "lead" else "a clinician"


def _roles(w: Words) -> str:
    roles = w.detail.get("roles") or {}
    parts = [f"{_role(role)} in {w.team_name(team)}" for team, role in sorted(roles.items())]
    if w.detail.get("trust_admin"):
        parts.append("a Trust admin")
    return f" as {', '.join(parts)}" if parts else ""


def _role_changed(w: Words) -> str:
    staff = w.name(w.detail.get("staff_id"))
    if w.detail.get("role") is None:
        return f"{w.actor} removed {staff} from {w.team}"
    return f"{w.actor} made {staff} {_role(w.detail.get('role'))} in {w.team}"


def _sign_in_failed(w: Words) -> str:
    if w.detail.get("account") == "unknown":
        return "Someone tried to sign in to an account that does not exist"
    return f"Someone tried to sign in as {w.actor} and got the password wrong"


def _message(w: Words) -> str:
    if w.actor == w.patient:
        auto = " and got an automatic reply" if w.detail.get("auto_reply") else ""
        return f"{w.patient} sent a message to {w.team}{auto}"
    return f"{w.actor} replied to {w.patient} for {w.team}"


def _assigned(w: Words) -> str:
    before, after = w.detail.get("from"), w.detail.get("to")
    if after is None:
        why = " because they left the team" if w.detail.get("reason") == "left_team" else ""
        return f"{w.name(before)} no longer holds {w.patient}'s conversation with {w.team}{why}"
    if w.name(after) == w.actor:
        return f"{w.actor} took {w.patient}'s conversation with {w.team}"
    return f"{w.actor} assigned {w.patient}'s conversation with {w.team} to {w.name(after)}"


def _away_cleared(w: Words) -> str:
    why = " because they left the team" if w.detail.get("reason") == "left_team" else ""
    return f"{w.actor} ended {w.name(w.detail.get('staff_id'))}'s away period in {w.team}{why}"


def _access(w: Words) -> str:
    staff = w.name(w.detail.get("staff_id"))
    changes = []
    for key, what in (("trust_admin", "a Trust admin"), ("ig_lead", "information governance (audit log)")):
        if key in w.detail:
            changes.append(f"gave {staff} {what} access" if w.detail[key] else f"removed {staff}'s {what} access")
    return f"{w.actor} {' and '.join(changes)}" if changes else f"{w.actor} changed {staff}'s access"


def _invited(w: Words) -> str:
    if w.detail.get("purpose") not in (None, "join"):
        return f"{w.actor} gave {w.patient} a new code to join {w.team}"
    return f"{w.actor} invited {w.patient} to join {w.team}"


_STATUS_WORDS = {"new": "new", "assigned": "assigned", "awaiting_patient": "awaiting the patient", "closed": "closed"}


def _status(w: Words) -> str:
    after = _STATUS_WORDS.get(str(w.detail.get("to")), "changed")
    follow_up = w.detail.get("follow_up")
    return (f"{w.actor} marked {w.patient}'s conversation with {w.team} {after}"
            + (f", to follow up on {str(follow_up)[:10]}" if follow_up else ""))


def _month(w: Words) -> str:
    month = str(w.detail.get("month") or "")
    try:
        year, number = month.split("-")
        return f"{_MONTHS[int(number) - 1]} {int(year)}"
    except (ValueError, IndexError):
        return "a month"


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


_SAFETY_PARTS = {"lines": "urgent lines", "red_flags": "red-flag words", "limits": "out-of-hours alerts and daily cap"}
_LADDER = {"plan": "an agreed messaging plan", "cap": "a message cap", "pause": "a pause on messaging"}
_ENDED = {"plan_ended": "ended the agreed messaging plan", "cap_lifted": "lifted the message cap",
          "pause_lifted": "ended the pause on messaging"}


def _version(w: Words) -> str:
    version = w.detail.get("version")
    return f"version {version} of " if isinstance(version, int) else ""


def _ladder_step(w: Words) -> str:
    step = str(w.detail.get("step"))
    limit, period = w.detail.get("limit"), w.detail.get("period")
    cap = f" of {limit} a {period}" if step == "cap" and limit and period else ""
    review = str(w.detail.get("review_at") or "")[:10]
    verb = "changed" if w.detail.get("changed") else "set"
    return (f"{w.actor} {verb} {_LADDER.get(step, 'a step')}{cap} for {w.patient} in {w.team}"
            + (f", to review on {review}" if review else ""))


_FORMATS = {"pdf": "the transcript PDF", "json": "the FHIR bundle",
            "html": "the printable transcript"}


def _count(value: Any, noun: str) -> str:
    number = value if isinstance(value, int) else None
    if number is None:
        return f"some {noun}s"
    return f"{number} {noun}{'' if number == 1 else 's'}"


DESCRIPTIONS: dict[str, EventWords] = {
    E.TRUST_ADMIN_CREATED: EventWords("Trust set up", lambda w: (
        f"Teamline was set up for the Trust, with {w.name(w.detail.get('staff_id'))} as its first Trust admin")),
    E.TEAM_CREATED: EventWords("Team created", lambda w: f"{w.actor} created the team {w.team}"),
    E.TEAM_UPDATED: EventWords("Team name or phone changed", lambda w: (
        f"{w.actor} changed {w.team}'s {' and '.join(w.detail.get('changed') or ['details'])}")),
    E.STAFF_CREATED: EventWords("Staff account created", lambda w: (
        f"{w.actor} created an account for {w.name(w.detail.get('staff_id'))}{_roles(w)}")),
    E.STAFF_ROLE_CHANGED: EventWords("Staff role changed", _role_changed),
    E.STAFF_ACCESS_CHANGED: EventWords("Trust admin or IG access changed", _access),
    E.STAFF_PASSWORD_RESET: EventWords("Staff password reset", lambda w: (
        f"{w.actor} reset {w.name(w.detail.get('staff_id'))}'s password")),
    E.STAFF_PASSWORD_CHANGED: EventWords("Staff password changed", lambda w: f"{w.actor} changed their password"),
    E.STAFF_DEACTIVATED: EventWords("Staff account deactivated", lambda w: (
        f"{w.actor} deactivated {w.name(w.detail.get('staff_id'))}'s account")),
    E.STAFF_SIGNED_IN: EventWords("Staff signed in", lambda w: f"{w.actor} signed in"),
    E.STAFF_SIGN_IN_FAILED: EventWords("Staff sign-in failed", _sign_in_failed),
    E.PATIENT_SIGNED_IN: EventWords("Patient signed in", lambda w: f"{w.actor} signed in"),
    E.PATIENT_SIGN_IN_FAILED: EventWords("Patient sign-in failed", _sign_in_failed),
    E.SIGNED_OUT: EventWords("Signed out", lambda w: f"{w.actor} signed out"),
    E.SIGNED_OUT_EVERYWHERE: EventWords("Signed out of every device", lambda w: (
        f"{w.actor} signed out of every device ({w.detail.get('sessions', 0)} signed in)")),
    E.PATIENT_INVITED: EventWords("Patient invited", _invited),
    E.PATIENT_REINVITED: EventWords("Patient given a new code", lambda w: (
        f"{w.actor} gave {w.patient} a new code to join {w.team}")),
    E.INVITE_ACCEPTED: EventWords("Invitation accepted", lambda w: f"{w.patient} joined {w.team}"),
    E.INVITATION_DECLINED: EventWords("Invitation declined", lambda w: (
        f"{w.actor} said no to joining {w.team}")),
    E.ACCOUNT_RECOVERY_ISSUED: EventWords("Account recovery code given", lambda w: (
        f"{w.actor} gave {w.patient} a code to choose a new password ({w.team})")),
    E.ACCOUNT_RECOVERED: EventWords("Account recovered", lambda w: (
        f"{w.patient} chose a new password with a code from {w.name(w.detail.get('issued_by'))}")),
    E.PATIENT_DISCHARGED: EventWords("Patient discharged", lambda w: (
        f"{w.actor} discharged {w.patient} from {w.team}")),
    E.MESSAGE_SENT: EventWords("Message sent", _message),
    E.CONVERSATION_VIEWED: EventWords("Conversation read", lambda w: (
        f"{w.actor} read {w.patient}'s conversation with {w.team}")),
    E.CONVERSATION_OVERDUE: EventWords("Conversation overdue", lambda w: (
        f"{w.patient}'s conversation with {w.team} went past its reply-by time")),
    E.CONVERSATION_ASSIGNED: EventWords("Conversation assigned", _assigned),
    E.CONVERSATION_URGENCY_CHANGED: EventWords("Conversation marked urgent or not", lambda w: (
        f"{w.actor} marked {w.patient}'s conversation with {w.team} "
        f"{'urgent' if w.detail.get('urgent') else 'as not urgent'}")),
    E.CONVERSATION_RELEASED: EventWords("Conversation released", lambda w: (
        f"{w.actor} released {w.patient}'s conversation with {w.team} (it was with {w.name(w.detail.get('from'))})")),
    E.CONVERSATION_STATUS_CHANGED: EventWords("Conversation status changed", _status),
    E.CONVERSATION_ROUTED: EventWords("Conversation routed by the rota", lambda w: (
        f"Teamline gave {w.patient}'s conversation with {w.team} to {w.name(w.detail.get('to'))}, "
        "the named contact on the rota")),
    E.NOTE_ADDED: EventWords("Internal note added", lambda w: (
        f"{w.actor} added a staff-only note to {w.patient}'s conversation with {w.team}")),
    E.CONVERSATION_ESCALATED: EventWords("Conversation escalated", lambda w: (
        f"{w.actor} escalated {w.patient}'s conversation with {w.team} to {w.name(w.detail.get('to'))}")),
    E.ESCALATION_SETTLED: EventWords("Escalation dealt with", lambda w: (
        f"{w.actor} dealt with the escalation of {w.patient}'s conversation with {w.team}")),
    E.CANNED_REPLIES_CHANGED: EventWords("Canned replies changed", lambda w: (
        f"{w.actor} changed {w.team}'s canned replies")),
    E.SENIOR_CHANGED: EventWords("Who takes escalations changed", lambda w: (
        f"{w.actor} marked {w.name(w.detail.get('staff_id'))} as a senior clinician who takes escalations in {w.team}"
        if w.detail.get("senior") else
        f"{w.actor} marked {w.name(w.detail.get('staff_id'))} as no longer taking escalations in {w.team}")),
    E.ROTA_DRAFT_CHANGED: EventWords("Rota draft changed", lambda w: (
        f"{w.actor} changed the draft named-contact rota for {w.team}, {_month(w)}")),
    E.ROTA_PUBLISHED: EventWords("Rota published", lambda w: (
        f"{w.actor} published the named-contact rota for {w.team}, {_month(w)}")),
    E.ROTA_CHANGED: EventWords("Published rota changed", lambda w: (
        f"{w.actor} changed {len(w.detail.get('changed') or [])} days of the published named-contact rota "
        f"for {w.team}, {_month(w)}")),
    E.SAFETY_SETTINGS_CHANGED: EventWords("Safety settings changed", lambda w: (
        f"{w.actor} changed {w.team}'s {_SAFETY_PARTS.get(str(w.detail.get('part')), 'safety settings')}")),
    E.TRUST_LINES_CHANGED: EventWords("Trust's urgent lines changed", lambda w: (
        f"{w.actor} changed the Trust's urgent lines ({w.detail.get('lines', 0)} lines, shown by "
        f"{w.detail.get('teams', 0)} teams)")),
    E.AGREEMENT_PUBLISHED: EventWords("Agreement published", lambda w: (
        f"{w.actor} published {_version(w)}{w.team}'s messaging agreement")),
    E.AGREEMENT_ACCEPTED: EventWords("Agreement accepted", lambda w: (
        f"{w.actor} agreed to {_version(w)}{w.team}'s messaging agreement")),
    E.MISUSE_REMINDER: EventWords("Messaging reminder sent", lambda w: (
        f"{w.actor} sent {w.patient} a reminder about how to use messaging with {w.team}")),
    E.MISUSE_PLAN_SET: EventWords("Messaging plan agreed", _ladder_step),
    E.MISUSE_CAP_SET: EventWords("Message cap set", _ladder_step),
    E.MISUSE_PAUSED: EventWords("Messaging paused", _ladder_step),
    E.MISUSE_STEP_ENDED: EventWords("Messaging plan, cap or pause ended", lambda w: (
        f"{w.actor} {_ENDED.get(str(w.detail.get('step')), 'ended a step of the ladder')} for {w.patient} "
        f"in {w.team}")),
    E.CONTENT_WARNING_CHANGED: EventWords("Content warning changed", lambda w: (
        f"{w.actor} {'put a content warning on' if w.detail.get('on') else 'took the content warning off'} "
        f"a message in {w.patient}'s conversation with {w.team}")),
    E.RECORD_FILED: EventWords("Filed to the clinical record", lambda w: (
        f"{w.actor} filed {_count(w.detail.get('messages'), 'message')} of {w.patient}'s conversation with "
        f"{w.team} to the clinical record")),
    E.RECORD_DOWNLOADED: EventWords("Record export downloaded", lambda w: (
        f"{w.actor} downloaded {_FORMATS.get(str(w.detail.get('format')), 'an export')} of {w.patient}'s "
        f"conversation with {w.team}")),
    E.RECORD_DELETED: EventWords("Deleted after the retention period", lambda w: (
        f"Teamline deleted {_count(w.detail.get('messages'), 'filed message')} of {w.patient}'s conversation "
        f"with {w.team}, past the Trust's retention period")),
    E.RECORD_KEPT_UNFILED: EventWords("Kept: not filed", lambda w: (
        f"Teamline kept {_count(w.detail.get('unfiled'), 'message')} of {w.patient}'s conversation with "
        f"{w.team} past the retention period because they were never filed")),
    E.UNFILED_REMINDER: EventWords("Unfiled reminder sent", lambda w: (
        f"Teamline reminded {w.team}'s lead of {_count(w.detail.get('conversations'), 'conversation')} "
        "not filed to the record")),
    E.UNFILED_SETTING_CHANGED: EventWords("Unfiled reminder setting changed", lambda w: (
        f"{w.actor} set {w.team} to flag messages unfiled after {_count(w.detail.get('days'), 'day')}")),
    E.RETENTION_CHANGED: EventWords("Retention period changed", lambda w: (
        f"{w.actor} changed how long filed messages are kept from {_count(w.detail.get('was'), 'year')} "
        f"to {_count(w.detail.get('years'), 'year')}")),
    E.POLICY_CHANGED: EventWords("Opening hours changed", lambda w: (
        f"{w.actor} changed {w.team}'s opening hours, closures or reply target")),
    E.AUTO_REPLIES_CHANGED: EventWords("Automatic replies changed", lambda w: (
        f"{w.actor} changed {w.team}'s automatic replies")),
    E.AWAY_SET: EventWords("Away period set", lambda w: (
        f"{w.actor} set {w.name(w.detail.get('staff_id'))} as away from {w.team}, "
        f"covered by {w.name(w.detail.get('cover_id'))}")),
    E.AWAY_CLEARED: EventWords("Away period ended", _away_cleared),
    E.AUDIT_VIEWED: EventWords("Audit log searched", lambda w: f"{w.actor} searched the audit log"),
    E.AUDIT_EXPORTED: EventWords("Audit log downloaded", lambda w: (
        f"{w.actor} downloaded {w.detail.get('rows', 0)} audit log events as a spreadsheet")),
    E.PUSH_SUBSCRIBED: EventWords("Notifications turned on", lambda w: (
        f"{w.actor} turned on notifications on a device")),
    E.PUSH_UNSUBSCRIBED: EventWords("Notifications turned off", lambda w: (
        f"{w.actor} turned off notifications on a device")),
}


def label(event_type: str) -> str:
    """What kind of thing an event is, in a few words."""
    found = DESCRIPTIONS.get(event_type)
    return found.label if found else event_type


def describe(event_type: str, words: Words) -> str:
    """The event as a sentence (a type this release does not know, from a newer one, is named as stored)."""
    found = DESCRIPTIONS.get(event_type)
    if found is None:
        return f"{words.actor}: {event_type}"
    try:
        return found.sentence(words)
    except (AttributeError, TypeError, KeyError):  # a row older than its detail's current shape
        return f"{words.actor}: {found.label.lower()}"


def kinds() -> list[tuple[str, str]]:
    """Every event type and its label, by label (the search's "kind" list)."""
    return sorted(((str(t), w.label) for t, w in DESCRIPTIONS.items()), key=lambda pair: pair[1].lower())
