"""Plain English: every text a young person reads is written for a reading age of about 11.

Checked with ``textstat`` (Flesch-Kincaid grade at most 6 per text block; what a block is, and how a
short one is judged, is written down in ``tests/support/readability.py``). The texts come from where a
young person meets them:

* every page they can see, rendered by the real app for the persona world: public pages, signing in,
  each joining page, their home (with an invitation), a conversation (with replies, an automatic reply
  and a Teamline notice, open and closed), their account, the offline and error pages, and every form
  with its mistakes;
* the words in code: the default auto-replies (each paragraph, as shown), the push notification, the
  error messages the services and rules on patient routes raise, and the sentences the page scripts write.

A failure lists every text that is too hard, with where it is and its score: fix the text, not the rule.
"""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from chalicelib import errors
from chalicelib.domain import auto_reply
from chalicelib.push import payload
from scripts.world import NOW, reply_as_staff, send_as_patient
from tests.support import readability, storage
from tests.support.http import body_json, page_text
from tests.support.readability import Block

ROOT = Path(__file__).resolve().parents[2]
SATURDAY = NOW + timedelta(days=3)  # the persona world's teams are closed at weekends
A_DOB = {"dob_day": "1", "dob_month": "4", "dob_year": "2009"}  # patient A's birthday in the persona world
NEW_DOB = {"dob_day": "27", "dob_month": "3", "dob_year": "2010"}
NHS = "9434765919"


def _invite(api: Any, team: str, as_: str, **extra: str) -> str:
    response = api.post(f"/api/staff/teams/{team}/invites", as_, json_body={
        "given_name": "Maya", "family_name": "Patel", "date_of_birth": "2010-03-27", **extra})
    return str(body_json(response)["code"])


def _pages(api: Any, world: Any, new_browser: Any, clock: Any) -> list[Block]:
    """Every page a young person can see, in each state that changes its words."""
    pages: list[tuple[str, Any]] = []
    team = world.team_x
    patient = world.patients["patient_a"]

    # Signed out: the front door, signing in, joining (every page of it, with mistakes), offline, not found.
    visitor = new_browser()
    for path in ("/", "/sign-in", "/join", "/offline", "/sign-in?signed_out=1"):
        pages.append((path, visitor.get(path)))
    pages.append(("sign-in, empty", visitor.post("/sign-in", {"username": "", "password": ""})))
    pages.append(("sign-in, wrong", visitor.post("/sign-in", {"username": "nobody", "password": "not it at all"})))
    pages.append(("join, mistakes", visitor.post("/join", {"code": "AB", "dob_day": "31", "dob_month": "2"})))
    pages.append(("join, wrong code", visitor.post("/join", {"code": "ABCD-EFGH-JK", **NEW_DOB})))
    new_code = _invite(api, team, "clinician_x")
    pages.append(("join, wrong birthday", visitor.post("/join", {"code": new_code, **A_DOB})))
    pages.append(("join: new account", visitor.post("/join", {"code": new_code, **NEW_DOB})))
    pages.append(("join: new account, mistakes", visitor.post("/join/account", {
        "code": new_code, **NEW_DOB, "username": "a", "password": "short", "confirm_password": "other"})))
    recovery = api.post(f"/staff/teams/{team}/patients/{patient}/recovery", "clinician_x")
    recovery_code = re.search(r"data-invite-code>([A-Z0-9-]+)<", page_text(recovery)).group(1)
    pages.append(("join: recover", visitor.post("/join", {"code": recovery_code, **A_DOB})))
    pages.append(("join: recover, mistakes", visitor.post("/join/recover", {
        "code": recovery_code, **A_DOB, "password": "short", "confirm_password": ""})))
    maya = new_browser()
    maya_code = _invite(api, team, "clinician_x", nhs_number=NHS)
    maya.post("/join", {"code": maya_code, **NEW_DOB})
    joined = maya.post("/join/account", {"code": maya_code, **NEW_DOB, "username": "maya.p", "agreement": "yes",
                                         "password": "lighthouse orange nine", "confirm_password": "lighthouse orange nine"})
    assert joined.status_code == 303
    existing_code = _invite(api, world.team_y, "clinician_y", nhs_number=NHS)
    pages.append(("join: existing", visitor.post("/join", {"code": existing_code, **NEW_DOB})))
    pages.append(("join: existing, mistakes", visitor.post("/join/existing", {"code": existing_code, **NEW_DOB})))
    pages.append(("/p, an invitation", maya.get("/p")))

    # Signed in: home (welcome, an invitation, an unread reply), a conversation as it goes, account, errors.
    send_as_patient(world, "patient_a", "My pump keeps beeping", clock.now())
    pages.append(("/p/teams, waiting", api.get(f"/p/teams/{team}", "patient_a")))
    reply_as_staff(world, "clinician_x", "patient_a", "That is the battery alarm.", clock.now())
    pages.append(("/p?welcome=1", api.get("/p?welcome=1", "patient_a")))
    pages.append(("/p/teams, replied", api.get(f"/p/teams/{team}", "patient_a")))
    pages.append(("/p/teams, empty send", api.post(f"/p/teams/{team}/messages", "patient_a",
                                                    form={"client_id": "not-a-uuid", "body": "  "})))
    pages.append(("/p/account", api.get("/p/account", "patient_a")))
    pages.append(("not found", api.get("/p/teams/no-such-team", "patient_a")))
    clock.set(SATURDAY)
    api.forget_sessions()
    send_as_patient(world, "patient_b", "Is this normal?", clock.now())
    pages.append(("/p/teams, closed", api.get(f"/p/teams/{team}", "patient_b")))
    pages.append(("/p, closed", api.get("/p", "patient_b")))

    blocks = []
    team_names = tuple(storage.team(t).name for t in (world.team_x, world.team_y))  # names a Trust chose
    for where, response in pages:
        assert response.status_code < 500, (where, response.status_code)
        blocks += readability.page_blocks(where, page_text(response), team_names)
    return blocks


