"""The observatory page's figures: server-drawn SVG charts (no script, no inline style: the CSP
allows neither), a plain sentence saying what each shows, and the same numbers as a table for
screen readers and anyone who prefers one. Everything is read from a stored snapshot's
figures; nothing here queries the records."""

from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microwork.common.money import format_money
from microwork.observatory import contracts, enums

WIDTH = 320
ROW = 34
HIDDEN = gettext_lazy("hidden (fewer than k workers)")

LABELS = {
    "very_active": gettext_lazy("Very active"),
    "regular": gettext_lazy("Regular"),
    "occasional": gettext_lazy("Occasional"),
    "all": gettext_lazy("All"),
    "approved_by_requester": gettext_lazy("Approved by the requester"),
    "approved_automatically": gettext_lazy("Approved automatically"),
    "rejected": gettext_lazy("Rejected"),
    "waiting_for_review": gettext_lazy("Waiting for review"),
    "returned": gettext_lazy("Returned"),
    "expired": gettext_lazy("Expired"),
    "in_progress": gettext_lazy("In progress"),
    "granted_by_requester": gettext_lazy("Granted by the requester"),
    "granted_by_staff": gettext_lazy("Granted by staff"),
    "granted_automatically": gettext_lazy("Granted automatically"),
    "denied_by_requester": gettext_lazy("Denied by the requester"),
    "denied_by_staff": gettext_lazy("Denied by staff"),
    "open": gettext_lazy("Open"),
    "small": gettext_lazy("Small requesters"),
    "medium": gettext_lazy("Medium requesters"),
    "large": gettext_lazy("Large requesters"),
    "fair_pay": gettext_lazy("Fair pay"),
    "fair_conditions": gettext_lazy("Fair conditions"),
    "fair_contracts": gettext_lazy("Fair contracts"),
    "fair_management": gettext_lazy("Fair management"),
    "yes": gettext_lazy("met"),
    "no": gettext_lazy("not met"),
    "not_measured": gettext_lazy("not measured"),
    "not_scored": gettext_lazy("for information"),
    "all_respondents": gettext_lazy("All respondents"),
    "no_answer": gettext_lazy("Prefer not to say"),
}
QUESTION_LABELS = {
    "gender": gettext_lazy("Gender"),
    "age_band": gettext_lazy("Age"),
    "area": gettext_lazy("Where they live"),
    "education": gettext_lazy("Education"),
    "employment": gettext_lazy("Employment status"),
    "household": gettext_lazy("Household"),
    "income_share": gettext_lazy("Share of income from micro-work"),
    "other_work_hours": gettext_lazy("Hours per week of other paid work"),
    "country": gettext_lazy("Country"),
    "reasons": gettext_lazy("Reasons for micro-working"),
    "all_respondents": gettext_lazy("All respondents"),
}
MEASURE_LABELS = {
    "workers_active": gettext_lazy("Active workers"),
    "requesters_active": gettext_lazy("Active requesters"),
    "tasks_worked": gettext_lazy("Tasks worked on"),
    "assignments": gettext_lazy("Assignments"),
    "hours_paid": gettext_lazy("Hours paid"),
    "hours_unpaid": gettext_lazy("Hours unpaid"),
    "hours_pending": gettext_lazy("Hours waiting for review"),
    "unpaid_share_percent": gettext_lazy("Share of time unpaid (%)"),
    "earnings_cents": gettext_lazy("Earnings"),
    "workers_with_time": gettext_lazy("Workers with time worked"),
    "median_hourly_wage_cents": gettext_lazy("Median effective hourly wage"),
    "median_hourly_wage_paid_time_cents": gettext_lazy("Median hourly wage on paid time only"),
    "pay_floor_cents": gettext_lazy("Platform pay floor per hour"),
    "minimum_wage_cents": gettext_lazy("Legal minimum wage per hour"),
    "share_under_pay_floor_percent": gettext_lazy("Share under the pay floor (%)"),
    "share_under_minimum_wage_percent": gettext_lazy("Share under the minimum wage (%)"),
    "share_under_pay_floor_paid_time_percent": gettext_lazy(
        "Share under the pay floor, paid time only (%)"
    ),
    "paid_within_7_days_percent": gettext_lazy("Work paid within 7 days (%)"),
    "appeals_granted_percent": gettext_lazy("Appeals granted (%)"),
    "appeals_decided_within_7_days_percent": gettext_lazy("Appeals decided within 7 days (%)"),
    **contracts.MEASURE_LABELS,
}


