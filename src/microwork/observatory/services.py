"""Writes of the observatory: the worker survey's answers and consent, and storing snapshots."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.observatory import consent
from microwork.observatory.enums import QUESTIONS, ConsentAction, Reason
from microwork.observatory.models import (
    Snapshot,
    SnapshotFile,
    SurveyConsentEvent,
    SurveyResponse,
)

ANSWER_FIELDS = ("country", "reasons", *(name for name, _choices in QUESTIONS))


class SurveyRefused(ValidationError):
    """The answers were not stored: no consent, not a worker, or an unknown answer."""


def _check(*, worker, answers: dict, consent_version: str) -> None:
    if not worker.is_worker:
        raise SurveyRefused(_("Only workers answer the survey."))
    if consent_version not in consent.TEXTS:
        raise SurveyRefused({"consent": _("Unknown version of the consent text.")})
    unknown = set(answers) - set(ANSWER_FIELDS)
    if unknown:
        raise SurveyRefused(_("Unknown questions: %s.") % ", ".join(sorted(unknown)))
    for name, choices in QUESTIONS:
        if answers.get(name) not in choices.values:
            raise SurveyRefused({name: _("Choose one of the answers.")})
    if not set(answers.get("reasons", [])) <= set(Reason.values):
        raise SurveyRefused({"reasons": _("Choose among the reasons listed.")})


@transaction.atomic
def survey_answer(*, worker, answers: dict, consent_version: str) -> SurveyResponse:
    """Store `worker`'s answers under their consent to `consent_version` of the text, creating
    or replacing their previous answers; log the consent. Raise SurveyRefused, storing nothing,
    if an answer is missing or unknown."""
    _check(worker=worker, answers=answers, consent_version=consent_version)
    now = timezone.now()
    values = {name: answers[name] for name, _choices in QUESTIONS}
    values["country"] = answers.get("country", "")
    values["reasons"] = sorted(set(answers.get("reasons", [])))
    response = SurveyResponse.objects.select_for_update().filter(worker=worker).first()
    if response is None:
        response = SurveyResponse.objects.create(
            worker=worker,
            consent_version=consent_version,
            consented_at=now,
            updated_at=now,
            **values,
        )
        action = ConsentAction.GIVEN
    else:
        for name, value in values.items():
            setattr(response, name, value)
        action = ConsentAction.UPDATED
        if response.consent_version != consent_version:
            response.consent_version, response.consented_at = consent_version, now
            action = ConsentAction.GIVEN
        response.updated_at = now
        response.save()
    SurveyConsentEvent.objects.create(
        worker=worker, action=action, consent_version=consent_version, at=now
    )
    return response


@transaction.atomic
def survey_withdraw(*, worker) -> bool:
    """Erase `worker`'s answers and log the withdrawal; False if there was nothing to withdraw.
    No snapshot computed afterwards includes them (snapshots read SurveyResponse only)."""
    response = SurveyResponse.objects.select_for_update().filter(worker=worker).first()
    if response is None:
        return False
    version = response.consent_version
    response.delete()
    SurveyConsentEvent.objects.create(
        worker=worker, action=ConsentAction.WITHDRAWN, consent_version=version
    )
    return True


@transaction.atomic
def snapshot_store(*, month, figures: dict, files: dict[str, bytes]) -> Snapshot:
    """Store `month`'s package, replacing the files of an earlier computation of that month."""
    snapshot, _created = Snapshot.objects.select_for_update().get_or_create(month=month)
    snapshot.figures = figures
    snapshot.computed_at = timezone.now()
    snapshot.save()
    snapshot.files.all().delete()
    SnapshotFile.objects.bulk_create(
        SnapshotFile(snapshot=snapshot, name=name, content=content)
        for name, content in sorted(files.items())
    )
    return snapshot
