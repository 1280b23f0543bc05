"""Rate-limit counters: attempts in one fixed window for one subject (see ``auth.ratelimit``)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute

from chalicelib.models.base import MainItem


class RateCounterItem(MainItem, discriminator="rate_counter"):
    """Attempts in one fixed window for one subject (an account or a network address)."""

    attempts = NumberAttribute(default=0)
