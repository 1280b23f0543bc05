"""Who may call what: the personas every route is tried as, and the status each one must get.

``EXPECTED`` is keyed by (METHOD, path) exactly as Chalice registers the route; its columns follow
``PERSONAS``. The authorization matrix (``tests/functional/test_authorization_matrix.py``) checks every
route against it, and the page, round-trip and security-header tests take their list of routes, and
which of them a persona can reach, from it. The personas themselves are built in ``scripts/world.py``.

Reading the columns:

* anonymous: 401 JSON on /api/, a 302 (GET) or 303 (POST) to the right sign-in page on HTML pages;
* patients on staff routes: 403; staff on patient routes: 403;
* clinician Y and the Trust admin (neither is in team X) on team X's routes: 404, as if it did not exist;
* patient B on patient routes: allowed, because patient routes are keyed by the caller's own id.
"""

from __future__ import annotations

#: Every persona of the world, in the order of EXPECTED's columns.
PERSONAS = ("anonymous", "patient_a", "patient_b", "clinician_x", "lead_x", "clinician_y", "admin")

# fmt: off
EXPECTED: dict[tuple[str, str], tuple[int, int, int, int, int, int, int]] = {
    #                                                                             anon  pat_a pat_b clin_x lead_x clin_y admin
    # --- public pages and assets
    ("GET",  "/"):                                                                (200, 302, 302, 302, 302, 302, 302),
    ("GET",  "/offline"):                                                         (200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/sw.js"):                                                           (200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/manifest.webmanifest"):                                            (200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/static/{name}"):                                                   (200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/sign-in"):                                                         (200, 200, 200, 200, 200, 200, 200),
    ("POST", "/sign-in"):                                                         (401, 401, 401, 401, 401, 401, 401),
    ("GET",  "/staff/sign-in"):                                                   (200, 200, 200, 200, 200, 200, 200),
    ("POST", "/staff/sign-in"):                                                   (401, 401, 401, 401, 401, 401, 401),
    ("GET",  "/join"):                                                            (200, 200, 200, 200, 200, 200, 200),
    ("POST", "/join"):                                                            (400, 400, 400, 400, 400, 400, 400),
    ("POST", "/join/account"):                                                    (400, 400, 400, 400, 400, 400, 400),
    ("POST", "/join/existing"):                                                   (400, 400, 400, 400, 400, 400, 400),
    ("POST", "/join/recover"):                                                    (400, 400, 400, 400, 400, 400, 400),
    # --- anyone signed in
    ("POST", "/sign-out"):                                                        (303, 303, 303, 303, 303, 303, 303),
    ("POST", "/account/devices/{device_id}/remove"):                              (303, 303, 303, 303, 303, 303, 303),
    # --- patient pages
    ("GET",  "/p"):                                                               (302, 200, 200, 403, 403, 403, 403),
    ("GET",  "/p/teams/{team_id}"):                                               (302, 200, 200, 403, 403, 403, 403),
    ("POST", "/p/teams/{team_id}/messages"):                                      (303, 303, 303, 403, 403, 403, 403),
    ("GET",  "/p/account"):                                                       (302, 200, 200, 403, 403, 403, 403),
    # a team's invitation the patient has not got: nothing to accept
    ("POST", "/p/invitations/{team_id}"):                                         (303, 404, 404, 403, 403, 403, 403),
    ("POST", "/p/account/sign-out-everywhere"):                                   (303, 303, 303, 403, 403, 403, 403),
    # --- staff pages
    ("GET",  "/staff"):                                                           (302, 403, 403, 302, 302, 302, 200),
    ("GET",  "/staff/password"):                                                  (302, 403, 403, 200, 200, 200, 200),
    ("POST", "/staff/password"):                                                  (303, 403, 403, 401, 401, 401, 401),
    ("GET",  "/staff/account"):                                                   (302, 403, 403, 200, 200, 200, 200),
    ("GET",  "/staff/teams/{team_id}"):                                           (302, 403, 403, 200, 200, 404, 404),
    ("GET",  "/staff/teams/{team_id}/patients"):                                  (302, 403, 403, 200, 200, 404, 404),
    ("GET",  "/staff/teams/{team_id}/patients/{patient_id}"):                     (302, 403, 403, 200, 200, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/messages"):            (303, 403, 403, 303, 303, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/claim"):               (303, 403, 403, 303, 303, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/urgent"):              (303, 403, 403, 303, 303, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/recovery"):            (303, 403, 403, 200, 200, 404, 404),
    ("POST", "/staff/teams/{team_id}/patients/{patient_id}/discharge"):           (303, 403, 403, 403, 303, 404, 404),
    ("GET",  "/staff/teams/{team_id}/invites"):                                   (302, 403, 403, 200, 200, 404, 404),
    ("POST", "/staff/teams/{team_id}/invites"):                                   (303, 403, 403, 200, 200, 404, 404),
    ("GET",  "/staff/teams/{team_id}/away"):                                      (302, 403, 403, 200, 200, 404, 404),
    ("POST", "/staff/teams/{team_id}/away"):                                      (303, 403, 403, 400, 400, 404, 404),
    ("POST", "/staff/teams/{team_id}/away/clear"):                                (303, 403, 403, 400, 400, 404, 404),
    # --- team settings: any member reads, only the lead changes
    ("GET",  "/staff/teams/{team_id}/settings"):                                  (302, 403, 403, 200, 200, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/hours"):                            (303, 403, 403, 403, 400, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/closures"):                         (303, 403, 403, 403, 400, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/closures/remove"):                  (303, 403, 403, 403, 400, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/pause"):                            (303, 403, 403, 403, 400, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/resume"):                           (303, 403, 403, 403, 303, 404, 404),
    ("POST", "/staff/teams/{team_id}/settings/auto-replies"):                     (303, 403, 403, 403, 303, 404, 404),
    # --- Trust admin
    ("GET",  "/admin"):                                                           (302, 403, 403, 403, 403, 403, 200),
    ("GET",  "/admin/audit"):                                                     (302, 403, 403, 403, 403, 403, 200),
    ("POST", "/admin/teams"):                                                     (303, 403, 403, 403, 403, 403, 303),
    ("POST", "/admin/staff"):                                                     (303, 403, 403, 403, 403, 403, 200),
    ("POST", "/admin/staff/{staff_id}/roles"):                                    (303, 403, 403, 403, 403, 403, 303),
    ("POST", "/admin/staff/{staff_id}/password-reset"):                           (303, 403, 403, 403, 403, 403, 200),
    ("POST", "/admin/staff/{staff_id}/deactivate"):                               (303, 403, 403, 403, 403, 403, 303),
    # --- JSON API: public
    ("GET",  "/api/health"):                                                      (200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/api/openapi.json"):                                                (200, 200, 200, 200, 200, 200, 200),
    ("GET",  "/api/push/public-key"):                                             (200, 200, 200, 200, 200, 200, 200),
    # --- JSON API: anyone signed in
    ("GET",  "/api/me"):                                                          (401, 200, 200, 200, 200, 200, 200),
    ("GET",  "/api/push/subscriptions"):                                          (401, 200, 200, 200, 200, 200, 200),
    ("POST", "/api/push/subscriptions"):                                          (401, 400, 400, 400, 400, 400, 400),
    ("POST", "/api/push/subscriptions/{device_id}/delete"):                       (401, 200, 200, 200, 200, 200, 200),
    ("GET",  "/api/push/refs/{ref}"):                                             (401, 200, 404, 200, 200, 404, 404),
    # --- JSON API: patients
    ("GET",  "/api/patient/teams"):                                               (401, 200, 200, 403, 403, 403, 403),
    ("GET",  "/api/patient/teams/{team_id}/messages"):                            (401, 200, 200, 403, 403, 403, 403),
    ("POST", "/api/patient/teams/{team_id}/messages"):                            (401, 201, 201, 403, 403, 403, 403),
    ("POST", "/api/patient/teams/{team_id}/read"):                                (401, 200, 200, 403, 403, 403, 403),
    ("GET",  "/api/patient/teams/{team_id}/since"):                               (401, 200, 200, 403, 403, 403, 403),
    # --- JSON API: staff of team X
    ("GET",  "/api/staff/teams/{team_id}/inbox"):                                 (401, 403, 403, 200, 200, 404, 404),
    ("GET",  "/api/staff/teams/{team_id}/conversations/{patient_id}/messages"):   (401, 403, 403, 200, 200, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/conversations/{patient_id}/messages"):   (401, 403, 403, 201, 201, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/invites"):                               (401, 403, 403, 201, 201, 404, 404),
    ("GET",  "/api/staff/teams/{team_id}/policy"):                                (401, 403, 403, 200, 200, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/policy"):                                (401, 403, 403, 403, 200, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/away"):                                  (401, 403, 403, 400, 400, 404, 404),
    ("POST", "/api/staff/teams/{team_id}/away/clear"):                            (401, 403, 403, 400, 400, 404, 404),
}
# fmt: on
