"""Who may call what: the personas every route is tried as, and the status each one must get.

``EXPECTED`` is keyed by (METHOD, path) exactly as Chalice registers the route; its columns follow
``PERSONAS``. The authorization matrix (``tests/functional/test_authorization_matrix.py``) checks every
route against it, and the page, round-trip and security-header tests take their list of routes, and
which of them a persona can reach, from it. The personas themselves are built in ``scripts/world.py``.

Reading the columns:

* anonymous: 401 JSON on /api/, a 302 (GET) or 303 (POST) to the right sign-in page on HTML pages;
* patients on staff routes: 403; staff on patient routes: 403;
* clinician Y, the Trust admin and the IG lead (none is in team X) on team X's routes: 404, as if it did not exist;
* the IG lead (information governance: reads the audit log, nothing clinical) gets 403 on every admin route but the
  audit log's;
* patient B on patient routes: allowed, because patient routes are keyed by the caller's own id.
"""

from __future__ import annotations

#: Every persona of the world, in the order of EXPECTED's columns.
PERSONAS = ("anonymous", "patient_a", "patient_b", "clinician_x", "lead_x", "clinician_y", "admin", "ig")

# fmt: off
EXPECTED: dict[tuple[str, str], tuple[int, int, int, int, int, int, int, int]] = {
    #                                                                             anon  pat_a pat_b clin_x lead_x clin_y admin  ig
    # --- public pages and assets
    ("GET",  "/"):                                                                (200, 302, 302, 302, 302, 302, 302, 302),
    ("GET",  "/offline"):                                                         (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/sw.js"):                                                           (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/manifest.webmanifest"):                                            (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/static/{name}"):                                                   (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/sign-in"):                                                         (200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/sign-in"):                                                         (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET",  "/staff/sign-in"):                                                   (200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/staff/sign-in"):                                                   (401, 401, 401, 401, 401, 401, 401, 401),
    ("GET",  "/join"):                                                            (200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/join"):                                                            (400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "/join/account"):                                                    (400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "/join/existing"):                                                   (400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "/join/recover"):                                                    (400, 400, 400, 400, 400, 400, 400, 400),
    # --- anyone signed in
    ("POST", "/sign-out"):                                                        (303, 303, 303, 303, 303, 303, 303, 303),
    ("POST", "/account/devices/{device_id}/remove"):                              (303, 303, 303, 303, 303, 303, 303, 303),
    # --- patient pages
    ("GET",  "/p"):                                                               (302, 200, 200, 403, 403, 403, 403, 403),
    ("GET",  "/p/teams/{team_id}"):                                               (302, 200, 200, 403, 403, 403, 403, 403),
    ("POST", "/p/teams/{team_id}/messages"):                                      (303, 303, 303, 403, 403, 403, 403, 403),
    ("GET",  "/p/account"):                                                       (302, 200, 200, 403, 403, 403, 403, 403),
    # a team's invitation the patient has not got: nothing to accept
    ("POST", "/p/invitations/{team_id}"):                                         (303, 404, 404, 403, 403, 403, 403, 403),
    ("POST", "/p/account/sign-out-everywhere"):                                   (303, 303, 303, 403, 403, 403, 403, 403),
    # --- staff pages
    ("GET",  "/staff"):                                                           (302, 403, 403, 302, 302, 302, 302, 302),
    ("GET",  "/staff/password"):                                                  (302, 403, 403, 200, 200, 200, 200, 200),
    ("POST", "/staff/password"):                                                  (303, 403, 403, 401, 401, 401, 401, 401),
    ("GET",  "/staff/account"):                                                   (302, 403, 403, 200, 200, 200, 200, 200),
    ("GET",  "/staff/teams/{team_id}"):                                           (302, 403, 403, 200, 200, 404, 404, 404),
    ("GET",  "/staff/teams/{team_id}/patients"):                                  (302, 403, 403, 200, 200, 404, 404, 404),
    ("GET",  "/staff/teams/{team_id}/patients/{patient_id}"):                     (302, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/messages"):            (303, 403, 403, 303, 303, 404, 404, 404),
    # by then clinician X holds it (the assign routes ran first): a second claim is refused, naming them
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/claim"):               (303, 403, 403, 303, 409, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/urgent"):              (303, 403, 403, 303, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/recovery"):            (303, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/discharge"):           (303, 403, 403, 403, 303, 404, 404, 404),
    ("GET",  "/staff/teams/{team_id}/invites"):                                   (302, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/invites"):                                   (303, 403, 403, 200, 200, 404, 404, 404),
    ("GET",  "/staff/teams/{team_id}/away"):                                      (302, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/away"):                                      (303, 403, 403, 400, 400, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/away/clear"):                                (303, 403, 403, 400, 400, 404, 404, 404),
    # --- team settings: any member reads, only the lead changes
    ("GET",  "/staff/teams/{team_id}/settings"):                                  (302, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/hours"):                            (303, 403, 403, 403, 400, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/closures"):                         (303, 403, 403, 403, 400, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/closures/remove"):                  (303, 403, 403, 403, 400, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/pause"):                            (303, 403, 403, 403, 400, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/resume"):                           (303, 403, 403, 403, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/auto-replies"):                     (303, 403, 403, 403, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/seniors"):                          (303, 403, 403, 403, 303, 404, 404, 404),
    # --- the workload dashboard: any member reads; only the lead sees per-clinician load
    ("GET",  "/staff/teams/{team_id}/dashboard"):                                 (302, 403, 403, 200, 200, 404, 404, 404),
    ("GET",  "/staff/teams/{team_id}/dashboard/download"):                        (302, 403, 403, 200, 200, 404, 404, 404),
    # --- Trust admin (the IG role reads the audit log and nothing else here)
    ("GET",  "/admin"):                                                           (302, 403, 403, 403, 403, 403, 200, 403),
    ("GET",  "/admin/teams"):                                                     (302, 403, 403, 403, 403, 403, 200, 403),
    ("GET",  "/admin/teams/new"):                                                 (302, 403, 403, 403, 403, 403, 200, 403),
    ("POST", "/admin/teams"):                                                     (303, 403, 403, 403, 403, 403, 303, 403),
    ("GET",  "/admin/teams/{team_id}"):                                           (302, 403, 403, 403, 403, 403, 200, 403),
    ("POST", "/admin/teams/{team_id}"):                                           (303, 403, 403, 403, 403, 403, 303, 403),
    ("GET",  "/admin/staff"):                                                     (302, 403, 403, 403, 403, 403, 200, 403),
    ("GET",  "/admin/staff/new"):                                                 (302, 403, 403, 403, 403, 403, 200, 403),
    ("POST", "/admin/staff"):                                                     (303, 403, 403, 403, 403, 403, 200, 403),
    ("GET",  "/admin/staff/{staff_id}"):                                          (302, 403, 403, 403, 403, 403, 200, 403),
    ("POST", "/admin/staff/{staff_id}/roles"):                                    (303, 403, 403, 403, 403, 403, 303, 403),
    ("POST", "/admin/staff/{staff_id}/access"):                                   (303, 403, 403, 403, 403, 403, 303, 403),
    ("GET",  "/admin/staff/{staff_id}/password-reset"):                           (302, 403, 403, 403, 403, 403, 200, 403),
    ("POST", "/admin/staff/{staff_id}/password-reset"):                           (303, 403, 403, 403, 403, 403, 200, 403),
    ("GET",  "/admin/staff/{staff_id}/deactivate"):                               (302, 403, 403, 403, 403, 403, 200, 403),
    ("POST", "/admin/staff/{staff_id}/deactivate"):                               (303, 403, 403, 403, 403, 403, 303, 403),
    # --- the audit log: information governance and Trust admins
    ("GET",  "/admin/audit"):                                                     (302, 403, 403, 403, 403, 403, 200, 200),
    ("GET",  "/admin/audit/export"):                                              (302, 403, 403, 403, 403, 403, 200, 200),
    # --- filing to the record (the matrix's world has one export of patient A's conversation; the census's own
    # messages and replies are what the POSTs file)
    ("GET",  "/staff/teams/{team_id}/patients/{patient_id}/record"):              (302, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/record"):              (303, 403, 403, 303, 303, 404, 404, 404),
    ("GET",  "/staff/teams/{team_id}/patients/{patient_id}/record/{export_id}"):  (302, 403, 403, 200, 200, 404, 404, 404),
    ("GET",  "/staff/teams/{team_id}/patients/{patient_id}/record/{export_id}/transcript.pdf"): (302, 403, 403, 200, 200, 404, 404, 404),
    ("GET",  "/staff/teams/{team_id}/patients/{patient_id}/record/{export_id}/bundle.json"):    (302, 403, 403, 200, 200, 404, 404, 404),
    ("GET",  "/staff/teams/{team_id}/unfiled"):                                   (302, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/unfiled"):                                   (303, 403, 403, 403, 303, 404, 404, 404),
    ("GET",  "/admin/retention"):                                                 (302, 403, 403, 403, 403, 403, 200, 403),
    ("POST", "/admin/retention"):                                                 (303, 403, 403, 403, 403, 403, 303, 403),
    # --- JSON API: public
    ("GET",  "/api/health"):                                                      (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/api/openapi.json"):                                                (200, 200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/api/push/public-key"):                                             (200, 200, 200, 200, 200, 200, 200, 200),
    # --- JSON API: anyone signed in
    ("GET",  "/api/me"):                                                          (401, 200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/api/push/subscriptions"):                                          (401, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "/api/push/subscriptions"):                                          (401, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "/api/push/subscriptions/{device_id}/delete"):                       (401, 200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/api/push/refs/{ref}"):                                             (401, 200, 404, 200, 200, 404, 404, 404),
    # --- JSON API: patients
    ("GET",  "/api/patient/teams"):                                               (401, 200, 200, 403, 403, 403, 403, 403),
    ("GET",  "/api/patient/teams/{team_id}/messages"):                            (401, 200, 200, 403, 403, 403, 403, 403),
    ("POST", "/api/patient/teams/{team_id}/messages"):                            (401, 201, 201, 403, 403, 403, 403, 403),
    ("POST", "/api/patient/teams/{team_id}/read"):                                (401, 200, 200, 403, 403, 403, 403, 403),
    ("GET",  "/api/patient/teams/{team_id}/agreement"):                           (401, 200, 200, 403, 403, 403, 403, 403),
    ("POST", "/api/patient/teams/{team_id}/agreement"):                           (401, 200, 200, 403, 403, 403, 403, 403),
    ("GET",  "/api/patient/teams/{team_id}/since"):                               (401, 200, 200, 403, 403, 403, 403, 403),
    # --- JSON API: staff of team X
    ("GET",  "/api/staff/teams/{team_id}/inbox"):                                 (401, 403, 403, 200, 200, 404, 404, 404),
    ("GET",  "/api/staff/teams/{team_id}/patients"):                              (401, 403, 403, 200, 200, 404, 404, 404),
    ("GET",  "/api/staff/teams/{team_id}/conversations/{patient_id}/messages"):   (401, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/conversations/{patient_id}/messages"):   (401, 403, 403, 201, 201, 404, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/invites"):                               (401, 403, 403, 201, 201, 404, 404, 404),
    ("GET",  "/api/staff/teams/{team_id}/policy"):                                (401, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/policy"):                                (401, 403, 403, 403, 200, 404, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/away"):                                  (401, 403, 403, 400, 400, 404, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/away/clear"):                            (401, 403, 403, 400, 400, 404, 404, 404),
    ("GET",  "/api/staff/teams/{team_id}/dashboard"):                             (401, 403, 403, 200, 200, 404, 404, 404),
    # --- the team's workflow on a conversation (issue 9): any member of team X
    ("GET",  "/staff/teams/{team_id}/patients/{patient_id}/assign"):              (302, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/assign"):              (303, 403, 403, 303, 303, 404, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/conversations/{patient_id}/assign"):     (401, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/release"):             (303, 403, 403, 303, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/status"):              (303, 403, 403, 303, 303, 404, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/conversations/{patient_id}/status"):     (401, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/notes"):               (303, 403, 403, 303, 303, 404, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/conversations/{patient_id}/notes"):      (401, 403, 403, 201, 201, 404, 404, 404),
    ("GET",  "/staff/teams/{team_id}/patients/{patient_id}/escalate"):            (302, 403, 403, 200, 200, 404, 404, 404),
    # escalating to lead X: the lead cannot escalate to themselves (400, the form again)
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/escalate"):            (303, 403, 403, 303, 400, 404, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/conversations/{patient_id}/escalate"):   (401, 403, 403, 200, 400, 404, 404, 404),
    # clinician X escalated it to lead X just before (routes run in order): only lead X may settle it
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/escalation/done"):     (303, 403, 403, 409, 303, 404, 404, 404),
    ("GET",  "/api/staff/teams/{team_id}/conversations/{patient_id}/check"):      (401, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/conversations/{patient_id}/presence"):   (401, 403, 403, 200, 200, 404, 404, 404),
    ("GET",  "/api/staff/teams/{team_id}/inbox/check"):                           (401, 403, 403, 200, 200, 404, 404, 404),
    # canned replies: only the lead keeps them (removing one that is not there: 400)
    ("GET",  "/staff/teams/{team_id}/canned-replies"):                            (302, 403, 403, 403, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/canned-replies"):                            (303, 403, 403, 403, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/canned-replies/{reply_id}/delete"):          (303, 403, 403, 403, 400, 404, 404, 404),
    # the named-contact rota: members read it, only the lead builds it (nothing to copy or publish yet: 400)
    ("GET",  "/staff/teams/{team_id}/rota"):                                      (302, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/rota/days"):                                 (303, 403, 403, 403, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/rota/copy"):                                 (303, 403, 403, 403, 400, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/rota/swap"):                                 (303, 403, 403, 403, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/rota/publish"):                              (303, 403, 403, 403, 400, 404, 404, 404),
    ("GET",  "/p/teams/{team_id}/rota"):                                          (302, 200, 200, 403, 403, 403, 403, 403),
    ("GET",  "/p/teams/{team_id}/rota.ics"):                                      (302, 200, 200, 403, 403, 403, 403, 403),
    ("GET",  "/api/staff/teams/{team_id}/conversations/{patient_id}/safety"):     (401, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/conversations/{patient_id}/safety/steps"): (401, 403, 403, 201, 201, 404, 404, 404),
    # --- safety (issue 10): the agreement, the patient's offline page, the ladder, team safety settings
    ("GET",  "/p/teams/{team_id}/agreement"):                                     (302, 200, 200, 403, 403, 403, 403, 403),
    ("POST", "/p/teams/{team_id}/agreement"):                                     (303, 303, 303, 403, 403, 403, 403, 403),
    ("GET",  "/p/offline"):                                                       (302, 200, 200, 403, 403, 403, 403, 403),
    ("GET",  "/staff/teams/{team_id}/safety"):                                    (302, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/safety/lines"):                              (303, 403, 403, 403, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/safety/red-flags"):                          (303, 403, 403, 403, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/safety/limits"):                             (303, 403, 403, 403, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/safety/agreement"):                          (303, 403, 403, 403, 303, 404, 404, 404),
    ("GET",  "/staff/teams/{team_id}/patients/{patient_id}/safety"):              (302, 403, 403, 200, 200, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/safety/reminder"):     (303, 403, 403, 303, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/safety/steps"):        (303, 403, 403, 303, 303, 404, 404, 404),
    # the lead ends the plan the steps route set (called last: see DONE_LAST); a clinician may not end it
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/safety/end"):          (303, 403, 403, 403, 303, 404, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/warnings"):            (303, 403, 403, 303, 303, 404, 404, 404),
    ("POST", "/admin/urgent-lines"):                                              (303, 403, 403, 403, 403, 403, 303, 403),
    ("GET",  "/admin/urgent-lines"):                                               (302, 403, 403, 403, 403, 403, 200, 403),
    ("POST", "/api/staff/teams/{team_id}/conversations/{patient_id}/record"):     (401, 403, 403, 201, 201, 404, 404, 404),
}
# fmt: on


# --- people in more than one team, people who left, and a cover ----------------------------------------------
#
# Teamline's team scoping is where confidentiality fails first (a "Mine" view once read assignments across
# teams). These personas each behave like one of the columns above on every route, except where their
# situation really differs (a second team makes the staff home a list, for example). Paths are filled as
# for the columns above: team X, patient A.

#: persona -> the column of EXPECTED they should match.
MULTI_TEAM: dict[str, str] = {
    "clinician_xy": "clinician_x",  # a clinician in team X and team Y
    "patient_xy": "patient_a",      # a patient of team X and team Y
    "removed_x": "clinician_y",     # was a clinician in team X, removed by the admin; now in no team
    "cover_x": "clinician_x",       # a clinician in team X covering the lead, who is away
}

#: Where a multi-team persona differs from its column: (METHOD, path) -> status.
#: The assign routes run before claim and give the conversation to clinician X, so a second clinician's claim
#: is refused, naming who holds it (clinician X's own claim is a no-op).
_HELD_BY_CLINICIAN_X = {("POST", "/staff/teams/{team_id}/patients/{patient_id}/claim"): 409}
MULTI_TEAM_OVERRIDES: dict[str, dict[tuple[str, str], int]] = {
    # two teams: a list to choose from, not a redirect
    "clinician_xy": {("GET", "/staff"): 200, **_HELD_BY_CLINICIAN_X},
    "patient_xy": {("GET", "/api/push/refs/{ref}"): 404},  # the ref is patient A's notification, not theirs
    "removed_x": {("GET", "/staff"): 200},  # no team left: the staff home says so
    "cover_x": dict(_HELD_BY_CLINICIAN_X),
}


def multi_team_expected(persona: str, route: tuple[str, str]) -> int:
    """What ``persona`` (one of MULTI_TEAM) should get on ``route``."""
    override = MULTI_TEAM_OVERRIDES[persona].get(route)
    if override is not None:
        return override
    return EXPECTED[route][PERSONAS.index(MULTI_TEAM[persona])]