def label(code) -> str:
    if code is None:
        return "—"
    if code in LABELS:
        return str(LABELS[code])
    for _name, choices in enums.QUESTIONS:
        if code in choices.values:
            return str(choices(code).label)
    if code in enums.Reason.values:
        return str(enums.Reason(code).label)
    return str(code)


def money(cents) -> str:
    return "—" if cents is None else format_money(int(cents), settings.MICROWORK_CURRENCY)


def number(value) -> str:
    if value is None:
        return str(HIDDEN)
    return f"{value:g}" if isinstance(value, float) else str(value)


def measure_value(measure: str, value) -> str:
    if value is None:
        return str(HIDDEN)
    if measure.endswith("_cents"):
        return money(value)
    return number(value)


# --- drawing ----------------------------------------------------------------------------------


def hbars(items: list[tuple[str, float | None, str]], *, title: str, marks=()) -> SafeString:
    """Horizontal bars, a label above each: items are (label, value or None if hidden, the
    value as text). `marks` are (value, text) vertical lines, like the pay floor."""
    shown = [value for _label, value, _text in items if value is not None]
    top = max([*shown, *(value for value, _text in marks), 1])
    height = ROW * len(items) + 24
    parts = []
    for index, (name, value, text) in enumerate(items):
        y = 20 + index * ROW
        parts.append(format_html('<text x="0" y="{}" class="chart-label">{}</text>', y, name))
        if value is None:
            parts.append(
                format_html('<text x="0" y="{}" class="chart-hidden">{}</text>', y + 14, HIDDEN)
            )
            continue
        width = round(value / top * (WIDTH - 90), 1)
        parts.append(
            format_html(
                '<rect x="0" y="{}" width="{}" height="12" class="chart-bar"></rect>'
                '<text x="{}" y="{}" class="chart-value">{}</text>',
                y + 4,
                width,
                width + 4,
                y + 15,
                text,
            )
        )
    for value, text in marks:
        x = round(value / top * (WIDTH - 90), 1)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="6" y2="{}" class="chart-mark"></line>'
                '<text x="{}" y="{}" class="chart-mark-label">{}</text>',
                x,
                x,
                height - 12,
                x + 2,
                height - 2,
                text,
            )
        )
    return _svg(title, height, parts)


def vbars(items: list[tuple[str, float | None, str]], *, title: str, marks=()) -> SafeString:
    """Vertical bars with a short label under each; hidden bars drawn as a hatched stub."""
    count = max(len(items), 1)
    slot = WIDTH / count
    chart = 150
    shown = [value for _label, value, _text in items if value is not None]
    top = max([*shown, 1])
    parts = [
        format_html(
            '<line x1="0" x2="{}" y1="{}" y2="{}" class="chart-axis"></line>', WIDTH, chart, chart
        )
    ]
    for index, (name, value, text) in enumerate(items):
        x = round(index * slot + slot * 0.15, 1)
        width = round(slot * 0.7, 1)
        if value is None:
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="6" class="chart-hidden-bar">'
                    "<title>{}</title></rect>",
                    x,
                    chart - 6,
                    width,
                    HIDDEN,
                )
            )
        else:
            height = round(value / top * (chart - 20), 1)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" class="chart-bar">'
                    "<title>{}: {}</title></rect>",
                    x,
                    chart - height,
                    width,
                    height,
                    name,
                    text,
                )
            )
        if count <= 8 or index % 2 == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" class="chart-tick">{}</text>',
                    round(x + width / 2, 1),
                    chart + 14,
                    name,
                )
            )
    return _svg(title, chart + 22, parts)


def _svg(title: str, height: int, parts) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        WIDTH,
        height,
        title,
        title,
        mark_safe("".join(parts)),  # noqa: S308 - parts are escaped  # nosec B308, B703  # every part is escaped before it is joined
    )


# --- the page's figures -----------------------------------------------------------------------


def _rows(figures: dict, name: str) -> list[dict]:
    return figures.get(name, [])


def _values(figures: dict, name: str) -> dict:
    return {row["measure"]: row["value"] for row in _rows(figures, name)}


def _table(headers: list[str], rows: list[list[str]]) -> dict:
    return {"headers": headers, "rows": rows}