# --- words in code ---------------------------------------------------------------------------------------

#: Values for the auto-reply placeholders, as a team's policy fills them in.
SAMPLE_VALUES = {"team_name": "Skin", "next_opening": "on Monday at 9am", "reply_by": "Tuesday at 5pm",
                 "closure_reason": "staff training", "pause_reason": "a team day", "holiday_name": "Christmas Day",
                 "cover_name": "Sam", "cover_role": "nurse", "assigned_name": "Jess"}

#: Where a patient route's errors come from: module -> the functions (or classes, or constants) whose
#: messages a young person can see. Staff-only ones in the same modules are left out, and so are messages
#: only a program can meet (a wrong Content-Type, malformed JSON: a browser never sends those).
PATIENT_ERRORS = {
    "chalicelib/errors.py": ("TeamlineError", "ValidationError", "Unauthenticated", "Forbidden", "CsrfFailed",
                             "NotFound", "Conflict", "Gone", "RateLimited", "PayloadTooLarge", "ServiceUnavailable",
                             "SignInFailed"),
    "chalicelib/access.py": ("access_patient", "access_patient_conversation", "access_push_target", "_load"),
    "chalicelib/domain/messages.py": ("clean_body",),
    "chalicelib/domain/people.py": ("clean_dob_parts", "clean_username"),
    "chalicelib/domain/safety.py": ("help_now_sentence",),
    "chalicelib/auth/passwords.py": ("check_new_password",),
    "chalicelib/web/patient_forms.py": ("*",),
    "chalicelib/web/request.py": ("check_text",),
    "chalicelib/services/sending.py": ("_existing", "_store_once", "do_patient_send"),
    "chalicelib/services/threads.py": ("*",),
    "chalicelib/services/thread_updates.py": ("*",),
    "chalicelib/services/signin.py": ("check_patient_credentials", "do_patient_sign_in"),
    "chalicelib/services/invites.py": ("load_code", "check_invite", "_failed_join", "do_accept_invite",
                                        "do_join_signed", "do_answer_invitation", "WRONG_CODE", "WRONG_BIRTHDAY"),
    "chalicelib/services/recovery.py": ("do_complete_recovery", "_notice"),
    "chalicelib/services/push_subscriptions.py": ("do_subscribe", "do_unsubscribe", "check_endpoint"),
}
#: Calls whose string arguments are messages: Teamline's errors, and the form checks' helpers.
MESSAGE_CALLS = {name for name, value in vars(errors).items()
                 if isinstance(value, type) and issubclass(value, errors.TeamlineError)} | {"fail", "_filled"}
#: Page scripts that run on a young person's pages.
PATIENT_SCRIPTS = ("app.js", "page.js", "outbox.js", "push.js", "offer.js", "signout.js", "thread.js", "form-errors.js")
_SENTENCE = re.compile(r"^[A-Z].* .*[.?!]$", re.S)


