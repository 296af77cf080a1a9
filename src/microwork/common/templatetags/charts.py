"""`{% chart_value chart value %}`: a value of a bar chart (common/charts.py) written in the
chart's unit, the one formatter of every bar chart's grid and bar titles."""

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from microwork.common.charts import CENTS, PERCENT
from microwork.common.money import format_money

register = template.Library()


@register.simple_tag
def chart_value(chart: dict, value) -> str:
    """1202 in a cents chart of EUR -> "12.02 EUR"; 75 in a percent chart -> "75%" ("75 %" in
    French); a count as the language writes numbers."""
    if value is None:
        return "—"
    unit = chart.get("unit")
    if unit == CENTS:
        return format_money(int(value), chart.get("currency") or "EUR")
    if unit == PERCENT:
        return _("%(value)s%%") % {"value": formats.localize(value)}
    return str(formats.localize(value))
