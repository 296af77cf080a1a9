"""Bar charts drawn as server-side SVG: the geometry here, the drawing in a template with
attributes only (the CSP allows no inline style, and no script is needed).

A chart keeps its own aspect ratio, so one bar is one bar and not a block across the page; it
has a baseline, three grid lines with their values (0, half, top) and an optional reference
line (the pay floor, a target). Every bar chart is drawn by one template, `_bar_chart.html`,
which writes each value with `{% chart_value %}` (common/templatetags/charts.py) in the chart's
`unit`: a count, money in cents, or a percent. The page around it gives the figures again as a
table or text for people who do not see the picture.
"""

WIDTH, HEIGHT = 320, 160
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 10, 22
MAX_BAR_WIDTH = 28
COUNT, CENTS, PERCENT = "count", "cents", "percent"  # how `{% chart_value %}` writes a value


def bar_chart(
    values: list[int],
    labels: list[str],
    *,
    step: int = 2,
    reference: int | None = None,
    label_every: int | None = None,
    unit: str = COUNT,
    currency: str = "",
    names: list[str] | None = None,
    top: int | None = None,
) -> dict:
    """The geometry of one bar per value, oldest first, on a scale from 0 to a multiple of
    `step` at least the highest value, the reference and `top`. `labels` under the bars: all
    of them for up to six bars, else the first and the last (or every `label_every`-th).
    Each bar's `name` (from `names`, else its label) titles it with its value; `unit` and
    `currency` say how values are written."""
    highest = max([*values, reference or 0, top or 0, 1])
    top = -(-highest // step) * step
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height

    def y_of(value: int) -> int:
        return baseline - value * plot_height // top

    slot = plot_width // max(len(values), 1)
    bar_width = min(MAX_BAR_WIDTH, slot * 7 // 10)
    if label_every:
        labelled = set(range(0, len(values), label_every)) | {len(values) - 1}
    elif len(values) > 6:
        labelled = {0, len(values) - 1}
    else:
        labelled = set(range(len(values)))
    bars = []
    for index, value in enumerate(values):
        x = LEFT + index * slot + (slot - bar_width) // 2
        bars.append(
            {
                "index": index,
                "value": value,
                "x": x,
                "y": y_of(value),
                "width": bar_width,
                "height": baseline - y_of(value),
                "label_x": x + bar_width // 2,
                "label": labels[index] if index in labelled else "",
                "name": (names or labels)[index],
                "tone": "",  # "warning" draws the bar in the warning colour
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": baseline,
        "label_y": baseline + 15,
        "grid": [{"y": y_of(value), "value": value} for value in (0, top // 2, top)],
        "reference_y": y_of(reference) if reference is not None else None,
        "bars": bars,
        "unit": unit,
        "currency": currency,
    }
