import pytest
from django.db import IntegrityError, connection, transaction

from microwork.payments import services
from microwork.payments.enums import PayoutState, PostingKind
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import LedgerEntry, Payout, Posting
from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.payments.factories import fund
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(role="requester", is_staff=True)


def test_deposit_credits_requester_and_debits_outside_world(requester, staff):
    services.deposit_record(
        requester=requester, amount_cents=10_000, external_reference="SEPA-1", actor=staff
    )

    assert services.balance(services.requester_available(requester)) == 10_000
    assert services.balance(services.external()) == -10_000
    assert ledger_problems() == []


def test_deposit_with_same_reference_is_credited_once(requester, staff):
    first = services.deposit_record(
        requester=requester, amount_cents=500, external_reference="SEPA-2", actor=staff
    )
    again = services.deposit_record(
        requester=requester, amount_cents=500, external_reference="SEPA-2", actor=staff
    )

    assert again.pk == first.pk
    assert services.balance(services.requester_available(requester)) == 500
    assert Posting.objects.count() == 1


def test_deposit_reference_reused_for_other_amount_is_refused(requester, staff):
    services.deposit_record(
        requester=requester, amount_cents=500, external_reference="SEPA-3", actor=staff
    )

    with pytest.raises(services.IdempotencyConflict):
        services.deposit_record(
            requester=requester, amount_cents=700, external_reference="SEPA-3", actor=staff
        )

    assert services.balance(services.requester_available(requester)) == 500


@pytest.mark.parametrize(("amount", "reference"), [(0, "R"), (-5, "R"), (100, "  ")])
def test_deposit_refuses_bad_terms_and_moves_nothing(requester, staff, amount, reference):
    with pytest.raises(services.PaymentRefused):
        services.deposit_record(
            requester=requester, amount_cents=amount, external_reference=reference, actor=staff
        )
    assert not LedgerEntry.objects.exists()


def test_deposit_to_a_worker_is_refused(staff):
    with pytest.raises(services.PaymentRefused):
        services.deposit_record(
            requester=WorkerFactory(), amount_cents=100, external_reference="X", actor=staff
        )
    assert not LedgerEntry.objects.exists()


