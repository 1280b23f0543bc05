"""Joining with a code from the care team: a new account, adding a team to an account, or a password reset.

One code page (code + date of birth) leads to one of three pages, chosen by what the code is for and
who it belongs to (``services.invites.CheckedInvite``): choose a username and password (new to
Teamline), sign in as yourself to add the team (already registered), or choose a new password
(account recovery). Signed-in patients also answer teams' invitations from their home page.
"""

from __future__ import annotations

from collections.abc import Callable

from chalice import Blueprint

from chalicelib.access import access_patient
from chalicelib.api.account import form_error
from chalicelib.errors import TeamlineError, ValidationError
from chalicelib.services import agreements, invites, recovery, signin
from chalicelib.web import patient_forms
from chalicelib.web.responses import Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)

CODE_FIELDS = ("code", "dob_day", "dob_month", "dob_year")


@route(bp, "/join", summary="Enter an invite code")
def join_form(req: RequestContext) -> Page:
    return Page("auth/join_code.html", {"values": {"code": req.query("code") or ""}})


def _checked(req: RequestContext, form: dict[str, str]) -> invites.CheckedInvite:
    dob = patient_forms.check_code_and_birthday(form, req.now.date())
    return invites.check_invite(req.now, code=form.get("code"), date_of_birth=dob, address=req.client_ip)


def _next_page(checked: invites.CheckedInvite, values: dict[str, str], error: TeamlineError | None = None) -> Page:
    """The page a checked code leads to."""
    if checked.recovers:
        template = "auth/join_recover.html"
    elif checked.adds_team:
        template = "auth/join_existing.html"
    else:
        template = "auth/join_account.html"
    context = {"values": values, "patient_name": checked.patient.given_name, "error": error,
               "agreement": agreements.join_view(checked.invite.team_id)}  # safety: the team's own agreement
    return Page(template, context, status=error.status if error else 200)


@route(bp, "/join", methods=("POST",), summary="Check an invite code and date of birth")
def join_check(req: RequestContext) -> Page:
    form = req.form()
    values = {k: form.get(k, "") for k in CODE_FIELDS}
    try:
        checked = _checked(req, form)
    except TeamlineError as error:
        return form_error("auth/join_code.html", error, values)
    return _next_page(checked, values)


Act = Callable[["invites.CheckedInvite", dict[str, str]], "signin.SignedIn"]


def _answer(req: RequestContext, extra: tuple[str, ...], act: Act) -> Page | Redirect:
    """Re-check the code, then run ``act(checked, form)``; its SignedIn starts the session."""
    form = req.form()
    values = {k: form.get(k, "") for k in (*CODE_FIELDS, *extra)}
    try:
        checked = _checked(req, form)
    except TeamlineError as error:
        return form_error("auth/join_code.html", error, values)
    try:
        signed = act(checked, form)
    except TeamlineError as error:
        return _next_page(checked, values, error)
    req.start_session(signed.credential, signed.max_age, signed.device_token)
    return Redirect("/p?welcome=1")


@route(bp, "/join/account", methods=("POST",), summary="New to Teamline: accept the agreement, choose a username and password")
def join_accept(req: RequestContext) -> Page | Redirect:
    def act(checked: invites.CheckedInvite, form: dict[str, str]) -> signin.SignedIn:
        patient_forms.check_new_account(form)
        return invites.do_accept_invite(req.now, checked, username=form.get("username"), password=form.get("password"),
                                        agreed=form.get("agreement") == "yes", device=req.user_agent,
                                        agreement_version=form.get("agreement_version"))
    return _answer(req, ("username", "agreement"), act)


@route(bp, "/join/existing", methods=("POST",), summary="Already registered: sign in to add the team")
def join_existing(req: RequestContext) -> Page | Redirect:
    def act(checked: invites.CheckedInvite, form: dict[str, str]) -> signin.SignedIn:
        patient_forms.check_existing_account(form)
        return invites.do_join_signed(req.now, checked, username=form.get("username"), password=form.get("password"),
                                      agreed=form.get("agreement") == "yes", address=req.client_ip,
                                      device=req.user_agent, agreement_version=form.get("agreement_version"))
    return _answer(req, ("username", "agreement"), act)


@route(bp, "/join/recover", methods=("POST",), summary="Account recovery: choose a new password")
def join_recover(req: RequestContext) -> Page | Redirect:
    def act(checked: invites.CheckedInvite, form: dict[str, str]) -> signin.SignedIn:
        patient_forms.check_new_password_form(form)
        return recovery.do_complete_recovery(req.now, checked, password=form.get("password"),
                                             confirm=form.get("confirm_password"), device=req.user_agent)
    return _answer(req, (), act)


@route(bp, "/p/invitations/{team_id}", methods=("POST",), auth="patient",
       summary="Accept or decline a team's invitation (signed in as yourself)")
def answer_invitation(req: RequestContext, team_id: str) -> Redirect:
    actor = access_patient(req).actor
    answer = req.form().get("answer")
    if answer not in ("accept", "decline"):
        raise ValidationError("Choose accept or decline.", field="answer")
    invites.do_answer_invitation(req.now, actor, team_id, accept=answer == "accept")
    return Redirect(f"/p/teams/{team_id}" if answer == "accept" else "/p")
