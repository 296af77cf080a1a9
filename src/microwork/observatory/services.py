"""Writes of the observatory: the worker survey's answers and consent, and storing snapshots."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.observatory import consent
from microwork.observatory.enums import QUESTIONS, ConsentAction, Reason
from microwork.observatory.models import (
    Snapshot,
    SnapshotFile,
    SurveyConsentEvent,
    SurveyResponse,
)
from microwork.payments import services as payments
from microwork.payments.enums import PostingKind
from microwork.payments.models import Posting

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


def survey_reward_key(worker) -> str:
    """The idempotency key of the survey's payment to `worker`: one per worker, ever."""
    return f"observatory-survey:{worker.pk}"


def _survey_pay(*, worker) -> Posting | None:
    """Pay `worker` MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS for the survey, once ever.

    The site pays from its own money, the outside-world account, as a deposit comes in from
    it: no requester is charged. The key is the worker's alone, with no terms, so a second
    survey, a later change of the amount or a concurrent submission returns the first posting
    and pays nothing more; withdrawing takes nothing back. Kind BONUS (with no assignment) until
    payments has a kind of its own for it: the worker's earnings page shows it as a bonus with
    this memo, and the wage statistics, which count only entries naming an assignment, leave it
    out.
    """
    amount = settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS
    if amount <= 0:
        return None
    return payments.post(
        kind=PostingKind.BONUS,
        key=survey_reward_key(worker),
        lines=[
            payments.Line(payments.external(), -amount),
            payments.Line(payments.worker_available(worker), amount),
        ],
        memo="Observatory survey",
    )


@transaction.atomic
def survey_answer(*, worker, answers: dict, consent_version: str) -> SurveyResponse:
    """Store `worker`'s answers under their consent to `consent_version` of the text, creating
    or replacing their previous answers; log the consent; pay the survey if the site does
    (MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS), once ever per worker. Raise SurveyRefused,
    storing and paying nothing, if an answer is missing or unknown."""
    _check(worker=worker, answers=answers, consent_version=consent_version)
    # One worker's submissions run one at a time: two at once would both find no answers and
    # both create them (the second failing on the one-per-worker constraint).
    User.objects.select_for_update().only("pk").get(pk=worker.pk)
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
    _survey_pay(worker=worker)
    return response


@transaction.atomic
def survey_withdraw(*, worker) -> bool:
    """Erase `worker`'s answers and log the withdrawal; False if there was nothing to withdraw.
    No snapshot computed afterwards includes them (snapshots read SurveyResponse only). A
    payment for the survey stays paid: it was for answering, and answering again pays nothing."""
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