def test_ledger_entries_cannot_be_updated_or_deleted(requester, staff):
    services.deposit_record(
        requester=requester, amount_cents=500, external_reference="SEPA-4", actor=staff
    )
    entry = LedgerEntry.objects.first()

    for attempt in (
        lambda: LedgerEntry.objects.filter(pk=entry.pk).update(amount_cents=1),
        lambda: LedgerEntry.objects.filter(pk=entry.pk).delete(),
        lambda: Posting.objects.update(memo="rewritten"),
        lambda: connection.cursor().execute("DELETE FROM payments_posting"),
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            attempt()

    entry.refresh_from_db()
    assert entry.amount_cents in (500, -500)
    assert LedgerEntry.objects.count() == 2


def test_post_refuses_unbalanced_lines(requester):
    with pytest.raises(ValueError, match="does not balance"), transaction.atomic():
        services.post(
            kind=PostingKind.DEPOSIT,
            key="unbalanced",
            lines=[services.Line(services.requester_available(requester), 100)],
        )
    assert not Posting.objects.exists()


def _answered(requester_funds=10_000):
    assignment = SubmittedAssignmentFactory()
    requester = assignment.task.batch.project.requester
    fund(requester, requester_funds)
    return assignment, requester


def test_bonus_pays_worker_and_fee_from_requester_funds():
    assignment, requester = _answered()

    bonus = services.bonus_send(
        requester=requester,
        assignment=assignment,
        amount_cents=100,
        reason="Great work",
        request_key="b1",
    )

    assert (bonus.amount_cents, bonus.fee_cents) == (100, 20)
    assert services.balance(services.worker_available(assignment.worker)) == 100
    assert services.balance(services.requester_available(requester)) == 10_000 - 120
    assert services.balance(services.platform_fees()) == 20
    assert ledger_problems() == []


def test_bonus_retry_with_same_key_pays_once():
    assignment, requester = _answered()
    terms = dict(
        requester=requester,
        assignment=assignment,
        amount_cents=100,
        reason="Great",
        request_key="k",
    )

    first = services.bonus_send(**terms)
    second = services.bonus_send(**terms)

    assert second.pk == first.pk
    assert services.balance(services.worker_available(assignment.worker)) == 100


def test_bonus_key_reused_with_other_amount_is_refused():
    assignment, requester = _answered()
    services.bonus_send(
        requester=requester, assignment=assignment, amount_cents=100, reason="r", request_key="k"
    )

    with pytest.raises(services.IdempotencyConflict):
        services.bonus_send(
            requester=requester,
            assignment=assignment,
            amount_cents=200,
            reason="r",
            request_key="k",
        )

    assert services.balance(services.worker_available(assignment.worker)) == 100


def test_bonus_beyond_funds_is_refused_with_missing_amount():
    assignment, requester = _answered(requester_funds=50)

    with pytest.raises(services.InsufficientFunds) as refused:
        services.bonus_send(
            requester=requester,
            assignment=assignment,
            amount_cents=100,
            reason="r",
            request_key="k",
        )

    assert refused.value.missing_cents == 70
    assert services.balance(services.requester_available(requester)) == 50
    assert services.balance(services.worker_available(assignment.worker)) == 0


def test_bonus_for_another_requesters_assignment_is_refused():
    assignment, _owner = _answered()
    stranger = RequesterFactory()
    fund(stranger, 1000)

    with pytest.raises(services.PaymentRefused):
        services.bonus_send(
            requester=stranger, assignment=assignment, amount_cents=10, reason="r", request_key="k"
        )

    assert services.balance(services.worker_available(assignment.worker)) == 0


def test_bonus_for_unsubmitted_work_is_refused():
    assignment, requester = _answered()
    assignment.state = AssignmentState.ACCEPTED

    with pytest.raises(services.PaymentRefused):
        services.bonus_send(
            requester=requester, assignment=assignment, amount_cents=10, reason="r", request_key="k"
        )


def _earn(worker, cents):
    requester = RequesterFactory()
    fund(requester, cents * 2)
    assignment = SubmittedAssignmentFactory(
        worker=worker, task__batch__project__requester=requester
    )
    services.bonus_send(
        requester=requester, assignment=assignment, amount_cents=cents, reason="r", request_key="e"
    )


def test_payout_moves_available_earnings_to_pending_then_out(worker, staff):
    _earn(worker, 800)

    payout = services.payout_request(worker=worker, request_key="p1")
    assert payout.amount_cents == 800
    assert services.balance(services.worker_available(worker)) == 0
    outside_before = services.balance(services.external())

    services.payout_mark_paid(payout=payout, external_reference="BANK-9", actor=staff)

    payout.refresh_from_db()
    assert payout.state == PayoutState.PAID
    assert payout.external_reference == "BANK-9"
    assert services.balance(services.external()) == outside_before + 800
    assert ledger_problems() == []


def test_payout_below_threshold_is_refused(worker):
    _earn(worker, 499)

    with pytest.raises(services.PaymentRefused, match="5.00"):
        services.payout_request(worker=worker, request_key="p1")

    assert not Payout.objects.exists()
    assert services.balance(services.worker_available(worker)) == 499


def test_payout_of_more_than_available_is_refused(worker):
    _earn(worker, 600)

    with pytest.raises(services.InsufficientFunds):
        services.payout_request(worker=worker, request_key="p1", amount_cents=700)

    assert not Payout.objects.exists()


def test_payout_request_retry_returns_first_payout(worker):
    _earn(worker, 600)

    first = services.payout_request(worker=worker, request_key="p1")
    again = services.payout_request(worker=worker, request_key="p1")

    assert again.pk == first.pk
    assert Payout.objects.count() == 1


def test_cancelled_payout_returns_money(worker, staff):
    _earn(worker, 600)
    payout = services.payout_request(worker=worker, request_key="p1")

    services.payout_cancel(payout=payout, actor=staff)

    assert services.balance(services.worker_available(worker)) == 600
    with pytest.raises(services.PaymentRefused):
        services.payout_mark_paid(payout=payout, external_reference="late", actor=staff)
    assert services.balance(services.worker_available(worker)) == 600
    assert ledger_problems() == []
