"""The worker survey (answers and the consent log) and the stored monthly snapshots.

Statistics are computed from the other apps' records by statistics.py; nothing here holds a
copy of them but the snapshots, which are the published, suppressed figures only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microwork.accounts.countries import COUNTRIES
from microwork.observatory import enums


def _choice(choices, label):
    return models.CharField(label, max_length=16, choices=choices.choices)


class SurveyResponse(models.Model):
    """A consenting worker's current answers. One row per worker; withdrawing deletes it (the
    consent log keeps that it happened), so no later statistic can include the answers."""

    worker = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_response"
    )
    consent_version = models.CharField(max_length=16)
    consented_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    gender = _choice(enums.Gender, _("gender"))
    age_band = _choice(enums.AgeBand, _("age"))
    country = models.CharField(_("country"), max_length=2, blank=True, choices=COUNTRIES)
    area = _choice(enums.Area, _("where you live"))
    education = _choice(enums.Education, _("education"))
    employment = _choice(enums.Employment, _("employment status"))
    household = _choice(enums.Household, _("household"))
    income_share = _choice(enums.IncomeShare, _("share of your income from micro-work"))
    other_work_hours = _choice(enums.OtherWorkHours, _("hours per week of other paid work"))
    # Reason codes (enums.Reason), sorted; several may apply.
    reasons = models.JSONField(_("reasons for micro-working"), default=list, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(consent_version=""), name="survey_has_consent")
        ]

    def __str__(self) -> str:
        return f"survey of {self.worker_id}"


class SurveyConsentEvent(models.Model):
    """Append-only: each time a worker gave, renewed or withdrew consent, with the version of
    the text shown. It holds no answer."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_consents"
    )
    action = models.CharField(max_length=16, choices=enums.ConsentAction.choices)
    consent_version = models.CharField(max_length=16)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.action} {self.consent_version}"


class Snapshot(models.Model):
    """One month's published package, computed by the job queue (jobs.py). Recomputing a
    month replaces its files; the page and the downloads read only these rows."""

    month = models.DateField(unique=True, help_text="The first day of the month.")
    computed_at = models.DateTimeField(default=timezone.now)
    # The figures as the page draws them (figures.json of the package, parsed), so a page view
    # reads one row.
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"observatory {self.month:%Y-%m}"

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"


class SnapshotFile(models.Model):
    """One file of a snapshot's package, byte for byte as published."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=100)
    content = models.BinaryField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "name"], name="snapshot_file_unique")
        ]

    def __str__(self) -> str:
        return self.name
