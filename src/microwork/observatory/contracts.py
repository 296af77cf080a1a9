"""The figures behind the scorecard's "fair contracts" point (Fairwork's third principle: terms
that are clear, available to the workers and changed only with notice), from the records of the
terms of service (accounts: TermsVersion, TermsAcceptance, docs/terms.md) and of who worked in
the month (work: Assignment).

The rows have the scorecard's columns (statistics._scorecard), so they take the place of its
"fair_contracts" row as they are; suppression under k is the scorecard's. Plain language
itself is not measured: each version must carry a summary of its changes in every language.
"""

from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy

from microwork.accounts.models import TermsAcceptance, TermsVersion
from microwork.observatory.rounding import percent
from microwork.work.models import Assignment

PRINCIPLE = "fair_contracts"
# Fairwork asks for reasonable notice of a change; the bar is fixed here, not the site's own
# MICROWORK_TERMS_NOTICE_DAYS, so that a site lowering its setting is scored against it.
NOTICE_DAYS_THRESHOLD = 30

# The words of each measure on the page (to join observatory.charts.MEASURE_LABELS).
MEASURE_LABELS = {
    "terms_version_in_force": gettext_lazy("Version of the terms in force"),
    "terms_languages": gettext_lazy("Languages the terms are published in"),
    "terms_changes_published": gettext_lazy("Changes of the terms published"),
    "terms_change_notice_min_days": gettext_lazy("Shortest notice of a change (days)"),
    "workers_accepted_terms_percent": gettext_lazy(
        "Active workers who accepted the terms in force (%)"
    ),
}


def _row(measure: str, value, threshold, met: str, workers: int) -> dict:
    return {
        "principle": PRINCIPLE,
        "measure": measure,
        "workers": workers,
        "value": value,
        "threshold": threshold,
        "met": met,
    }


def fair_contracts_rows(*, start: datetime, end: datetime) -> list[dict]:
    """The fair-contracts rows of the month [start, end) (statistics.Period's bounds), as
    things stood at its end:

    - terms_version_in_force: the number of the version in force at the month's end (for
      information);
    - terms_languages: how many of the site's languages its text is published in, held to all
      of them;
    - terms_changes_published: versions after the first published before the month's end (for
      information);
    - terms_change_notice_min_days: the shortest notice, in whole days from publication to
      effect, of those changes, held to at least NOTICE_DAYS_THRESHOLD;
    - workers_accepted_terms_percent: the share of the month's active workers (an assignment
      accepted in it) who had accepted the version in force by the month's end (for
      information: workers using only the API are asked at their next page).

    `workers` on every row is the number of active workers. A value with nothing to compute it
    from is None and its row "not_measured". Three queries.
    """
    active = (
        Assignment.objects.filter(accepted_at__gte=start, accepted_at__lt=end)
        .values("worker_id")
        .distinct()
    )
    workers = active.count()
    versions = list(
        TermsVersion.objects.filter(published_at__lt=end)
        .order_by("number")
        .only("number", "published_at", "effective_at", "text_en", "text_fr")
    )
    in_force = None
    for version in versions:
        if version.effective_at < end:
            in_force = version
    changes = [version for version in versions if version.number > 1]
    if in_force is None:
        languages = accepted_share = None
    else:
        languages = sum(
            1 for code, _name in settings.LANGUAGES if getattr(in_force, f"text_{code}", "")
        )
        accepted = TermsAcceptance.objects.filter(
            version=in_force, accepted_at__lt=end, user_id__in=active
        ).count()
        accepted_share = percent(accepted, workers)
    notice = min((version.notice_days for version in changes), default=None)
    every_language = len(settings.LANGUAGES)

    def held(value, threshold) -> str:
        if value is None:
            return "not_measured"
        return "yes" if value >= threshold else "no"

    def shown(value) -> str:
        return "not_measured" if value is None else "not_scored"

    number = in_force.number if in_force else None
    return [
        _row("terms_version_in_force", number, None, shown(number), workers),
        _row(
            "terms_languages", languages, every_language, held(languages, every_language), workers
        ),
        _row(
            "terms_changes_published",
            len(changes) if versions else None,
            None,
            shown(versions or None),
            workers,
        ),
        _row(
            "terms_change_notice_min_days",
            notice,
            NOTICE_DAYS_THRESHOLD,
            held(notice, NOTICE_DAYS_THRESHOLD),
            workers,
        ),
        _row(
            "workers_accepted_terms_percent",
            accepted_share,
            None,
            shown(accepted_share),
            workers,
        ),
    ]