def page_figures(figures: dict, series: list[dict]) -> list[dict]:
    """Each figure of the page: name, title, sentence, svg (or None), table, download name."""
    overview = _values(figures, "overview")
    wages = _values(figures, "wage_summary")
    result = []

    months = [
        (row["month"], row.get("workers_active"), number(row.get("workers_active")))
        for row in series
    ]
    result.append(
        {
            "name": "overview",
            "title": _("Active workers, month by month"),
            "sentence": _(
                "This month %(workers)s people worked on the platform for %(requesters)s "
                "requesters; %(unpaid)s%% of the time they gave was not paid."
            )
            % {
                "workers": number(overview.get("workers_active")),
                "requesters": number(overview.get("requesters_active")),
                "unpaid": number(overview.get("unpaid_share_percent")),
            },
            "svg": vbars(months, title=_("Active workers, month by month")) if months else None,
            "table": _table(
                [_("Measure"), _("Value")],
                [
                    [
                        str(MEASURE_LABELS.get(row["measure"], row["measure"])),
                        measure_value(row["measure"], row["value"]),
                    ]
                    for row in _rows(figures, "overview")
                ],
            ),
        }
    )

    activity = [row for row in _rows(figures, "activity") if row["activity_class"] != "all"]
    result.append(
        {
            "name": "activity",
            "title": _("Workers by activity class"),
            "sentence": _(
                "Of the people who worked here in the last year, how many worked every week "
                "(very active), every month (regular) or less often (occasional)."
            ),
            "svg": hbars(
                [
                    (label(r["activity_class"]), r["workers"], number(r["workers"]))
                    for r in activity
                ],
                title=_("Workers by activity class"),
            ),
            "table": _table(
                [_("Class"), _("Workers")],
                [
                    [label(r["activity_class"]), number(r["workers"])]
                    for r in _rows(figures, "activity")
                ],
            ),
        }
    )

    floor = wages.get("pay_floor_cents")
    histogram = _rows(figures, "hourly_wage_histogram")
    result.append(
        {
            "name": "hourly_wage_histogram",
            "title": _("Workers by effective hourly wage"),
            "sentence": _(
                "Counting unpaid time, half of the workers earned less than %(median)s an hour; "
                "%(under)s%% earned less than the platform's floor of %(floor)s and %(minimum)s%% "
                "less than the legal minimum wage."
            )
            % {
                "median": money(wages.get("median_hourly_wage_cents")),
                "under": number(wages.get("share_under_pay_floor_percent")),
                "floor": money(floor),
                "minimum": number(wages.get("share_under_minimum_wage_percent")),
            },
            "svg": vbars(
                [
                    (f"{r['from_cents'] // 100}", r["workers"], number(r["workers"]))
                    for r in histogram
                ],
                title=_("Workers by effective hourly wage"),
            ),
            "table": _table(
                [_("Hourly wage from"), _("to"), _("Workers")],
                [
                    [
                        money(r["from_cents"]),
                        money(r["to_cents"]) if r["to_cents"] else "…",
                        number(r["workers"]),
                    ]
                    for r in histogram
                ],
            ),
        }
    )

    result.append(
        {
            "name": "distributions",
            "title": _("Distributions per worker"),
            "sentence": _(
                "Deciles over workers: one worker in ten earned less than the first decile, "
                "half less than the fifth (the median)."
            ),
            "svg": None,
            "table": _table(
                [
                    _("Decile"),
                    _("Effective hourly wage"),
                    _("On paid time only"),
                    _("Earnings"),
                    _("Hours"),
                ],
                [
                    [
                        str(r["decile"]),
                        money(r["hourly_wage_cents"]) if not r["suppressed"] else str(HIDDEN),
                        money(r["hourly_wage_paid_time_cents"])
                        if not r["suppressed"]
                        else str(HIDDEN),
                        money(r["earnings_cents"]) if not r["suppressed"] else str(HIDDEN),
                        number(r["hours_worked"]),
                    ]
                    for r in _rows(figures, "distributions")
                ],
            ),
        }
    )

    outcomes = _rows(figures, "outcomes")
    result.append(
        {
            "name": "outcomes",
            "title": _("What became of the work"),
            "sentence": _(
                "Assignments accepted this month by what became of them: rejected, returned "
                "and expired work is time the worker was not paid for."
            ),
            "svg": hbars(
                [
                    (label(r["outcome"]), r["assignments"], number(r["assignments"]))
                    for r in outcomes
                ],
                title=_("What became of the work"),
            ),
            "table": _table(
                [_("Outcome"), _("Assignments"), _("Workers")],
                [
                    [label(r["outcome"]), number(r["assignments"]), number(r["workers"])]
                    for r in outcomes
                ],
            ),
        }
    )

    delay = _rows(figures, "payment_delay")
    result.append(
        {
            "name": "payment_delay",
            "title": _("Time from submission to payment"),
            "sentence": _(
                "The share of approved work paid within each delay after it was submitted."
            ),
            "svg": hbars(
                [
                    (
                        _("within %(hours)s h") % {"hours": r["within_hours"]},
                        r["share_percent"],
                        f"{number(r['share_percent'])} %",
                    )
                    for r in delay
                ],
                title=_("Time from submission to payment"),
            ),
            "table": _table(
                [_("Within (hours)"), _("Share paid (%)"), _("Assignments")],
                [
                    [str(r["within_hours"]), number(r["share_percent"]), number(r["assignments"])]
                    for r in delay
                ],
            ),
        }
    )

    appeals = _rows(figures, "appeals")
    result.append(
        {
            "name": "appeals",
            "title": _("Appeals of rejections"),
            "sentence": _(
                "Appeals workers opened this month against a rejection, by how they ended."
            ),
            "svg": None,
            "table": _table(
                [_("Outcome"), _("Appeals"), _("Workers")],
                [
                    [label(r["outcome"]), number(r["appeals"]), number(r["workers"])]
                    for r in appeals
                ],
            ),
        }
    )

    for name, key, title, sentence in (
        (
            "by_task_type",
            "task_type",
            _("Effective hourly wage by task type"),
            _("What each type of task paid per hour of work, unpaid time included."),
        ),
        (
            "by_requester_size",
            "requester_size",
            _("Effective hourly wage by requester size"),
            _("What small, medium and large requesters' work paid per hour, unpaid time included."),
        ),
    ):
        rows = _rows(figures, name)
        result.append(
            {
                "name": name,
                "title": title,
                "sentence": sentence,
                "svg": hbars(
                    [
                        (label(r[key]), r["hourly_wage_cents"], money(r["hourly_wage_cents"]))
                        for r in rows
                    ],
                    title=title,
                    marks=[(floor, _("floor"))] if floor else (),
                ),
                "table": _table(
                    [
                        _("Group"),
                        _("Workers"),
                        _("Assignments"),
                        _("Hours paid"),
                        _("Hours unpaid"),
                        _("Earnings"),
                        _("Per hour"),
                    ],
                    [
                        [
                            label(r[key]),
                            number(r["workers"]),
                            number(r["assignments"]),
                            number(r["hours_paid"]),
                            number(r["hours_unpaid"]),
                            money(r["earnings_cents"]) if not r["suppressed"] else str(HIDDEN),
                            money(r["hourly_wage_cents"]) if not r["suppressed"] else str(HIDDEN),
                        ]
                        for r in rows
                    ],
                ),
            }
        )

    survey = _rows(figures, "by_survey_answer")
    result.append(
        {
            "name": "by_survey_answer",
            "title": _("By survey answer"),
            "sentence": _(
                "Workers who answered the voluntary survey, by their answers: how many, and "
                "their median hourly wage, earnings and hours this month."
            ),
            "svg": None,
            "table": _table(
                [
                    _("Question"),
                    _("Answer"),
                    _("Workers"),
                    _("Median per hour"),
                    _("Median earnings"),
                    _("Median hours"),
                ],
                [
                    [
                        str(QUESTION_LABELS.get(r["question"], r["question"])),
                        label(r["answer"]),
                        number(r["workers"]),
                        money(r["median_hourly_wage_cents"])
                        if not r["suppressed"]
                        else str(HIDDEN),
                        money(r["median_earnings_cents"]) if not r["suppressed"] else str(HIDDEN),
                        number(r["median_hours_worked"]),
                    ]
                    for r in survey
                ],
            ),
        }
    )

    scorecard = _rows(figures, "scorecard")
    result.append(
        {
            "name": "scorecard",
            "title": _("Fair work scorecard"),
            "sentence": _(
                "Fairwork's principles, scored from the platform's own records, with the figure "
                "behind each point and the threshold it is held to."
            ),
            "svg": None,
            "table": _table(
                [_("Principle"), _("Measure"), _("Value"), _("Threshold"), _("Point")],
                [
                    [
                        label(r["principle"]),
                        str(MEASURE_LABELS.get(r["measure"], r["measure"])),
                        measure_value(r["measure"], r["value"]),
                        "—"
                        if r["threshold"] is None
                        else measure_value(r["measure"], r["threshold"]),
                        label(r["met"]),
                    ]
                    for r in scorecard
                ],
            ),
        }
    )
    return result