def _text_of(node: ast.expr) -> str | None:
    """A string constant, or an f-string with each placeholder read as a short number."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "12" for v in node.values)
    return None


def _messages_in(node: ast.AST) -> list[str]:
    """Sentences passed to an error or a form check, assigned (a class's default message) or returned."""
    found = []
    for inner in ast.walk(node):
        values: list[ast.expr] = []
        if isinstance(inner, ast.Call):
            callee = inner.func.id if isinstance(inner.func, ast.Name) else getattr(inner.func, "attr", "")
            if callee in MESSAGE_CALLS:
                values = [*inner.args, *(k.value for k in inner.keywords)]
        elif isinstance(inner, ast.Assign | ast.AnnAssign | ast.Return) and inner.value is not None:
            values = [inner.value]
        found += [t for t in map(_text_of, values) if t and _SENTENCE.match(t)]
    return found


def _code_errors() -> list[Block]:
    blocks = []
    for module, names in PATIENT_ERRORS.items():
        tree = ast.parse((ROOT / module).read_text())
        for node in tree.body:
            targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
            name = getattr(node, "name", None) or next((t.id for t in targets if isinstance(t, ast.Name)), None)
            if "*" in names or name in names:
                blocks += [Block(f"{module}:{name}", text) for text in _messages_in(node)]
    return blocks


_SCRIPT_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`')


def _script_sentences() -> list[Block]:
    """Strings in the page scripts that read as sentences a person sees (capitalised, several words)."""
    blocks = []
    for name in PATIENT_SCRIPTS:
        source = (ROOT / "static" / "js" / name).read_text()
        source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("//"))
        for match in _SCRIPT_STRING.finditer(source):
            text = re.sub(r"\$\{[^}]*\}", "12", match.group(1) or match.group(2) or "")
            if re.match(r"^[A-Z0-9][\w']*( [\w'’,.·–-]+){2,}", text) and "=" not in text:
                blocks.append(Block(f"static/js/{name}", text))
    return blocks


def _auto_replies() -> list[Block]:
    blocks = []
    for kind, template in auto_reply.DEFAULT_TEMPLATES.items():
        for paragraph in auto_reply.compose(kind, template, SAMPLE_VALUES).split("\n\n"):
            blocks.append(Block(f"auto-reply {kind}", paragraph))
    return blocks


def test_every_text_a_young_person_reads_has_a_reading_age_of_about_11(api, world, new_browser, pinned_clock):
    blocks = _pages(api, world, new_browser, pinned_clock)
    blocks += _auto_replies()
    blocks += [Block("push notification", f"{payload.TITLE}: {payload.BODIES[kind]}") for kind in ("patient", "rota_changed")]
    blocks += _code_errors()
    blocks += _script_sentences()
    # The census is real: it found the pages' words and the code's.
    where = {b.where for b in blocks} | {b.where.split(":")[0] for b in blocks}
    assert len(blocks) > 300 and {"/p/account", "join: new account, mistakes", "auto-reply out_of_hours"} <= where
    assert {"chalicelib/services/invites.py", "static/js/push.js"} <= where
    failed = readability.failures(blocks)
    assert not failed, readability.report(failed)


def test_the_rule_tells_hard_text_from_plain_text():
    hard = Block("example", "Notwithstanding the aforementioned considerations, authorisation of subsequent "
                            "communications necessitates comprehensive documentation.")
    plain = Block("example", "Your care team reads messages when they are open. They aim to reply within a day.")
    assert readability.judge(hard).problem.startswith("grade")
    assert readability.judge(plain).problem == ""
    assert readability.judge(Block("label", "Unauthenticated")).problem == "long words: Unauthenticated"
    assert readability.judge(Block("label", "Turn on notifications")).problem == ""


def test_a_page_is_read_block_by_block_leaving_out_what_people_wrote():
    html = ('<main><p>Read <a href="/x">this part</a> first.</p><ul><li><a href="/y">A link</a> – on its own</li></ul>'
            '<li class="tl-message"><p class="tl-message__meta"><span>Sam</span></p>'
            '<div class="tl-message__body">Antidisestablishmentarianism</div></li><button>Send message</button></main>')
    assert [b.text for b in readability.page_blocks("x", html)] == [
        "Read this part first.", "A link – on its own", "Send message"]
