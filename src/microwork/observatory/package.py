"""A month's figures as a Frictionless Data Package (https://specs.frictionlessdata.io/):
datapackage.json (its schema, its data dictionary, its licence) and one CSV and one JSON file
per figure.

Every byte depends on the figures only: no timestamp, keys in a fixed order, whole numbers and
one-decimal numbers written from Decimal, "\\n" line ends. The same records give the same
package, byte for byte.
"""

import csv
import io
import json
from decimal import Decimal

from microwork.observatory import statistics

LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}

# The figures, in the order the package and the page list them: (name, title, description).
FIGURES = (
    (
        "overview",
        "The month in figures",
        "Active workers and requesters, work, hours and earnings.",
    ),
    (
        "activity",
        "Workers by activity class",
        "Workers by how regularly they worked up to the month's end (see the method).",
    ),
    ("weekly", "Week by week", "Work, hours and earnings by week (Monday) of the month."),
    (
        "wage_summary",
        "Effective hourly wage",
        "Pay over all time worked, unpaid time included, against the pay floor and the legal "
        "minimum wage.",
    ),
    (
        "distributions",
        "Distributions per worker",
        "Deciles over workers of the effective hourly wage, earnings and hours in the month.",
    ),
    (
        "hourly_wage_histogram",
        "Workers by effective hourly wage",
        "How many workers earned each band of effective hourly wage.",
    ),
    ("outcomes", "What became of the work", "Assignments accepted in the month by outcome."),
    ("appeals", "Appeals of rejections", "Appeals opened in the month by how they ended."),
    (
        "payment_delay",
        "Time from submission to payment",
        "Share of approved work paid within each delay after it was submitted.",
    ),
    ("by_task_type", "By task type", "Work, hours, earnings and hourly wage by type of task."),
    (
        "by_requester_size",
        "By requester size",
        "The same by size of requester (assignments on their work in the month).",
    ),
    (
        "by_survey_answer",
        "By survey answer",
        "Consenting workers' medians by their answer to each survey question.",
    ),
    (
        "scorecard",
        "Fair work scorecard",
        "Fairwork's principles scored from the records, with the figure behind each point.",
    ),
)

# The data dictionary: each column's type and meaning, whichever figure holds it.
COLUMNS = {
    "measure": ("string", "What the row measures (see the method)."),
    "value": ("number", "The measure's value; empty when hidden."),
    "workers": ("integer", "Distinct workers behind the row."),
    "suppressed": (
        "boolean",
        "True when the row is hidden: fewer than k workers, or hidden with another so that "
        "it cannot be derived from a total.",
    ),
    "activity_class": ("string", "very_active, regular, occasional, or all."),
    "week": ("date", "The Monday of the week."),
    "assignments": ("integer", "Assignments."),
    "hours_paid": ("number", "Hours of approved work."),
    "hours_unpaid": ("number", "Hours of rejected, returned and expired work."),
    "earnings_cents": ("integer", "Pay that reached workers, in minor units (cents)."),
    "hourly_wage_cents": (
        "integer",
        "Effective hourly wage: pay over paid and unpaid time, in cents per hour.",
    ),
    "hourly_wage_paid_time_cents": ("integer", "Pay over paid time only, in cents per hour."),
    "hours_worked": ("number", "Hours worked, paid and unpaid."),
    "decile": ("integer", "Decile (1 to 9; 5 is the median), nearest-rank rule."),
    "from_cents": ("integer", "Lower bound of the band, cents per hour (included)."),
    "to_cents": ("integer", "Upper bound of the band, cents per hour (excluded); empty: open."),
    "outcome": ("string", "How the assignment or appeal ended."),
    "appeals": ("integer", "Appeals."),
    "within_hours": ("integer", "Delay after submission, in hours."),
    "share_percent": ("number", "Share in percent, one decimal."),
    "task_type": ("string", "The task type (template kind) of the project."),
    "requester_size": (
        "string",
        "small (under 100 assignments in the month), medium (100 to 999), large (1000 or more).",
    ),
    "requesters": ("integer", "Requesters in the class."),
    "question": ("string", "The survey question."),
    "answer": ("string", "The answer's code."),
    "median_hourly_wage_cents": ("integer", "Median effective hourly wage, cents per hour."),
    "median_earnings_cents": ("integer", "Median earnings in the month, cents."),
    "median_hours_worked": ("number", "Median hours worked in the month."),
    "principle": ("string", "Fairwork principle."),
    "threshold": ("number", "The value the measure is held to; empty if none."),
    "met": ("string", "yes, no, not_measured or not_scored."),
}


def _columns(rows: list[dict], name: str) -> list[str]:
    if rows:
        return list(rows[0])
    return [*statistics.KEYS[name], "workers", "suppressed"]


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)  # one decimal at most: float's shortest form writes it back as is
    return value


def jsonable(figures: dict[str, list[dict]]) -> dict:
    """The figures with Decimal as JSON numbers: what Snapshot.figures stores."""
    return {
        name: [{column: _json_value(value) for column, value in row.items()} for row in rows]
        for name, rows in figures.items()
    }


def _dumps(data) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def figure_csv(rows: list[dict], columns: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    return buffer.getvalue().encode()


def _schema(columns: list[str]) -> dict:
    return {
        "fields": [
            {"name": column, "type": COLUMNS[column][0], "description": COLUMNS[column][1]}
            for column in columns
        ],
        "missingValues": [""],
    }


def build(month_label: str, figures: dict[str, list[dict]], *, k: int) -> dict[str, bytes]:
    """The package's files, {file name: bytes}, for `figures` (statistics.compute())."""
    files: dict[str, bytes] = {}
    resources = []
    data = jsonable(figures)
    for name, title, description in FIGURES:
        rows = figures[name]
        columns = _columns(rows, name)
        files[f"{name}.csv"] = figure_csv(rows, columns)
        files[f"{name}.json"] = _dumps(data[name])
        schema = _schema(columns)
        for suffix, media in (("csv", "text/csv"), ("json", "application/json")):
            resources.append(
                {
                    "name": f"{name}-{suffix}",
                    "path": f"{name}.{suffix}",
                    "title": title,
                    "description": description,
                    "format": suffix,
                    "mediatype": media,
                    "encoding": "utf-8",
                    "profile": "tabular-data-resource",
                    "schema": schema,
                }
            )
    descriptor = {
        "profile": "tabular-data-package",
        "name": f"microwork-observatory-{month_label}",
        "title": f"microwork observatory, {month_label}",
        "description": (
            "Micro-work on this platform in one month, computed from its records: activity, "
            "hours paid and unpaid, earnings, effective hourly wages, outcomes, appeals, time "
            f"to payment. No row counts fewer than {k} workers: smaller rows are hidden "
            "(suppressed: true, values empty), with one more where a total would reveal them. "
            "No worker id, email or free text is published. Money in minor units (cents)."
        ),
        "version": month_label,
        "licenses": [LICENSE],
        "keywords": ["micro-work", "crowdwork", "platform work", "wages", "Fairwork"],
        "resources": resources,
    }
    files["datapackage.json"] = _dumps(descriptor)
    return files
