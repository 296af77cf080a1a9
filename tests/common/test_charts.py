"""Bar charts (common/charts.py) and the one template that draws them all, _bar_chart.html,
with `{% chart_value %}` writing values in the chart's unit."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from microwork.common.charts import CENTS, PERCENT, bar_chart
from microwork.common.templatetags.charts import chart_value


def test_bar_chart_scales_to_the_top_asked_for():
    chart = bar_chart([30, 60], ["a", "b"], step=50, top=100, unit=PERCENT)

    assert [line["value"] for line in chart["grid"]] == [0, 50, 100]
    assert [(bar["name"], bar["value"], bar["y"], bar["height"]) for bar in chart["bars"]] == [
        ("a", 30, 100, 38),
        ("b", 60, 62, 76),
    ]
    assert chart["unit"] == PERCENT


@pytest.mark.parametrize(
    ("chart", "value", "english", "french"),
    [
        ({"unit": CENTS, "currency": "EUR"}, 1202, "12.02 EUR", "12,02\u00a0€"),
        ({"unit": PERCENT}, 75, "75%", "75\u00a0%"),
        ({"unit": "count"}, 12, "12", "12"),
        ({}, None, "—", "—"),
    ],
)
def test_chart_value_writes_the_charts_unit_in_the_language(chart, value, english, french):
    with translation.override("en"):
        assert chart_value(chart, value) == english
    with translation.override("fr"):
        assert chart_value(chart, value) == french


def test_the_bar_chart_template_draws_grid_bars_baseline_and_reference():
    chart = bar_chart([100, 900], ["W1", "W2"], step=100, reference=800, unit=CENTS, currency="EUR")
    chart["bars"][0]["tone"] = "warning"
    # 0..9.00 over 128 units: 1.00 is 14 high (128 * 100 // 900), the floor at 138 - 113.

    with translation.override("en"):
        svg = render_to_string("_bar_chart.html", {"chart": chart, "caption_id": "c"})

    assert svg.startswith(
        '<svg role="img" class="bar-chart" viewBox="0 0 320 160" width="100%" aria-labelledby="c">'
    )
    assert '<text x="52" y="14" text-anchor="end" font-size="10" fill="#5b6575">9.00 EUR' in svg
    assert (
        '<rect class="bar warning" x="106" y="124" width="28" height="14" fill="#a15c00">'
        "<title>W1: 1.00 EUR</title>"
    ) in svg
    assert (
        '<rect class="bar" x="234" y="10" width="28" height="128" fill="#1f5fbf">'
        "<title>W2: 9.00 EUR</title>"
    ) in svg
    assert '<line class="axis" x1="56" x2="312" y1="138" y2="138" stroke="#5b6575"' in svg
    assert '<line class="reference" x1="56" x2="312" y1="25" y2="25" stroke="#b3261e"' in svg
    assert svg.count("<line") == 5  # 3 grid lines, the baseline, the reference
    assert svg.count('<line class="grid"') == 3


def test_a_chart_without_reference_draws_no_dashed_line():
    svg = render_to_string("_bar_chart.html", {"chart": bar_chart([1], ["a"]), "caption_id": "c"})

    assert "stroke-dasharray" not in svg
