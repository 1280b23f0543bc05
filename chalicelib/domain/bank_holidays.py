"""UK bank holidays by nation, from a table made from the ``holidays`` package.

Importing ``holidays`` to ask about one country imports every country it knows (~80 ms of a cold start,
on every Lambda that shows whether a team is open, which is nearly every patient page). The table
``bank_holidays.json`` holds exactly what ``holidays`` answers for England and Wales, Scotland and
Northern Ireland over the years Teamline will be asked about; any other year asks ``holidays`` itself.
``python -m chalicelib.domain.bank_holidays`` rewrites the table (do it when ``holidays`` is upgraded);
tests/unit/test_bank_holidays.py fails if the table and the package ever disagree.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date
from functools import lru_cache

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bank_holidays.json")
SUBDIVISIONS = ("ENG", "SCT", "NIR")
FIRST_YEAR, LAST_YEAR = 2020, 2045


def from_package(subdivision: str, year: int) -> dict[date, str]:
    """What the ``holidays`` package says (slow to import; see the module docstring)."""
    import holidays

    return dict(holidays.country_holidays("GB", subdiv=subdivision, years=year))


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, str]]:
    with open(TABLE, encoding="utf-8") as handle:
        return dict(json.load(handle))


def holiday_names(subdivision: str, year: int) -> Mapping[date, str]:
    """Each bank holiday in ``year`` in a GB subdivision (ENG, SCT, NIR), with its name."""
    if FIRST_YEAR <= year <= LAST_YEAR and subdivision in SUBDIVISIONS:
        days = _table().get(f"{subdivision}:{year}", {})
        return {date.fromisoformat(day): name for day, name in days.items()}
    return from_package(subdivision, year)


def build_table() -> dict[str, dict[str, str]]:
    """The table, from the ``holidays`` package."""
    return {f"{sub}:{year}": {day.isoformat(): name for day, name in sorted(from_package(sub, year).items())}
            for sub in SUBDIVISIONS for year in range(FIRST_YEAR, LAST_YEAR + 1)}


if __name__ == "__main__":
    with open(TABLE, "w", encoding="utf-8") as out:
        json.dump(build_table(), out, indent=0, sort_keys=True, ensure_ascii=False)
        out.write("\n")
    print(f"wrote {TABLE}")
