"""A form only the team lead may post (team settings, safety settings): shared by the settings pages.

The lead is checked while loading; a refused change re-shows the page with what was typed and every problem;
a saved one goes back to the page, saying which form was saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from chalicelib.access import access_staff_team
from chalicelib.errors import TeamlineError
from chalicelib.scopes import StaffTeam
from chalicelib.web.responses import Page, Redirect
from chalicelib.web.routing import RequestContext


class SettingsPage(Protocol):
    def __call__(self, req: RequestContext, st: StaffTeam, *, error: TeamlineError | None = ...,
                 values: dict[str, str] | None = ..., form: str = ...) -> Page: ...


def lead_form(req: RequestContext, team_id: str, name: str, action: Callable[[StaffTeam, dict[str, str]], Any],
              page: SettingsPage, done: str) -> Page | Redirect:
    """Run ``action`` for the team's lead on the posted form ``name``; ``page`` re-shows it on an error."""
    st = access_staff_team(req, team_id, lead=True)
    form = req.form()
    try:
        action(st, form)
    except TeamlineError as error:
        return page(req, st, error=error, values=form, form=name)
    return Redirect(done)
