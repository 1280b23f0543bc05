"""Teamline's Chalice app: wires blueprints and event handlers together, and nothing else."""

from chalice import Chalice

from chalicelib import logs
from chalicelib.api import (
    account,
    admin,
    admin_staff,
    audit,
    dashboard,
    inbox,
    jobs,
    join,
    meta,
    patient,
    patients,
    push,
    pwa,
    records,
    rota,
    safety,
    safety_staff,
    team_settings,
    workflow,
)
from chalicelib.settings import get_settings

logs.configure(get_settings().log_level)

# Chalice's own log set-up would take over the "teamline" logger (ERROR level, plain text on stdout, no
# propagation) and silently drop every request line; chalicelib.logs owns logging instead.
app = Chalice(app_name="teamline", configure_logs=False)
app.api.binary_types.extend(pwa.BINARY_TYPES)
app.api.binary_types.extend(records.BINARY_TYPES)

for blueprint in (pwa.bp, meta.bp, account.bp, join.bp, patient.bp, inbox.bp, team_settings.bp, admin.bp, push.bp, jobs.bp,
                  dashboard.bp, admin_staff.bp, audit.bp, workflow.bp, rota.bp, safety.bp, safety_staff.bp,
                  records.bp):
    app.register_blueprint(blueprint)
app.register_blueprint(patients.bp)
