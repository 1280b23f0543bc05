"""A person's account: signing in and out, joining with an invite code, passwords, devices and sessions."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.access import access_actor, access_patient, access_staff
from chalicelib.errors import TeamlineError
from chalicelib.push.config import public_key
from chalicelib.services import accounts, push_subscriptions, signin
from chalicelib.web import patient_forms
from chalicelib.web.responses import Page, Redirect
from chalicelib.web.routing import RequestContext, route

bp = Blueprint(__name__)


def safe_next(value: str | None, default: str) -> str:
    """Only same-site paths may be redirected to after sign-in."""
    # Browsers drop tabs and newlines from a URL before reading it ("/\t/evil.example" is "//evil.example"),
    # and a newline cannot go in a header at all: only printable ASCII is ever sent back.
    if (value and value.startswith("/") and not value.startswith("//") and "\\" not in value
            and value.isascii() and value.isprintable()):
        return value
    return default


def form_error(template: str, error: TeamlineError, values: dict[str, str], **extra: object) -> Page:
    return Page(template, {"error": error, "values": values, **extra}, status=error.status)


@route(bp, "/sign-in", summary="Patient sign-in form")
def patient_sign_in_form(req: RequestContext) -> Page:
    return Page("auth/patient_sign_in.html", {"values": {}, "next": req.query("next") or ""})


@route(bp, "/sign-in", methods=("POST",), summary="Patient signs in")
def patient_sign_in(req: RequestContext) -> Page | Redirect:
    form = req.form()
    try:
        patient_forms.check_sign_in(form)
        signed = signin.do_patient_sign_in(req.now, username=form.get("username"), password=form.get("password"),
                                           address=req.client_ip, device=req.user_agent,
                                           device_token=req.device_token)
    except TeamlineError as error:
        return form_error("auth/patient_sign_in.html", error, {"username": form.get("username", "")},
                           next=form.get("next", ""))
    req.start_session(signed.credential, signed.max_age, signed.device_token)
    return Redirect(safe_next(form.get("next"), "/p"))


@route(bp, "/staff/sign-in", summary="Staff sign-in form")
def staff_sign_in_form(req: RequestContext) -> Page:
    return Page("auth/staff_sign_in.html", {"values": {}, "next": req.query("next") or ""})


@route(bp, "/staff/sign-in", methods=("POST",), summary="Staff member signs in")
def staff_sign_in(req: RequestContext) -> Page | Redirect:
    form = req.form()
    try:
        signed = signin.do_staff_sign_in(req.now, email=form.get("email"), password=form.get("password"),
                                         address=req.client_ip, device=req.user_agent, device_token=req.device_token)
    except TeamlineError as error:
        return form_error("auth/staff_sign_in.html", error, {"email": form.get("email", "")}, next=form.get("next", ""))
    req.start_session(signed.credential, signed.max_age, signed.device_token)
    if signed.must_change_password:
        return Redirect("/staff/password")
    return Redirect(safe_next(form.get("next"), "/staff"))


@route(bp, "/sign-out", methods=("POST",), auth="signed_in", summary="Sign out of this device")
def sign_out(req: RequestContext) -> Redirect:
    actor = access_actor(req)
    signin.do_sign_out(req.now, actor)
    req.end_session()
    return Redirect("/staff/sign-in?signed_out=1" if actor.is_staff else "/sign-in?signed_out=1")


@route(bp, "/staff/password", auth="staff", summary="Change-password form")
def password_form(req: RequestContext) -> Page:
    access_staff(req)
    return Page("auth/change_password.html", {"values": {}})


@route(bp, "/staff/password", methods=("POST",), auth="staff", summary="Change own password")
def change_password(req: RequestContext) -> Page | Redirect:
    actor = access_staff(req).actor
    form = req.form()
    try:
        accounts.do_change_own_password(req.now, actor, current=form.get("current_password"),
                                        new=form.get("new_password"), confirm=form.get("confirm_password"))
    except TeamlineError as error:
        return form_error("auth/change_password.html", error, {})
    return Redirect("/staff?password_changed=1")


# --- account pages: devices getting notifications, signing out everywhere ------------------------------


def devices(actor_id: str) -> list[dict[str, object]]:
    """A person's devices getting notifications, for their account page."""
    return [push_subscriptions.device_summary(d) for d in push_subscriptions.list_devices(actor_id)]


@route(bp, "/p/account", auth="patient", summary="My account and devices")
def patient_account(req: RequestContext) -> Page:
    actor = access_patient(req).actor
    return Page("patient/account.html", {"username": actor.patient.username if actor.patient else "",
                                         "signed_out_others": req.query("done") == "1", "devices": devices(actor.id),
                                         "push_ready": public_key() is not None})


@route(bp, "/staff/account", auth="staff", summary="My notifications and devices (staff)")
def staff_account(req: RequestContext) -> Page:
    actor = access_staff(req).actor
    return Page("staff/account.html", {"devices": devices(actor.id), "push_ready": public_key() is not None})


@route(bp, "/p/account/sign-out-everywhere", methods=("POST",), auth="patient",
       summary="Sign out of all devices")
def sign_out_everywhere(req: RequestContext) -> Redirect:
    actor = access_patient(req).actor
    signin.do_sign_out_everywhere(req.now, actor)
    req.end_session()
    return Redirect("/sign-in?signed_out=all")


@route(bp, "/account/devices/{device_id}/remove", methods=("POST",), auth="signed_in",
       summary="Turn notifications off for a device (form)")
def remove_device(req: RequestContext, device_id: str) -> Redirect:
    actor = access_actor(req)
    push_subscriptions.do_unsubscribe(req.now, actor, device_id)
    return Redirect("/staff/account" if actor.is_staff else "/p/account")
