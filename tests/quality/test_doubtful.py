"""Doubtful tasks (issue #20): the batch's tasks whose calibrated confidence is below the
target, on the quality page and in the API, and one more answer asked on them with its escrow
reserved."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from microwork.payments import services as payments
from microwork.payments.enums import PostingKind
from microwork.payments.models import Posting
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Task
from microwork.quality import doubtful, overlap
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.api.conftest import api_client_for
from tests.api.requester.conftest import deposit, make_batch
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch():
    """Row 1: three workers say "positive"; row 2: "positive", "negative" and "neutral"."""
    requester = RequesterFactory()
    deposit(requester)
    batch = make_batch(requester, rows=2, slots=3)
    sure, split = batch.tasks.order_by("row_number")
    for _ in range(3):
        SubmittedAssignmentFactory(task=sure, worker=WorkerFactory())
    for value in ("positive", "negative", "neutral"):
        SubmittedAssignmentFactory(task=split, worker=WorkerFactory(), answers={"answer": value})
    return batch


def _slots(batch):
    return list(batch.tasks.order_by("row_number").values_list("max_assignments", "open_slots"))


def _funds(batch):
    return payments.balance(payments.requester_available(batch.project.requester))


def test_the_split_task_is_doubtful_and_the_agreed_one_is_not(batch):
    found = doubtful.batch_doubtful_tasks(batch)

    assert found.field == "answer"
    assert found.below == 0.90
    assert [(task.row_number, task.n_answers) for task in found.tasks] == [(2, 3)]
    assert found.tasks[0].confidence < 0.90


def test_the_confidence_target_sets_the_bar(batch):
    overlap.confidence_target_set(project=batch.project, target_percent=51)

    found = doubtful.batch_doubtful_tasks(batch)

    assert found.below == 0.51
    assert all(task.confidence < 0.51 for task in found.tasks)


def test_a_gold_task_is_never_doubtful(batch):
    split = batch.tasks.get(row_number=2)
    split.gold = {"answer": "negative"}
    split.save(update_fields=["gold"])

    assert doubtful.batch_doubtful_tasks(batch).tasks == []


def test_asking_more_adds_one_slot_to_the_doubtful_task_and_reserves_its_escrow(batch):
    before, funds = _slots(batch), _funds(batch)
    slot = payments.slot_hold_price(batch)

    extended = doubtful.doubtful_ask_more(batch=batch)

    assert extended == 1
    assert _slots(batch) == [before[0], (before[1][0] + 1, before[1][1] + 1)]
    assert _funds(batch) == funds - slot
    assert payments.balance(payments.escrow(batch)) == payments.escrow_owed(batch)


def test_asking_more_without_funds_changes_nothing(batch):
    requester = batch.project.requester
    # The requester's funds leave (a refunded card payment): nothing is left to reserve.
    payments.post(
        kind=PostingKind.DEPOSIT_REVERSAL,
        key=f"drain:{requester.pk}",
        lines=[
            payments.Line(payments.requester_available(requester), -_funds(batch)),
            payments.Line(payments.external(), _funds(batch)),
        ],
    )
    before, postings = _slots(batch), Posting.objects.count()

    with pytest.raises(payments.InsufficientFunds):
        doubtful.doubtful_ask_more(batch=batch)

    assert _slots(batch) == before
    assert Posting.objects.count() == postings


def test_asking_more_on_a_batch_that_ended_is_refused_and_changes_nothing(batch):
    batch.status = BatchStatus.CANCELLED
    batch.save(update_fields=["status"])
    before, postings = _slots(batch), Posting.objects.count()

    with pytest.raises(ValidationError):
        doubtful.doubtful_ask_more(batch=batch)

    assert _slots(batch) == before
    assert Posting.objects.count() == postings


def test_tasks_ask_more_leaves_gold_and_other_batches_tasks_out(batch):
    other = make_batch(batch.project.requester, rows=1, slots=3)
    gold = batch.tasks.get(row_number=1)
    gold.gold = {"answer": "positive"}
    gold.save(update_fields=["gold"])
    foreign = other.tasks.get()

    extended = overlap.tasks_ask_more(
        batch=batch, task_ids=[gold.public_id, foreign.public_id, "nope"]
    )

    assert extended == 0
    assert Task.objects.get(pk=foreign.pk).max_assignments == 3


# --- the page ------------------------------------------------------------------------------


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_quality_page_lists_doubtful_tasks_with_the_button(batch):
    response = _client(batch.project.requester).get(
        reverse("quality:batch-quality", args=[batch.pk])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="doubtful"' in html
    assert reverse("quality:batch-doubtful-more", args=[batch.pk]) in html
    assert "csrfmiddlewaretoken" in html


def test_the_button_asks_one_more_answer(batch):
    before = _slots(batch)

    response = _client(batch.project.requester).post(
        reverse("quality:batch-doubtful-more", args=[batch.pk]), {"confirm": "yes"}
    )

    assert response.status_code == 302
    assert _slots(batch) == [before[0], (before[1][0] + 1, before[1][1] + 1)]


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("worker", 403), ("other requester", 404)],
)
def test_only_the_owner_may_ask_more(batch, who, status):
    client = {
        "anonymous": Client(),
        "worker": _client(WorkerFactory()),
        "other requester": _client(RequesterFactory()),
    }[who]
    before, postings = _slots(batch), Posting.objects.count()

    response = client.post(reverse("quality:batch-doubtful-more", args=[batch.pk]))

    assert response.status_code == status
    assert _slots(batch) == before
    assert Posting.objects.count() == postings


# --- the API -------------------------------------------------------------------------------


def test_api_lists_the_doubtful_tasks(batch):
    split = batch.tasks.get(row_number=2)

    response = api_client_for(batch.project.requester).get(
        f"/api/v1/batches/{batch.pk}/doubtful-tasks"
    )

    body = response.json()
    assert response.status_code == 200
    assert (body["field"], body["below"], body["count"]) == ("answer", 0.9, 1)
    assert [(t["task_id"], t["row_number"], t["n_answers"]) for t in body["tasks"]] == [
        (split.public_id, 2, 3)
    ]


def test_api_asks_more_and_others_cannot(batch):
    before = _slots(batch)
    other = RequesterFactory()

    refused = api_client_for(other).post(f"/api/v1/batches/{batch.pk}/doubtful-tasks/more")
    worker = api_client_for(WorkerFactory()).post(f"/api/v1/batches/{batch.pk}/doubtful-tasks/more")
    assert (refused.status_code, worker.status_code) == (404, 403)
    assert _slots(batch) == before

    response = api_client_for(batch.project.requester).post(
        f"/api/v1/batches/{batch.pk}/doubtful-tasks/more"
    )

    assert (response.status_code, response.json()) == (200, {"tasks_extended": 1})
    assert _slots(batch) == [before[0], (before[1][0] + 1, before[1][1] + 1)]


# --- concurrency (PostgreSQL) --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_asks_add_two_slots_and_keep_the_escrow_exact(batch):
    from microwork.payments.invariants import ledger_problems
    from tests.threads import run_in_threads

    before, funds = _slots(batch), _funds(batch)
    slot = payments.slot_hold_price(batch)

    errors = run_in_threads(2, lambda _index: doubtful.doubtful_ask_more(batch=batch))

    assert errors == []
    assert _slots(batch) == [before[0], (before[1][0] + 2, before[1][1] + 2)]
    assert _funds(batch) == funds - 2 * slot
    assert payments.balance(payments.escrow(batch)) == payments.escrow_owed(batch)
    assert ledger_problems() == []
