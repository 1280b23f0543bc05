"""Teamline's Chalice app: wires blueprints and event handlers together, and nothing else.

Importing this module is the Lambda's init phase, which a young person waits through on a cold start.
Python's cyclic garbage collector would run over and over while it loads (each pass walks every object
made so far: modules, classes, functions, botocore's models), and find nothing to free, since everything
made at import lives as long as the process. So the collector is off while the app loads; at the end
``gc.freeze()`` moves everything loaded into a generation no pass walks again, and the collector is turned
back on for the requests' own garbage. Warm requests gain too: their full passes skip the frozen objects.
"""

import gc

gc.disable()  # turned back on at the end of this module

from chalice import Chalice  # noqa: E402 - after the collector is off

from chalicelib import logs  # noqa: E402
from chalicelib.api import (  # noqa: E402
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
from chalicelib.settings import get_settings  # noqa: E402

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

gc.freeze()
gc.enable()
