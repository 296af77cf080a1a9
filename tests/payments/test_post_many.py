"""payments.post_many: a bulk review's postings at once, by post()'s rules."""

import pytest
from django.db import transaction

from microwork.payments import services
from microwork.payments.enums import AccountKind, PostingKind
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import LedgerEntry, Posting
from microwork.work import services as work
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory
from tests.api.requester.conftest import deposit, make_batch, submit

pytestmark = pytest.mark.django_db


def _spec(key: str, requester, worker, cents: int) -> services.PostingSpec:
    return services.PostingSpec(
        kind=PostingKind.BONUS,
        key=key,
        lines=(
            (services.AccountRef(AccountKind.REQUESTER_AVAILABLE, requester, None, "EUR"), -cents),
            (services.AccountRef(AccountKind.WORKER_AVAILABLE, worker, None, "EUR"), cents),
        ),
    )


def test_a_key_already_written_is_returned_not_written_again():
    requester = RequesterFactory()
    deposit(requester, 100)
    (assignment,) = submit(
        make_batch(requester, rows=1, slots=1, reward_cents=10, estimated_seconds=20), 1
    )
    worker = assignment.worker
    with transaction.atomic():
        first = services.post_many([_spec("k1", requester, worker, 5)])
    entries = LedgerEntry.objects.count()

    with transaction.atomic():
        again = services.post_many(
            [_spec("k1", requester, worker, 5), _spec("k2", requester, worker, 7)]
        )

    assert again[0] == first[0]
    assert LedgerEntry.objects.count() == entries + 2
    assert ledger_problems() == []


def test_short_funds_refuse_every_posting_and_name_the_total_missing():
    requester = RequesterFactory()
    deposit(requester, 100)
    (assignment,) = submit(
        make_batch(requester, rows=1, slots=1, reward_cents=10, estimated_seconds=20), 1
    )
    available = services.balance(services.requester_available(requester))
    postings = Posting.objects.count()

    with pytest.raises(services.InsufficientFunds) as refused, transaction.atomic():
        services.post_many(
            [
                _spec("a", requester, assignment.worker, available),
                _spec("b", requester, assignment.worker, 30),
            ]
        )

    assert refused.value.missing_cents == 30
    assert Posting.objects.count() == postings


def test_a_bulk_overturn_beyond_the_funds_changes_nothing():
    requester = RequesterFactory()
    deposit(requester)
    batch = make_batch(requester, rows=2, slots=1, reward_cents=10, estimated_seconds=20)
    submitted = submit(batch, 2)
    work.assignments_review(assignments=submitted, requester=requester, approve=False, reason="No")
    # Spend all but one cent of the funds the rejections gave back.
    left = services.balance(services.requester_available(requester))
    with transaction.atomic():
        services.post_many([_spec("spend", requester, submitted[0].worker, left - 1)])
    before = list(Assignment.objects.order_by("pk").values_list("state", flat=True))
    postings = Posting.objects.count()

    with pytest.raises(services.InsufficientFunds):
        work.assignments_review(assignments=submitted, requester=requester, approve=True)

    assert list(Assignment.objects.order_by("pk").values_list("state", flat=True)) == before
    assert Posting.objects.count() == postings
    assert ledger_problems() == []
