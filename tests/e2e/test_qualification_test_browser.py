"""A qualification test end to end: a requester creates a type with a QuestionForm test and an
AnswerKey through boto3 (the MTurk door, over HTTP) and a HIT that requires a score of at least
80; one worker takes the test in the browser on a phone and passes, so the HIT opens to them;
another fails, and it stays closed.

Needs /usr/bin/chromium and PostgreSQL, like the rest of tests/e2e that serve over HTTP.
"""

import pytest

from microwork.mturk import services
from microwork.quality.models import WorkerQualification
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.e2e.conftest import log_in, save_screenshot, wait_until
from tests.mturk.conftest import make_client
from tests.mturk.test_endpoint import HIT
from tests.payments.factories import fund
from tests.quality.test_qualification_tests import (
    answer_key,
    key_question,
    question_form,
    selection,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TEST = question_form(selection("colour", "ABC"), selection("animals", "XYZ", checkbox=True))
KEY = answer_key(
    key_question("colour", [("B", 1)]),
    key_question("animals", [("XZ", 1)]),
    mapping="<PercentageMapping><MaximumSummedScore>2</MaximumSummedScore></PercentageMapping>",
)


def _take_the_test(
    page, live_server, type_name: str, *, colour: str, animals: list[str], shot: str = ""
):
    page.goto(f"{live_server.url}/quality/earn/")
    page.get_by_role("link", name=type_name).first.click()
    page.get_by_role("button", name="Start the test").click()
    page.wait_for_url("**/quality/attempts/*/")
    page.locator(f"input[name='colour'][value='{colour}']").check()
    for animal in animals:
        page.locator(f"input[name='animals'][value='{animal}']").check()
    if shot:
        save_screenshot(page, shot)
    page.get_by_role("button", name="Submit my answers").click()
    page.wait_for_url("**/quality/attempts/*/")


def test_a_worker_passes_a_test_in_the_browser_and_the_hit_opens(browser, live_server, client):
    requester = RequesterFactory()
    fund(requester, 1_000)
    key, secret = services.access_key_create(requester=requester)
    mturk = make_client(key.access_key_id, secret, endpoint=f"{live_server.url}/mturk/")
    try:
        qualification = mturk.create_qualification_type(
            Name="Careful reader",
            Description="Reads the instructions.",
            QualificationTypeStatus="Active",
            Test=TEST,
            AnswerKey=KEY,
            TestDurationInSeconds=600,
        )["QualificationType"]
        hit = mturk.create_hit(
            **HIT,
            QualificationRequirements=[
                {
                    "QualificationTypeId": qualification["QualificationTypeId"],
                    "Comparator": "GreaterThanOrEqualTo",
                    "IntegerValues": [80],
                }
            ],
        )["HIT"]

        passing, failing = WorkerFactory(), WorkerFactory()
        for worker, answers in (
            (passing, {"colour": "B", "animals": ["X", "Z"]}),
            (failing, {"colour": "A", "animals": ["Y"]}),
        ):
            context = browser.new_context(viewport={"width": 360, "height": 780})
            context.set_default_timeout(10_000)
            page = context.new_page()
            log_in(context, live_server, client, worker)

            # The HIT's page links to the test it requires.
            page.goto(f"{live_server.url}/work/projects/{hit['HITTypeId']}/")
            assert page.get_by_role("link", name="Take the test for “Careful reader”").count() == 1

            shot = "qualification_test_form" if worker is passing else ""
            _take_the_test(page, live_server, "Careful reader", **answers, shot=shot)
            if worker is passing:
                save_screenshot(page, "qualification_test_result")
            grant = wait_until(
                page, lambda w=worker: WorkerQualification.objects.filter(worker=w).first()
            )
            expected = 100 if worker is passing else 0
            assert grant.integer_value == expected
            score = mturk.get_qualification_score(
                QualificationTypeId=qualification["QualificationTypeId"],
                WorkerId=worker.worker_id,
            )
            assert score["Qualification"]["IntegerValue"] == expected

            page.goto(f"{live_server.url}/work/projects/{hit['HITTypeId']}/")
            page.click("form[action$='/accept/'] button")
            if worker is passing:
                page.wait_for_url("**/work/assignments/*/")
            else:
                page.wait_for_url("**/work/")
                assert "requirements" in page.locator(".message.error").inner_text()
            context.close()

        assert Assignment.objects.filter(worker=passing).count() == 1
        assert not Assignment.objects.filter(worker=failing).exists()
    finally:
        mturk.close()
