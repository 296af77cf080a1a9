"""Money is integer minor units (cents) everywhere; this module alone turns text into units and back.

"0.50" <-> 50. No floats ever: "0.1" + "0.2" must be exactly 30 cents.
"""

import re

from django.utils.translation import get_language
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


# How an amount is written in each language (docs/translating.md, "Money and dates"): English
# keeps "0.50 EUR", the ISO code after a decimal point; French writes "0,50 €", a decimal comma
# and the currency's symbol after a no-break space, as French statistics beside it have decimal
# commas. A language not listed here writes amounts as English does.
_NO_BREAK_SPACE = "\u00a0"
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def format_money(cents: int, currency: str) -> str:
    """50, "EUR" -> "0.50 EUR" in English, "0,50 €" (a no-break space) in French: the active
    language's way. Text for machines (files, API) uses format_amount, never this."""
    amount = format_amount(cents)
    language = (get_language() or "").split("-")[0]
    if language == "fr":
        return f"{amount.replace('.', ',')}{_NO_BREAK_SPACE}{_SYMBOLS.get(currency, currency)}"
    return f"{amount} {currency}"


def hourly_rate_cents(*, reward_cents: int, seconds: float | int | None) -> int | None:
    """What `reward_cents` for `seconds` of work pays per hour, rounded down; None if unknown."""
    if not seconds or seconds <= 0:
        return None
    return int(reward_cents * 3600 // seconds)
