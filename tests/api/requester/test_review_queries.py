"""A review of a thousand submissions through the API is a bounded number of queries: the
rows are locked and written together, their postings and notifications written at once."""

import pytest

from microwork.notifications.models import Notification
from microwork.payments.enums import PostingKind
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import Posting
from microwork.projects.models import Task
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.api.requester.conftest import deposit, make_batch

pytestmark = pytest.mark.django_db

SUBMISSIONS = 1000
# Auth, the batch, the locked rows, 2 UPDATEs, the accounts (found, created, found again),
# their locks, the written keys, the balances, the postings' and entries' and notifications'
# INSERTs (SQLite splits each by its parameter cap: a few per thousand rows), the batch
# finished check and the pay floor's savepoint; the same whatever the number, but for those
# INSERTs.
MAX_QUERIES = 80


def _thousand_submissions(owner):
    """A published batch of SUBMISSIONS one-slot tasks, each submitted by its own worker: a
    thousand worker accounts to credit, the worst case for the postings."""
    batch = make_batch(owner, rows=SUBMISSIONS, slots=1)
    workers = WorkerFactory.create_batch(SUBMISSIONS)
    tasks = list(Task.objects.filter(batch=batch).order_by("row_number"))
    Assignment.objects.bulk_create(
        Assignment(
            task=task,
            worker=worker,
            state=AssignmentState.SUBMITTED,
            accepted_at=batch.published_at,
            deadline=batch.expires_at,
            submitted_at=batch.published_at,
            auto_approval_due_at=batch.expires_at,
            work_seconds=30,
            answers={"answer": "positive"},
        )
        for task, worker in zip(tasks, workers, strict=True)
    )
    Task.objects.filter(batch=batch).update(open_slots=0)
    return batch


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_review_of_a_thousand_is_a_bounded_number_of_queries(
    callers, action, django_assert_max_num_queries
):
    deposit(callers.owner, 10_000_00)
    batch = _thousand_submissions(callers.owner)
    body = {"action": action, "all_submitted": True, "reason": "Checked"}

    with django_assert_max_num_queries(MAX_QUERIES):
        response = callers.api.post(f"/api/v1/batches/{batch.pk}/review", body)

    assert response.json() == {"reviewed": SUBMISSIONS}, response.content
    state = "approved" if action == "approve" else "rejected"
    assert Assignment.objects.filter(task__batch=batch, state=state).count() == SUBMISSIONS
    kind = PostingKind.REWARD if action == "approve" else PostingKind.REJECTION_REFUND
    assert Posting.objects.filter(kind=kind, batch=batch).count() == SUBMISSIONS
    # One notification per worker; the requester's "batch finished" beside them.
    assert Notification.objects.filter(kind=f"assignment_{state}").count() == SUBMISSIONS
    assert Notification.objects.filter(kind="batch_finished").count() == 1
    assert ledger_problems() == []
