import pytest

from microwork.payments.enums import PostingKind
from microwork.payments.models import Bonus, Posting
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.api.conftest import assert_problem
from tests.api.requester.conftest import make_batch, submit
from tests.api.requester.snapshot import rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(callers):
    return make_batch(callers.owner, rows=2, slots=2)


def _url(assignment, action):
    return f"/api/v1/assignments/{assignment.public_id}/{action}"


def _postings(kind):
    return list(Posting.objects.filter(kind=kind).values_list("assignment_id", flat=True))


def test_approve_pays_the_worker_once(callers, batch):
    (assignment,) = submit(batch, 1)

    response = callers.api.post(_url(assignment, "approve"), {"feedback": "Careful work"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["feedback"], body["worker_id"]) == (
        "approved",
        "Careful work",
        assignment.worker.worker_id,
    )
    assert _postings(PostingKind.REWARD) == [assignment.pk]


def test_approving_twice_without_a_key_is_409_and_pays_once(callers, batch):
    (assignment,) = submit(batch, 1)
    callers.api.post(_url(assignment, "approve"), {})
    before = rows()

    assert_problem(callers.api.post(_url(assignment, "approve"), {}), 409, "review-refused")

    assert rows() == before
    assert _postings(PostingKind.REWARD) == [assignment.pk]


def test_the_same_idempotency_key_twice_answers_the_same_and_pays_once(callers, batch):
    (assignment,) = submit(batch, 1)
    key = {"Idempotency-Key": "approve-1"}

    first = callers.api.post(_url(assignment, "approve"), {"feedback": "ok"}, headers=key)
    second = callers.api.post(_url(assignment, "approve"), {"feedback": "ok"}, headers=key)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    assert _postings(PostingKind.REWARD) == [assignment.pk]


def test_the_same_key_with_another_body_is_409_and_changes_nothing(callers, batch):
    first, other = submit(batch, 2)
    key = {"Idempotency-Key": "k-1"}
    callers.api.post(_url(first, "approve"), {}, headers=key)
    before = rows()

    assert_problem(
        callers.api.post(_url(first, "approve"), {"feedback": "other"}, headers=key),
        409,
        "idempotency-conflict",
    )
    assert_problem(
        callers.api.post(_url(other, "approve"), {}, headers=key), 409, "idempotency-conflict"
    )

    assert rows() == before
    assert Assignment.objects.get(pk=other.pk).state == AssignmentState.SUBMITTED


def test_a_refused_request_keeps_no_key_and_can_be_retried(callers, batch):
    (assignment,) = submit(batch, 1)
    key = {"Idempotency-Key": "reject-1"}
    assert_problem(
        callers.api.post(_url(assignment, "reject"), {"reason": ""}, headers=key),
        422,
        "validation-error",
    )

    response = callers.api.post(_url(assignment, "reject"), {"reason": "Off topic"}, headers=key)

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "rejected"


def test_reject_needs_a_reason_named_as_a_field(callers, batch):
    (assignment,) = submit(batch, 1)
    before = rows()

    body = assert_problem(callers.api.post(_url(assignment, "reject"), {}), 422, "validation-error")

    assert [error["field"] for error in body["errors"]] == ["reason"]
    assert rows() == before


def test_reject_refunds_the_requester_and_an_overturn_pays(callers, batch):
    (assignment,) = submit(batch, 1)

    rejected = callers.api.post(_url(assignment, "reject"), {"reason": "Off topic"})
    overturned = callers.api.post(_url(assignment, "approve"), {"feedback": "Fair enough"})

    assert (rejected.json()["state"], overturned.json()["state"]) == ("rejected", "approved")
    assert _postings(PostingKind.REJECTION_REFUND) == [assignment.pk]
    assert _postings(PostingKind.OVERTURN) == [assignment.pk]


def test_a_bonus_with_a_key_is_sent_once(callers, batch):
    (assignment,) = submit(batch, 1)
    key = {"Idempotency-Key": "bonus-1"}
    body = {"amount_cents": 25, "reason": "Careful work"}

    first = callers.api.post(_url(assignment, "bonus"), body, headers=key)
    second = callers.api.post(_url(assignment, "bonus"), body, headers=key)

    assert (first.status_code, second.status_code) == (201, 201), first.content
    assert second.json() == first.json()
    assert first.json()["amount_cents"] == 25
    assert first.json()["fee_cents"] == 5
    assert Bonus.objects.count() == 1
    assert _postings(PostingKind.BONUS) == [assignment.pk]


def test_a_bonus_with_the_same_key_and_another_amount_is_409(callers, batch):
    (assignment,) = submit(batch, 1)
    key = {"Idempotency-Key": "bonus-2"}
    callers.api.post(_url(assignment, "bonus"), {"amount_cents": 25, "reason": "x"}, headers=key)
    before = rows()

    assert_problem(
        callers.api.post(
            _url(assignment, "bonus"), {"amount_cents": 50, "reason": "x"}, headers=key
        ),
        409,
        "idempotency-conflict",
    )
    assert rows() == before


def test_a_bonus_of_nothing_is_422_naming_the_amount(callers, batch):
    (assignment,) = submit(batch, 1)
    body = assert_problem(
        callers.api.post(_url(assignment, "bonus"), {"amount_cents": 0, "reason": "x"}),
        422,
        "validation-error",
    )
    assert [error["field"] for error in body["errors"]] == ["amount_cents"]
    assert not Bonus.objects.exists()


def test_a_bonus_beyond_the_funds_is_409_and_changes_nothing(callers, batch):
    (assignment,) = submit(batch, 1)
    before = rows()
    assert_problem(
        callers.api.post(_url(assignment, "bonus"), {"amount_cents": 99_000_000, "reason": "x"}),
        409,
        "insufficient-funds",
    )
    assert rows() == before


def test_review_approves_all_submitted(callers, batch):
    submitted = submit(batch, 3)

    response = callers.api.post(
        f"/api/v1/batches/{batch.pk}/review", {"action": "approve", "all_submitted": True}
    )

    assert response.json() == {"reviewed": 3}
    assert sorted(_postings(PostingKind.REWARD)) == sorted(a.pk for a in submitted)


def test_review_rejects_the_named_ones_with_a_reason(callers, batch):
    first, second, third = submit(batch, 3)

    response = callers.api.post(
        f"/api/v1/batches/{batch.pk}/review",
        {"action": "reject", "assignment_ids": [first.public_id, third.public_id], "reason": "No"},
    )

    assert response.json() == {"reviewed": 2}
    states = dict(Assignment.objects.values_list("pk", "state"))
    assert [states[a.pk] for a in (first, second, third)] == ["rejected", "submitted", "rejected"]


def test_review_of_an_id_from_elsewhere_is_422_naming_it_and_reviews_nothing(callers, batch):
    mine = submit(batch, 1)[0]
    elsewhere = submit(make_batch(callers.other), 1)[0]
    before = rows()

    body = assert_problem(
        callers.api.post(
            f"/api/v1/batches/{batch.pk}/review",
            {"action": "approve", "assignment_ids": [mine.public_id, elsewhere.public_id]},
        ),
        422,
        "validation-error",
    )

    assert body["errors"] == [
        {"field": "assignment_ids.1", "message": "not a submission of this batch"}
    ]
    assert rows() == before


def test_review_rejecting_without_a_reason_is_409_and_changes_nothing(callers, batch):
    submit(batch, 2)
    before = rows()
    assert_problem(
        callers.api.post(
            f"/api/v1/batches/{batch.pk}/review", {"action": "reject", "all_submitted": True}
        ),
        409,
        "review-refused",
    )
    assert rows() == before


def test_assignments_filter_by_state_and_page(callers, batch):
    submitted = submit(batch, 4)
    callers.api.post(_url(submitted[0], "approve"), {})

    waiting = []
    cursor = None
    while True:
        query = {"state": "submitted", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = callers.api.get(f"/api/v1/batches/{batch.pk}/assignments", query).json()
        waiting += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break

    assert waiting == [a.public_id for a in submitted[1:]]
    approved = callers.api.get(f"/api/v1/batches/{batch.pk}/assignments", {"state": "approved"})
    assert [item["id"] for item in approved.json()["items"]] == [submitted[0].public_id]


def test_a_review_retried_with_its_key_answers_the_same_and_pays_once(callers, batch):
    submitted = submit(batch, 2)
    url = f"/api/v1/batches/{batch.pk}/review"
    body = {"action": "approve", "all_submitted": True}
    key = {"Idempotency-Key": "review-1"}

    first = callers.api.post(url, body, headers=key)
    second = callers.api.post(url, body, headers=key)

    assert first.json() == second.json() == {"reviewed": 2}
    assert sorted(_postings(PostingKind.REWARD)) == sorted(a.pk for a in submitted)


def test_the_same_key_is_each_requesters_own(callers, batch):
    """Keys are per user: another requester's key of the same name is another request."""
    (mine,) = submit(batch, 1)
    (theirs,) = submit(make_batch(callers.other), 1)
    key = {"Idempotency-Key": "approve"}

    mine_approved = callers.api.post(_url(mine, "approve"), {}, headers=key)
    theirs_approved = callers.other_api.post(_url(theirs, "approve"), {}, headers=key)

    assert (mine_approved.status_code, theirs_approved.status_code) == (200, 200)
    assert sorted(_postings(PostingKind.REWARD)) == sorted([mine.pk, theirs.pk])


def test_a_bad_idempotency_key_is_422_naming_the_header(callers, batch):
    (assignment,) = submit(batch, 1)
    before = rows()
    body = assert_problem(
        callers.api.post(_url(assignment, "approve"), {}, headers={"Idempotency-Key": "x" * 201}),
        422,
        "validation-error",
    )
    assert [error["field"] for error in body["errors"]] == ["Idempotency-Key"]
    assert rows() == before


def test_keys_are_forgotten_after_a_day_and_the_money_stays_paid_once(callers, batch):
    from datetime import timedelta

    from django.utils import timezone

    from microwork.api.requester.idempotency import KEEP_FOR, keys_forget
    from microwork.api.requester.models import IdempotentRequest

    (assignment,) = submit(batch, 1)
    key = {"Idempotency-Key": "bonus-old"}
    body = {"amount_cents": 25, "reason": "Thanks"}
    callers.api.post(_url(assignment, "bonus"), body, headers=key)
    callers.api.post(_url(assignment, "approve"), {}, headers={"Idempotency-Key": "fresh"})

    forgotten = keys_forget(now=timezone.now() + KEEP_FOR + timedelta(seconds=1))
    retried = callers.api.post(_url(assignment, "bonus"), body, headers=key)

    assert forgotten == 2
    assert retried.status_code == 201
    assert Bonus.objects.count() == 1  # payments' own key still holds
    assert IdempotentRequest.objects.count() == 1
