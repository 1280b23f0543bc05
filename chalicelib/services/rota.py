"""The named-contact rota: the lead builds a month, publishes it, changes it; patients see it and add it to a calendar.

Edits change the month's draft (conditioned on its version, so two leads cannot overwrite each
other unknowingly); publishing copies the draft to what patients see and records which days changed
since the last publication (patients see those days marked "updated"). Every change is audited.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pynamodb.exceptions import TransactWriteError

from chalicelib.domain import rota as rules
from chalicelib.domain.policy import TeamPolicy
from chalicelib.domain.rota import RotaDay
from chalicelib.errors import Conflict, ServiceUnavailable, ValidationError
from chalicelib.models import db
from chalicelib.models import rota as store
from chalicelib.models import team as team_store
from chalicelib.models.audit import AuditEventType, audit_event
from chalicelib.models.team import TeamItem, team_policy
from chalicelib.scopes import PatientConversation, StaffTeam
from chalicelib.services import routing
from chalicelib.services.common import touch_session

UPDATED_NOTICE = timedelta(days=7)


def parse_or_now(value: object, now: datetime) -> tuple[int, int]:
    """The month a URL names, or this month (UK time: the month's keys are needed before the team is loaded)."""
    if value in (None, ""):
        today = now.astimezone(ZoneInfo("Europe/London")).date()
        return today.year, today.month
    return rules.parse_month(value)


def builder_keys(team_id: str, year: int, month: int) -> list[tuple[str, str]]:
    """The month and the one before it (for "copy last month"), fetched with the session."""
    return store.month_keys(team_id, [rules.month_key(year, month), rules.month_key(*rules.shift_month(year, month, -1))])


def _month_item(st: StaffTeam, year: int, month: int) -> store.RotaMonthItem:
    key = rules.month_key(year, month)
    return store.month_item(st.items, st.team.team_id, key) or store.new_month(st.team.team_id, key)


def builder_view(st: StaffTeam, now: datetime, year: int, month: int) -> dict[str, Any]:
    """The lead's month: each day with its draft contact and hours, what patients see, and who can be chosen."""
    policy = team_policy(st.team)
    item = _month_item(st, year, month)
    draft, live = item.draft_days(), item.published_days()
    members = sorted(team_store.roster(st.team.team_id), key=lambda m: m.display_name.lower())
    rows = []
    for day in rules.month_days(year, month):
        entry = draft.get(day)
        rows.append({"day": day.isoformat(), "text": rules.day_text(day), "open": rules.open_on(policy, day),
                     "staff_id": entry.staff_id if entry else "", "start": entry.start.strftime("%H:%M") if entry else "",
                     "end": entry.end.strftime("%H:%M") if entry else "",
                     "changed": item.version > 0 and draft.get(day) != live.get(day)})
    return {"team": {"team_id": st.team.team_id, "name": st.team.name, "phone": st.team.phone},
            "role": st.role, "month": rules.month_key(year, month), "title": rules.month_title(year, month),
            "previous": rules.month_key(*rules.shift_month(year, month, -1)),
            "next": rules.month_key(*rules.shift_month(year, month, 1)),
            "members": [{"staff_id": m.staff_id, "name": m.display_name, "role": m.job_title} for m in members],
            "rows": rows, "published": item.version > 0, "version": int(item.version or 0),
            "unpublished_changes": item.version == 0 and bool(draft) or any(r["changed"] for r in rows)}


def _save(st: StaffTeam, now: datetime, item: store.RotaMonthItem, days: dict[date, RotaDay],
          detail: dict[str, Any]) -> None:
    try:
        with db.transaction() as tx:
            tx.update(item, actions=store.save_draft_action(item, days), condition=store.draft_unchanged(item))
            tx.save(audit_event(now, AuditEventType.ROTA_DRAFT_CHANGED, st.actor, team_id=st.team.team_id,
                                detail={"month": item.month, **detail}))
            touch_session(tx, st.actor, now)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            raise Conflict("Someone else changed this month's rota just now. Refresh and try again.") from exc
        raise ServiceUnavailable() from exc


def _entry(policy: TeamPolicy, members: dict[str, Any], day: date, fields: dict[str, Any]) -> RotaDay | None:
    staff_id = fields.get(f"staff_{day.isoformat()}") or ""
    if not staff_id:
        return None
    member = members.get(staff_id)
    if member is None:
        raise ValidationError(f"Choose someone from the team for {rules.day_text(day)}.", field=f"staff_{day}")
    entry = RotaDay(day, staff_id, member.display_name.split(" ")[0], member.job_title,
                    rules.parse_time(fields.get(f"start_{day}"), f"start_{day}"),
                    rules.parse_time(fields.get(f"end_{day}"), f"end_{day}"))
    return rules.check_day(policy, entry, field=f"start_{day}")


def do_save_days(st: StaffTeam, now: datetime, year: int, month: int, fields: dict[str, Any]) -> None:
    """Save the month's draft from the builder's form (one contact and hours per day; blank means nobody)."""
    policy = team_policy(st.team)
    members = {m.staff_id: m for m in team_store.roster(st.team.team_id)}
    days: dict[date, RotaDay] = {}
    for day in rules.month_days(year, month):
        entry = _entry(policy, members, day, fields)
        if entry is not None:
            days[day] = entry
    item = _month_item(st, year, month)
    _save(st, now, item, days, {"days": len(days)})


def do_copy_last_month(st: StaffTeam, now: datetime, year: int, month: int) -> None:
    """Fill the draft from last month, weekday for weekday (days the team is closed are left empty)."""
    prev_year, prev_month = rules.shift_month(year, month, -1)
    previous = store.month_item(st.items, st.team.team_id, rules.month_key(prev_year, prev_month))
    if previous is None or not (previous.draft or previous.published):
        raise ValidationError(f"There is no rota for {rules.month_title(prev_year, prev_month)} to copy.",
                              field="month")
    source = previous.draft_days() or previous.published_days()
    days = rules.copy_from_previous(source, year, month, team_policy(st.team))
    _save(st, now, _month_item(st, year, month), days, {"copied_from": previous.month})


def do_swap(st: StaffTeam, now: datetime, year: int, month: int, first: object, second: object) -> None:
    """Swap two days' contacts and hours (both must be days of this month, and the team open on both)."""
    in_month = set(rules.month_days(year, month))
    picked = []
    for value, field in ((first, "first"), (second, "second")):
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            day = None
        if day not in in_month:
            raise ValidationError("Choose two days of this month to swap.", field=field)
        picked.append(day)
    if picked[0] == picked[1]:
        raise ValidationError("Choose two different days to swap.", field="second")
    item = _month_item(st, year, month)
    policy = team_policy(st.team)
    days = rules.swap(item.draft_days(), picked[0], picked[1])
    for day in picked:
        if day in days:
            rules.check_day(policy, days[day], field="first")
    _save(st, now, item, days, {"swapped": [d.isoformat() for d in picked]})


def _notice(st: StaffTeam, now: datetime, item: store.RotaMonthItem, changed: list[date]) -> store.RotaNoticeItem | None:
    """The push notice a re-publication writes, when it changed days patients still rely on (else None).

    The push itself is sent from the table's stream by the push function (``services.notifications``), the only
    function holding the VAPID key; the notice carries no names and no rota, only the team and the month.
    """
    if not item.version:
        return None  # a first publication: nothing a patient relied on changed (no "Rota changed" in the app either)
    policy = team_policy(st.team)
    ahead = rules.days_worth_telling(policy, now, changed)
    if not ahead:
        return None
    return store.new_notice(st.team.team_id, item.month, int(item.version) + 1,
                            tell_until=rules.telling_ends(policy, ahead), now=now)


def do_publish(st: StaffTeam, now: datetime, year: int, month: int) -> list[date]:
    """Publish the draft to patients; after the first time, the days that changed are marked as updated.

    A re-publication that changed days still ahead (this month or next) also tells the team's patients by push.
    """
    item = _month_item(st, year, month)
    if not item.draft:
        raise ValidationError("Add at least one day before publishing.", field="month")
    changed = rules.changed_days(item.published_days(), item.draft_days())
    if item.version and not changed:
        raise ValidationError("Nothing has changed since the rota was published.", field="month")
    event = AuditEventType.ROTA_CHANGED if item.version else AuditEventType.ROTA_PUBLISHED
    notice = _notice(st, now, item, changed)
    try:
        with db.transaction() as tx:
            tx.update(item, actions=store.publish_actions(item, changed, now), condition=store.unpublished_since_loaded(item))
            if notice is not None:
                tx.save(notice)
            tx.save(audit_event(now, event, st.actor, team_id=st.team.team_id,
                                detail={"month": item.month, "changed": [d.isoformat() for d in changed]}))
            touch_session(tx, st.actor, now)
    except TransactWriteError as exc:
        if "ConditionalCheckFailed" in db.cancellation_codes(exc):
            raise Conflict("Someone else published this month's rota just now. Refresh and try again.") from exc
        raise ServiceUnavailable() from exc
    return changed


# --- what patients see -------------------------------------------------------------------------------------


def today_contact(items: dict[tuple[str, str], Any], team: TeamItem, now: datetime) -> dict[str, Any] | None:
    """Today's named contact for a patient (from the rota months fetched with the session), or None."""
    policy = team_policy(team)
    entry = rules.entry_on(routing.published(items, team.team_id, now), policy, now)
    if entry is None:
        return None
    month = store.month_item(items, team.team_id, rules.month_of(entry.day))
    # Told in the app: for a week after a re-publication the line says the rota changed.
    changed = bool(month and month.updated_days and month.published_at
                   and now - month.published_at < UPDATED_NOTICE)
    return {"line": rules.today_line(entry), "name": entry.name, "role": entry.role, "hours": rules.hours_text(entry),
            "changed": changed}


def patient_month_keys(team_id: str, year: int, month: int) -> list[tuple[str, str]]:
    return store.month_keys(team_id, [rules.month_key(year, month)])


def patient_view(pc: PatientConversation, now: datetime, year: int, month: int) -> dict[str, Any]:
    """The published month as a patient reads it: one line per day with a named contact."""
    item = store.month_item(pc.items, pc.team.team_id, rules.month_key(year, month))
    days = item.published_days() if item else {}
    updated = set((item.updated_days or []) if item else [])
    today = rules.local_today(team_policy(pc.team), now)
    rows = [{"day": d.isoformat(), "text": rules.day_text(d), "name": e.name, "role": e.role,
             "hours": rules.hours_text(e), "today": d == today, "updated": d.isoformat() in updated}
            for d, e in sorted(days.items())]
    return {"team": {"team_id": pc.team.team_id, "name": pc.team.name, "phone": pc.team.phone},
            "month": rules.month_key(year, month), "title": rules.month_title(year, month),
            "previous": rules.month_key(*rules.shift_month(year, month, -1)),
            "next": rules.month_key(*rules.shift_month(year, month, 1)),
            "rows": rows, "updated": bool(updated), "published_at": item.published_at if item else None}


def patient_calendar(pc: PatientConversation, now: datetime, year: int, month: int) -> str:
    """The published month as an iCalendar file (empty calendar when nothing is published)."""
    from chalicelib.domain.rota_calendar import build_calendar

    item = store.month_item(pc.items, pc.team.team_id, rules.month_key(year, month))
    days = item.published_days() if item else {}
    return build_calendar(team_id=pc.team.team_id, team_name=pc.team.name, phone=pc.team.phone,
                          timezone=team_policy(pc.team).timezone, days=days.values(), made_at=now)
