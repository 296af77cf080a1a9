"""LedgerEntry.assignment: the entries to a worker's earnings name the assignment they pay, and
only they do, whichever way the posting is written; migration 0006 fills it in for entries
written before it, and the ledger stays append-only afterwards."""

import importlib

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from microwork.payments import services
from microwork.payments.enums import AccountKind, PostingKind
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import LedgerEntry, Posting
from microwork.work import services as work
from tests.accounts.factories import RequesterFactory
from tests.api.requester.conftest import deposit, make_batch, submit

pytestmark = pytest.mark.django_db

migration = importlib.import_module("microwork.payments.migrations.0006_entry_pays_assignment")


def _named(posting: Posting) -> dict[str, object]:
    return {
        entry.account.kind: entry.assignment_id
        for entry in posting.entries.select_related("account")
    }


def _submitted(count: int):
    requester = RequesterFactory()
    deposit(requester)
    batch = make_batch(requester, rows=count, slots=1, reward_cents=50, estimated_seconds=60)
    return requester, submit(batch, count)


def test_a_reward_names_its_assignment_on_the_workers_entry_only():
    requester, (assignment,) = _submitted(1)

    work.assignment_approve(assignment=assignment, requester=requester)

    reward = Posting.objects.get(kind=PostingKind.REWARD, assignment=assignment)
    assert _named(reward) == {
        AccountKind.ESCROW: None,
        AccountKind.WORKER_AVAILABLE: assignment.pk,
        AccountKind.PLATFORM_FEES: None,
    }
    assert ledger_problems() == []


def test_a_bulk_review_names_each_assignment_on_its_workers_entry():
    requester, assignments = _submitted(3)

    work.assignments_review(assignments=assignments, requester=requester, approve=True)

    for assignment in assignments:
        reward = Posting.objects.get(kind=PostingKind.REWARD, assignment=assignment)
        assert _named(reward)[AccountKind.WORKER_AVAILABLE] == assignment.pk
    assert LedgerEntry.objects.filter(assignment__isnull=False).count() == 3
    assert ledger_problems() == []


def test_a_bonus_names_its_assignment_and_a_payout_names_none(settings):
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 1
    requester, (assignment,) = _submitted(1)

    bonus = services.bonus_send(
        requester=requester,
        assignment=assignment,
        amount_cents=100,
        reason="Thanks",
        request_key="b1",
    )
    worker = assignment.worker
    worker.email_verified_at = timezone.now()
    worker.save(update_fields=["email_verified_at"])
    payout = services.payout_request(worker=worker, request_key="p1")

    assert _named(bonus.posting)[AccountKind.WORKER_AVAILABLE] == assignment.pk
    assert set(_named(payout.request_posting).values()) == {None}
    assert ledger_problems() == []


def test_ledger_check_reports_an_entry_that_names_the_wrong_assignment():
    requester, (paid, other) = _submitted(2)
    with transaction.atomic():
        posting = services.post(
            kind=PostingKind.BONUS,
            key="misnamed",
            lines=[
                services.Line(services.requester_available(requester), -10),
                services.Line(services.worker_available(paid.worker), 10),
            ],
            assignment=paid,
        )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                posting=posting,
                account=services.requester_available(requester),
                amount_cents=-5,
                currency="EUR",
                assignment=other,
            ),
            LedgerEntry(
                posting=posting,
                account=services.worker_available(paid.worker),
                amount_cents=5,
                currency="EUR",
            ),
        ]
    )

    assert sorted(p for p in ledger_problems() if "names assignment" in p) == sorted(
        [
            f"entry {entry.pk} of posting misnamed names assignment {named}, not {paid.pk}"
            for entry, named in (
                (LedgerEntry.objects.get(assignment=other), other.pk),
                (LedgerEntry.objects.get(amount_cents=5), None),
            )
        ]
    )


class _Editor:
    """What the migration's function uses of a schema editor."""

    connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_migration_fills_entries_written_before_it_and_keeps_the_ledger_append_only():
    requester, (assignment,) = _submitted(1)
    escrow = services.escrow(assignment.task.batch)
    earnings = services.worker_available(assignment.worker)
    # A reward as written before migration 0006: no entry names the assignment.
    posting = Posting.objects.create(
        idempotency_key="old-reward", kind=PostingKind.REWARD, assignment=assignment
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(posting=posting, account=escrow, amount_cents=-50, currency="EUR"),
            LedgerEntry(posting=posting, account=earnings, amount_cents=50, currency="EUR"),
        ]
    )
    funds = services.requester_available(requester)
    before = list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount_cents", "account"))
    assert any("of posting old-reward names assignment None" in p for p in ledger_problems())

    migration.fill(None, _Editor())

    assert _named(posting) == {
        AccountKind.ESCROW: None,
        AccountKind.WORKER_AVAILABLE: assignment.pk,
    }
    assert not LedgerEntry.objects.filter(account=funds, assignment__isnull=False).exists()
    after = list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount_cents", "account"))
    assert after == before
    assert not [p for p in ledger_problems() if "names assignment" in p]
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(posting=posting).update(amount_cents=1)
