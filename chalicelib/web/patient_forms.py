"""The young person's forms, checked whole: every mistake is reported at once (the NHS.UK error pattern).

A form with three mistakes used to show one, then the next after another try. These checks run
before a form's service is called and collect every problem a form can find without asking the
database (``errors.Checks``); the services keep their own checks (the same rules), so nothing reaches
storage unchecked whichever way it comes in. What only storage can answer (is the code real, is the
username taken, is the password right) is still one error, found by the service.
"""

from __future__ import annotations

from datetime import date

from chalicelib.auth.passwords import check_new_password
from chalicelib.domain.people import clean_dob_parts, clean_username
from chalicelib.errors import Checks
from chalicelib.ids import normalise_invite_code

AGREE = "Tick the box to say you agree."
CODE_LENGTH = 10


def _filled(checks: Checks, form: dict[str, str], field: str, message: str) -> None:
    if not str(form.get(field) or "").strip():
        checks.fail(message, field=field)


def check_sign_in(form: dict[str, str]) -> None:
    """Both boxes filled in (whether they are right is the sign-in's question, asked once)."""
    checks = Checks()
    _filled(checks, form, "username", "Enter your username.")
    _filled(checks, form, "password", "Enter your password.")
    checks.done()


def check_code_and_birthday(form: dict[str, str], today: date) -> str:
    """The code looks like a code and the date of birth is a real date; returns the date (YYYY-MM-DD)."""
    checks = Checks()
    code = normalise_invite_code(str(form.get("code") or ""))
    if not code:
        checks.fail("Enter the code your care team gave you.", field="code")
    elif len(code) != CODE_LENGTH:
        checks.fail("The code has 10 letters and numbers, like K7QM-3XVA-HP. Check it and try again.", field="code")
    born = checks.run(lambda: clean_dob_parts(form.get("dob_day"), form.get("dob_month"), form.get("dob_year"),
                                              today=today))
    checks.done()
    return str(born)


def _new_password(checks: Checks, form: dict[str, str]) -> None:
    password = str(form.get("password") or "")
    checks.run(lambda: check_new_password(password))
    confirm = str(form.get("confirm_password") or "")
    if not confirm and password:
        checks.fail("Type your password again.", field="confirm_password")
    elif confirm != password:
        checks.fail("The two passwords are not the same. Type them again.", field="confirm_password")


def check_new_account(form: dict[str, str]) -> None:
    """The agreement ticked, a username that can be used, a good password typed the same twice."""
    checks = Checks()
    if form.get("agreement") != "yes":
        checks.fail(AGREE, field="agreement")
    checks.run(lambda: clean_username(form.get("username")))
    _new_password(checks, form)
    checks.done()


def check_existing_account(form: dict[str, str]) -> None:
    """The agreement ticked and both sign-in boxes filled in."""
    checks = Checks()
    if form.get("agreement") != "yes":
        checks.fail(AGREE, field="agreement")
    _filled(checks, form, "username", "Enter your username.")
    _filled(checks, form, "password", "Enter your password.")
    checks.done()


def check_new_password_form(form: dict[str, str]) -> None:
    """A good new password, typed the same twice."""
    checks = Checks()
    _new_password(checks, form)
    checks.done()

