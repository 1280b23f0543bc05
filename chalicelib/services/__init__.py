"""State changes (``do_*``) and the reads pages need. Each write is one DynamoDB transaction that
includes its audit event; services take ``now`` and loaded, authorised records as arguments.

The API layer names every service, but a request uses one or two: each is imported on first use
(``chalicelib.lazy``), so a young person's cold start does not wait for the staff pages' services.
"""

from typing import Any

from chalicelib import lazy


def __getattr__(name: str) -> Any:
    return lazy.submodule(__name__, name)
