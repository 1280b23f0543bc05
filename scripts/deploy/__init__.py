"""``make deploy``: put Teamline into a Trust's own AWS account, and upgrade it, with one command.

The steps, each in its own module:

1. ``stage``: the Trust's settings for one stage (``deploy/<stage>.json``, never a tracked file),
   checked before anything is touched.
2. ``functions``: which Lambda functions the app has (the API, and every ``@app.schedule`` and stream
   handler it declares), found by loading the app, so new scheduled jobs need no deploy change.
3. ``infra``: the infrastructure stack (CloudFormation): tables, buckets, queue, alarms, log groups, and
   one role with a least-privilege managed policy per function; created or updated through a change
   set that is refused if it would replace or remove anything holding data.
4. ``project``: a copy of the app under ``build/deploy/<stage>/`` with a generated
   ``.chalice/config.json`` holding the stack's outputs; ``chalice deploy`` runs there.
5. ``aws``: the boto3 session (one region, an optional endpoint for the rehearsal) and the deploy
   state Chalice keeps, stored in the stack's state bucket so another machine can upgrade.

``python -m scripts.deploy --help`` lists the commands. docs/deploy.md is the Trust engineer's guide.
"""
