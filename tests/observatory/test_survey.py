"""The worker survey: consented, versioned, changeable, revocable, and never a condition."""

import pytest
from django.urls import reverse

from microwork.observatory import services
from microwork.observatory.consent import CURRENT_VERSION
from microwork.observatory.models import SurveyConsentEvent, SurveyResponse
from tests.accounts.factories import RequesterFactory
from tests.observatory.fixture import answers

pytestmark = pytest.mark.django_db


def _post(client, **overrides):
    data = {**answers(), "consent": "on", "consent_version": CURRENT_VERSION, **overrides}
    return client.post(reverse("observatory:survey"), data)


def test_survey_answer_stores_answers_with_the_consent_version(worker):
    response = services.survey_answer(
        worker=worker,
        answers=answers(reasons=["flexible", "extra_income"]),
        consent_version=CURRENT_VERSION,
    )

    assert response.consent_version == CURRENT_VERSION
    assert response.gender == "woman"
    assert response.reasons == ["extra_income", "flexible"]
    assert list(SurveyConsentEvent.objects.values_list("action", "consent_version")) == [
        ("given", CURRENT_VERSION)
    ]


def test_survey_answer_again_changes_the_answers_and_logs_an_update(worker):
    services.survey_answer(worker=worker, answers=answers(), consent_version=CURRENT_VERSION)

    services.survey_answer(
        worker=worker, answers=answers(gender="man"), consent_version=CURRENT_VERSION
    )

    assert SurveyResponse.objects.get(worker=worker).gender == "man"
    assert list(SurveyConsentEvent.objects.values_list("action", flat=True)) == ["given", "updated"]


@pytest.mark.parametrize(
    "overrides, version",
    [
        ({"gender": "robot"}, CURRENT_VERSION),
        ({"reasons": ["boredom"]}, CURRENT_VERSION),
        ({"free_text": "hello"}, CURRENT_VERSION),
        ({}, "1999-01"),
    ],
)
def test_survey_answer_refuses_unknown_answers_and_stores_nothing(worker, overrides, version):
    with pytest.raises(services.SurveyRefused):
        services.survey_answer(worker=worker, answers=answers(**overrides), consent_version=version)

    assert not SurveyResponse.objects.exists()
    assert not SurveyConsentEvent.objects.exists()


def test_survey_withdraw_erases_the_answers_and_logs_it(worker):
    services.survey_answer(worker=worker, answers=answers(), consent_version=CURRENT_VERSION)

    assert services.survey_withdraw(worker=worker) is True

    assert not SurveyResponse.objects.filter(worker=worker).exists()
    assert list(SurveyConsentEvent.objects.values_list("action", flat=True)) == [
        "given",
        "withdrawn",
    ]
    assert services.survey_withdraw(worker=worker) is False


def test_survey_page_saves_answers_only_with_consent(client, worker):
    client.force_login(worker)

    refused = _post(client, consent="")

    assert refused.status_code == 400
    assert not SurveyResponse.objects.exists()

    saved = _post(client)

    assert saved.status_code == 302
    assert SurveyResponse.objects.get(worker=worker).employment == "employed"
    page = client.get(reverse("observatory:survey"))
    assert page.status_code == 200
    assert CURRENT_VERSION in page.content.decode()


def test_survey_page_withdraw_erases_the_workers_answers_only(client, worker):
    other = RequesterFactory()  # noqa: F841 - nobody else's data is touched
    from tests.accounts.factories import WorkerFactory

    someone = WorkerFactory()
    services.survey_answer(worker=someone, answers=answers(), consent_version=CURRENT_VERSION)
    services.survey_answer(worker=worker, answers=answers(), consent_version=CURRENT_VERSION)
    client.force_login(worker)

    response = client.post(reverse("observatory:survey-withdraw"))

    assert response.status_code == 302
    assert list(SurveyResponse.objects.values_list("worker_id", flat=True)) == [someone.pk]


def test_survey_page_is_for_workers_only(client):
    requester = RequesterFactory()
    assert client.get(reverse("observatory:survey")).status_code == 302  # to log in
    client.force_login(requester)

    assert client.get(reverse("observatory:survey")).status_code == 403
    assert _post(client).status_code == 403
    assert client.post(reverse("observatory:survey-withdraw")).status_code == 403
    assert not SurveyResponse.objects.exists()


def test_work_is_offered_whether_or_not_the_worker_answers(client, worker):
    """The survey is never a condition for work: the marketplace answers the same."""
    client.force_login(worker)
    before = client.get(reverse("work:marketplace"))
    services.survey_answer(worker=worker, answers=answers(), consent_version=CURRENT_VERSION)
    after = client.get(reverse("work:marketplace"))

    assert before.status_code == after.status_code == 200
