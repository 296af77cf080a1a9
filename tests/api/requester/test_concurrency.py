"""Two approvals of one assignment at once through the API pay once (PostgreSQL, real
threads): with no key, one is approved and the other refused; with the same Idempotency-Key,
both get the same answer."""

import pytest
from django.test import Client

from microwork.payments.enums import PostingKind
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import Posting
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory
from tests.api.conftest import ApiClient, api_client_for
from tests.api.requester.conftest import deposit, make_batch, submit
from tests.threads import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def immediate_queue():
    """What an approval queues after its commit (notifications, webhooks) runs at once, in the
    caller: no job worker, and no queue tables needed in the test database."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


def _setup():
    owner = RequesterFactory()
    deposit(owner)
    (assignment,) = submit(make_batch(owner), 1)
    secret = api_client_for(owner).secret
    return assignment, secret


def _approve_together(assignment, secret, headers=None) -> list:
    answers = [None, None]

    def approve(index):
        client = ApiClient(secret, Client())
        answers[index] = client.post(
            f"/api/v1/assignments/{assignment.public_id}/approve", {}, headers=headers
        )

    assert run_in_threads(2, approve) == []
    return answers


def test_two_approvals_at_once_pay_once():
    assignment, secret = _setup()

    answers = _approve_together(assignment, secret)

    assert sorted(answer.status_code for answer in answers) == [200, 409]
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.APPROVED
    assert Posting.objects.filter(kind=PostingKind.REWARD, assignment=assignment).count() == 1
    assert ledger_problems() == []


def test_two_approvals_with_the_same_key_at_once_answer_the_same_and_pay_once():
    assignment, secret = _setup()

    answers = _approve_together(assignment, secret, headers={"Idempotency-Key": "once"})

    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert Posting.objects.filter(kind=PostingKind.REWARD, assignment=assignment).count() == 1
    assert ledger_problems() == []
