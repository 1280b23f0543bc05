"""The clinician's tablet pages: team inbox, a conversation, inviting patients, the patient list."""

from __future__ import annotations

import uuid
from typing import Any

from chalice import Blueprint

from chalicelib.access import access_staff, access_staff_conversation, access_staff_team
from chalicelib.errors import TeamlineError, ValidationError
from chalicelib.models import db, keys
from chalicelib.models.items import ConversationItem, PatientItem, TeamItem
from chalicelib.services import invites, messaging, overdue, team_settings
from chalicelib.services.team_policy import policy_of
from chalicelib.web import present, qr
from chalicelib.web.responses import Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)


def my_teams(req: RequestContext) -> list[dict[str, Any]]:
    """The caller's teams with their role (one BatchGetItem)."""
    roles = req.actor.team_roles if req.actor else {}
    found = db.batch_get([keys.team(t) for t in roles])
    teams = [t for t in found.values() if isinstance(t, TeamItem)]
    return sorted(({"team_id": t.team_id, "name": t.name, "role": roles[t.team_id]} for t in teams),
                  key=lambda row: row["name"].lower())


@route(bp, "/staff", auth="staff", summary="Staff home: my teams")
def home(req: RequestContext) -> Page | Redirect:
    actor = access_staff(req).actor
    teams = my_teams(req)
    if len(teams) == 1 and not actor.is_trust_admin and req.query("password_changed") is None:
        return Redirect(f"/staff/teams/{teams[0]['team_id']}", 302)
    return Page("staff/home.html", {"teams": teams, "password_changed": req.query("password_changed") == "1"})


INBOX_VIEWS = (("all", "All"), ("mine", "Mine"), ("overdue", "Overdue"))


@route(bp, "/staff/teams/{team_id}", auth="staff", summary="Team inbox", query=("cursor", "view"))
def inbox(req: RequestContext, team_id: str) -> Page:
    st = access_staff_team(req, team_id)
    view = req.query("view") or "all"
    if view not in dict(INBOX_VIEWS):
        raise ValidationError("Choose All, Mine or Overdue.", field="view")
    policy = policy_of(st.team)
    next_cursor = None
    covering = team_settings.covered_by(st.team, st.actor.id, req.now)
    overdue_first: list[ConversationItem] = []
    if view == "mine":
        conversations = messaging.assigned_page([st.actor.id, *covering])
    elif view == "overdue":
        conversations = overdue.due_conversations(team_id, req.now, limit=50)
    else:
        page = messaging.inbox_page(st.team, cursor=req.query("cursor"))
        conversations, next_cursor = page.conversations, page.next_cursor
        if st.role == "lead" and int(st.team.overdue_count or 0) > 0 and not req.query("cursor"):
            # The team lead sees what is overdue first.
            overdue_first = overdue.due_conversations(team_id, req.now, limit=10)
    return Page("staff/inbox.html", {
        "team": {"team_id": st.team.team_id, "name": st.team.name, "status": present.team_status(st.team, req.now)},
        "role": st.role,
        "view": view,
        "views": INBOX_VIEWS,
        "overdue_count": int(st.team.overdue_count or 0),
        "covering": [policy.away[s].staff_name for s in covering],
        "overdue_first": [present.conversation_summary(c, req.now, policy) for c in overdue_first],
        "conversations": [present.conversation_summary(c, req.now, policy) for c in conversations],
        "next_cursor": next_cursor,
        "first_page": not req.query("cursor"),
    })


def _conversation_context(req: RequestContext, team_id: str, patient_id: str, error: TeamlineError | None = None,
                          draft: str = "") -> dict[str, Any]:
    sc = access_staff_conversation(req, team_id, patient_id)
    page = messaging.message_page(team_id, patient_id, before=messaging.check_cursor(req.query("before")))
    messaging.do_staff_view(sc, req.now)
    policy = policy_of(sc.team)
    messages = [present.message(m, sc.conversation, viewer="staff", policy=policy, now=req.now, viewer_id=sc.actor.id) for m in page.messages]
    return {
        "team": {"team_id": sc.team.team_id, "name": sc.team.name},
        "me": sc.actor.id,
        "conversation": present.conversation_summary(sc.conversation, req.now, policy),
        "messages": messages,
        "older_cursor": page.older_cursor,
        "seen_upto": messages[-1]["cursor"] if messages else "",
        "new_client_id": str(uuid.uuid4()),
        "error": error,
        "draft": draft,
    }


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}", auth="staff", summary="A conversation", query=("before",))
def conversation(req: RequestContext, team_id: str, patient_id: str) -> Page:
    return Page("staff/conversation.html", _conversation_context(req, team_id, patient_id))


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/messages", methods=("POST",), auth="staff",
       summary="Reply to a patient")
