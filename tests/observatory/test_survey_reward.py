"""The survey paid as a task (MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS): once ever per worker,
from the site's own money, never taken back, and never for a refused survey."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from microwork.observatory import services
from microwork.observatory.consent import CURRENT_VERSION
from microwork.observatory.models import SurveyResponse
from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import LedgerEntry, Posting
from tests.accounts.factories import WorkerFactory
from tests.observatory.fixture import answers
from tests.threads import run_in_threads

REWARD = 50


def _answer(worker, **overrides):
    return services.survey_answer(
        worker=worker, answers=answers(**overrides), consent_version=CURRENT_VERSION
    )


def _earnings(worker) -> int:
    return payments.balance(payments.worker_available(worker))


def _post(client, **overrides):
    data = {**answers(), "consent": "on", "consent_version": CURRENT_VERSION, **overrides}
    return client.post(reverse("observatory:survey"), data)


@pytest.mark.django_db
def test_survey_answer_pays_the_first_survey_once_from_the_outside_world(settings, worker):
    settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = REWARD

    _answer(worker)

    posting = Posting.objects.get()
    assert posting.idempotency_key == f"observatory-survey:{worker.pk}"
    assert posting.kind == "bonus"
    assert posting.assignment is None
    assert sorted(posting.entries.values_list("account__key", "amount_cents")) == [
        ("external:EUR", -REWARD),
        (f"worker_available:{worker.pk}:EUR", REWARD),
    ]
    assert _earnings(worker) == REWARD
    assert ledger_problems() == []


@pytest.mark.django_db
def test_survey_answer_again_withdrawn_or_repriced_pays_nothing_more(settings, worker):
    settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = REWARD
    _answer(worker)

    _answer(worker, gender="man")
    assert services.survey_withdraw(worker=worker) is True
    settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = 200
    _answer(worker)

    assert Posting.objects.count() == 1
    assert _earnings(worker) == REWARD  # the withdrawal took nothing back
    assert ledger_problems() == []


@pytest.mark.django_db
def test_survey_answer_pays_each_worker_once(settings, worker):
    settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = REWARD
    other = WorkerFactory()

    _answer(worker)
    _answer(other)

    assert (_earnings(worker), _earnings(other)) == (REWARD, REWARD)
    assert payments.balance(payments.external()) == -2 * REWARD


@pytest.mark.django_db
def test_survey_answer_pays_nothing_when_the_setting_is_zero(settings, worker):
    settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = 0

    _answer(worker)

    assert SurveyResponse.objects.filter(worker=worker).exists()
    assert not Posting.objects.exists()
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("overrides", [{"gender": "robot"}, {"reasons": ["boredom"]}])
def test_survey_answer_refused_pays_nothing(settings, worker, overrides):
    settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = REWARD

    with pytest.raises(services.SurveyRefused):
        _answer(worker, **overrides)

    assert not SurveyResponse.objects.exists()
    assert not Posting.objects.exists()
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_survey_page_without_consent_pays_nothing(settings, client, worker):
    settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = REWARD
    client.force_login(worker)

    assert _post(client, consent="").status_code == 400

    assert not Posting.objects.exists()


@pytest.mark.django_db
def test_survey_page_shows_the_payment_before_and_after(settings, client, worker):
    settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = REWARD
    client.force_login(worker)

    before = client.get(reverse("observatory:survey")).content.decode()
    assert "The site pays 0.50 EUR into your earnings for your first complete answers" in before
    assert "Withdrawing later does not take the payment back." in before

    assert _post(client).status_code == 302
    assert _post(client, gender="man").status_code == 302

    after = client.get(reverse("observatory:survey")).content.decode()
    assert "You were paid 0.50 EUR for answering this survey" in after
    assert "The payment you got for the survey stays yours." in after
    assert _earnings(worker) == REWARD
    assert Posting.objects.count() == 1


@pytest.mark.django_db
def test_survey_page_says_nothing_of_pay_when_unpaid(settings, client, worker):
    settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = 0
    client.force_login(worker)

    page = client.get(reverse("observatory:survey")).content.decode()

    assert "survey-reward" not in page


@pytest.mark.django_db
def test_survey_page_shows_the_payment_in_french(settings, client, worker):
    settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = REWARD
    client.force_login(worker)

    with translation.override("fr"):
        page = client.get(reverse("observatory:survey"), HTTP_ACCEPT_LANGUAGE="fr").content
    page = page.decode()

    assert "Le site verse 0,50\xa0€ sur vos gains" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_survey_answers_submitted_at_once_pay_exactly_once(settings):
    """Eight threads submit the same worker's first survey at the same moment: every
    submission is saved, and one payment is made."""
    assert connection.vendor == "postgresql"
    settings.MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = REWARD
    worker = WorkerFactory()

    errors = run_in_threads(8, lambda index: _answer(worker))

    assert errors == []
    assert SurveyResponse.objects.filter(worker=worker).count() == 1
    assert Posting.objects.filter(idempotency_key=f"observatory-survey:{worker.pk}").count() == 1
    assert _earnings(worker) == REWARD
    assert payments.balance(payments.external()) == -REWARD
    assert ledger_problems() == []
