"""Money is integer minor units (cents) everywhere; this module alone turns text into units and back.

"0.50" <-> 50. No floats ever: "0.1" + "0.2" must be exactly 30 cents.
"""

import re

from django.utils.translation import gettext as _

# Currencies with no or three minor digits are rare in micro-work; they can join this table.
MINOR_DIGITS = {"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2}
_AMOUNT = re.compile(r"^\s*(?P<units>\d{1,12})(?:[.,](?P<minor>\d{1,2}))?\s*$")


class InvalidAmount(ValueError):
    pass


def parse_amount(text: str | int | None) -> int:
    """Turn "0.50", "0,5", "5" into minor units (50, 50, 500); raise InvalidAmount otherwise.

    Negative amounts and more than two decimals are refused rather than rounded: a reward is
    what the requester typed, never something we guessed.
    """
    if text is None:
        raise InvalidAmount(_("An amount is required."))
    match = _AMOUNT.match(str(text))
    if not match:
        raise InvalidAmount(
            _("“%(text)s” is not an amount: write it like 0.50 (at most two decimals).")
            % {"text": text}
        )
    minor = (match["minor"] or "").ljust(2, "0")
    return int(match["units"]) * 100 + int(minor or 0)


def format_amount(cents: int) -> str:
    """50 -> "0.50", -1234 -> "-12.34"."""
    sign = "-" if cents < 0 else ""
    units, minor = divmod(abs(int(cents)), 100)
    return f"{sign}{units}.{minor:02d}"


def format_money(cents: int, currency: str) -> str:
    """50, "EUR" -> "0.50 EUR"."""
    return f"{format_amount(cents)} {currency}"


def hourly_rate_cents(*, reward_cents: int, seconds: float | int | None) -> int | None:
    """What `reward_cents` for `seconds` of work pays per hour, rounded down; None if unknown."""
    if not seconds or seconds <= 0:
        return None
    return int(reward_cents * 3600 // seconds)