def reply(req: RequestContext, team_id: str, patient_id: str) -> Page | Redirect:
    sc = access_staff_conversation(req, team_id, patient_id)
    form = req.form()
    try:
        messaging.do_staff_reply(sc, client_id=form.get("client_id"), body=form.get("body"), now=req.now,
                                 seen_upto=form.get("seen_upto"))
    except TeamlineError as error:
        context = _conversation_context(req, team_id, patient_id, error=error, draft=form.get("body", ""))
        return Page("staff/conversation.html", context, status=error.status)
    return Redirect(f"/staff/teams/{team_id}/patients/{patient_id}#latest")


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/claim", methods=("POST",), auth="staff",
       summary="Take a conversation: become the clinician handling it")
def claim(req: RequestContext, team_id: str, patient_id: str) -> Redirect:
    sc = access_staff_conversation(req, team_id, patient_id)
    messaging.do_claim(sc, req.now)
    return Redirect(f"/staff/teams/{team_id}/patients/{patient_id}")


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/urgent", methods=("POST",), auth="staff",
       summary="Mark a conversation urgent, or not urgent")
def set_urgent(req: RequestContext, team_id: str, patient_id: str) -> Redirect:
    sc = access_staff_conversation(req, team_id, patient_id)
    messaging.do_set_urgent(sc, req.now, req.form().get("urgent") == "yes")
    return Redirect(f"/staff/teams/{team_id}/patients/{patient_id}")


@route(bp, "/staff/teams/{team_id}/patients", auth="staff", summary="The team's patients")
def patients(req: RequestContext, team_id: str) -> Page:
    st = access_staff_team(req, team_id)
    rows = [c for c in ConversationItem.by_gsi3.query(keys.team_patients(team_id)) if isinstance(c, ConversationItem)]
    return Page("staff/patients.html", {
        "team": {"team_id": st.team.team_id, "name": st.team.name},
        "patients": [{"patient_id": c.patient_id, "name": c.patient_name} for c in rows],
    })


@route(bp, "/staff/teams/{team_id}/invites", auth="staff", summary="Invite-a-patient form")
def invite_form(req: RequestContext, team_id: str) -> Page:
    st = access_staff_team(req, team_id)
    return Page("staff/invite.html", {"team": {"team_id": st.team.team_id, "name": st.team.name}, "values": {}})


def _invite_page(req: RequestContext, team: TeamItem, result: invites.InviteResult) -> Page:
    host = req.headers.get("host", "localhost")
    scheme = "http" if host.startswith(("127.0.0.1", "localhost")) else "https"
    link = f"{scheme}://{host}/join?code={result.code}"
    return Page("staff/invite_code.html", {
        "team": {"team_id": team.team_id, "name": team.name},
        "patient_name": result.patient.display_name,
        "code": result.code,
        "link": link,
        "qr_svg": qr.svg(link),
        "expires_text": present.when_text_for(team, result.expires_at, req.now),
        "relink": result.relink,
    })


@route(bp, "/staff/teams/{team_id}/invites", methods=("POST",), auth="staff", summary="Invite a patient")
def invite(req: RequestContext, team_id: str) -> Page:
    st = access_staff_team(req, team_id)
    form = req.form()
    try:
        dob = "-".join([form.get("dob_year", "").strip(), form.get("dob_month", "").strip().zfill(2),
                        form.get("dob_day", "").strip().zfill(2)])
        result = invites.do_invite_patient(st, req.now, given_name=form.get("given_name"),
                                           family_name=form.get("family_name"), date_of_birth=dob,
                                           nhs_number=form.get("nhs_number"))
    except TeamlineError as error:
        return Page("staff/invite.html", {"team": {"team_id": st.team.team_id, "name": st.team.name},
                                          "values": form, "error": error}, status=error.status)
    return _invite_page(req, st.team, result)


@route(bp, "/staff/teams/{team_id}/patients/{patient_id}/invites", methods=("POST",), auth="staff",
       summary="A fresh code for an existing patient (lost phone, forgotten password)")
def reinvite(req: RequestContext, team_id: str, patient_id: str) -> Page:
    st = access_staff_team(req, team_id)
    result = invites.do_reinvite_patient(st, req.now, patient_id)
    return _invite_page(req, st.team, result)


__all__ = ["bp", "PatientItem"]
