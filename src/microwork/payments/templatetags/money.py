from django import template

from microwork.common.money import format_money

register = template.Library()


@register.filter
def money(cents, currency="EUR"):
    """{{ 50|money:"EUR" }} -> "0.50 EUR"."""
    if cents is None or cents == "":
        return "—"
    return format_money(int(cents), currency)
