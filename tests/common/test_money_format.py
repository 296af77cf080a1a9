"""Amounts and dates as each language writes them (common/money.py, docs/translating.md)."""

from datetime import datetime

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import get_format

from microwork.common.money import format_amount, format_money

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("cents", "currency", "english", "french"),
    [
        (4, "EUR", "0.04 EUR", f"0,04{NBSP}€"),
        (-1234, "EUR", "-12.34 EUR", f"-12,34{NBSP}€"),
        (50, "USD", "0.50 USD", f"0,50{NBSP}$"),
        (50, "CHF", "0.50 CHF", f"0,50{NBSP}CHF"),
    ],
)
def test_money_follows_the_active_language(cents, currency, english, french):
    with translation.override("en"):
        assert format_money(cents, currency) == english
    with translation.override("fr"):
        assert format_money(cents, currency) == french
        # What machines read (files, the API) keeps its decimal point in every language.
        assert format_amount(cents) == english.split(" ")[0]


def test_the_money_and_cents_filters_follow_the_active_language():
    template = Template(
        '{% load money fairness %}{{ 1202|money:"EUR" }} | {{ 1202|cents:"EUR" }} | {{ None|money }}'
    )
    with translation.override("en"):
        assert template.render(Context()) == "12.02 EUR | 12.02 EUR | —"
    with translation.override("fr"):
        assert template.render(Context()) == f"12,02{NBSP}€ | 12,02{NBSP}€ | —"


def test_a_date_is_written_one_way_per_language():
    """Pages mixed "12/06/2026" and "Dec. 6, 2026" (SHORT_DATE_FORMAT beside DATE_FORMAT)."""
    moment = datetime(2026, 12, 6, 14, 5)
    template = Template(
        '{{ d|date:"DATE_FORMAT" }} | {{ d|date:"SHORT_DATE_FORMAT" }} | '
        '{{ d|date:"DATETIME_FORMAT" }} | {{ d|date:"SHORT_DATETIME_FORMAT" }}'
    )
    with translation.override("en"):
        assert template.render(Context({"d": moment})) == (
            "Dec. 6, 2026 | Dec. 6, 2026 | Dec. 6, 2026, 2:05 p.m. | Dec. 6, 2026, 2:05 p.m."
        )
    with translation.override("fr"):
        assert template.render(Context({"d": moment})) == (
            "6 décembre 2026 | 6 décembre 2026 | 6 décembre 2026 14:05 | 6 décembre 2026 14:05"
        )
    # What people type stays as Django reads it.
    with translation.override("fr"):
        assert "%d/%m/%Y" in get_format("DATE_INPUT_FORMATS")
