"""Staff acting at once on PostgreSQL, with real threads: the same statement imported twice, two
payout files made together, one waiting line assigned twice."""

import pytest

from microwork.payments import banking
from microwork.payments import services as payments
from microwork.payments.enums import BankLineState, PayoutState, PostingKind
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import BankLine, BankStatement, Payout, PayoutFile, Posting
from microwork.payments.transfer_reference import reference_for
from tests.accounts.factories import RequesterFactory, UserFactory
from tests.payments.bank_factories import OPERATOR_IBAN, deposit_sample, requested_payout, sample
from tests.threads import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _operator(settings):
    settings.MICROWORK_OPERATOR_IBAN = OPERATOR_IBAN
    settings.MICROWORK_OPERATOR_NAME = "Microwork SAS"
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 100


def test_two_staff_importing_the_same_statement_at_once_credit_it_once():
    ada, grace = RequesterFactory(), RequesterFactory()
    staff = UserFactory.create_batch(2, role="requester", is_staff=True)
    data = deposit_sample(ada, grace)

    results = []
    errors = run_in_threads(
        2,
        lambda index: results.append(banking.statement_import(data=data, actor=staff[index])),
    )

    assert errors == []
    assert sorted((result.credited, result.known) for result in results) == [(0, 5), (2, 0)]
    assert BankStatement.objects.count() == 2
    assert BankLine.objects.count() == 5
    assert Posting.objects.filter(kind=PostingKind.DEPOSIT).count() == 2
    assert payments.balance(payments.requester_available(ada)) == 150_00
    assert payments.balance(payments.requester_available(grace)) == 40_00
    assert ledger_problems() == []


def test_eight_imports_of_overlapping_statements_at_once_apply_each_line_once():
    ada = RequesterFactory()
    # The same two lines in every file, and one of three others.
    files = [
        sample("statement.csv", REF_A=reference_for(ada.pk)).replace(
            b"CSV-0003", f"CSV-0003-{index % 3}".encode()
        )
        for index in range(8)
    ]

    errors = run_in_threads(
        8, lambda index: banking.statement_import(data=files[index], actor=None)
    )

    assert errors == []
    assert BankLine.objects.count() == 2 + 3
    assert payments.balance(payments.requester_available(ada)) == 120_00
    assert ledger_problems() == []


def test_two_payout_files_made_at_once_never_hold_the_same_payout():
    payouts = [requested_payout(cents) for cents in (5_00, 6_00, 7_00)]
    staff = UserFactory(role="requester", is_staff=True)

    def send(index):
        if index % 2:
            banking.payouts_send_sepa(actor=staff)
        else:
            banking.payouts_send_csv(actor=staff, rails={"iban"})

    assert run_in_threads(4, send) == []

    assert PayoutFile.objects.count() == 1
    assert Payout.objects.filter(state=PayoutState.SENT).count() == len(payouts)
    assert PayoutFile.objects.get().payout_count == len(payouts)


def test_one_line_assigned_by_two_staff_at_once_is_credited_once():
    ada, grace = RequesterFactory(), RequesterFactory()
    banking.statement_import(data=sample("statement.csv", REF_A=""), actor=None)
    line = BankLine.objects.get(entry_reference="CSV-0003")
    staff = UserFactory(role="requester", is_staff=True)
    targets = [ada, grace]

    errors = run_in_threads(
        2, lambda index: banking.bank_line_assign(line=line, requester=targets[index], actor=staff)
    )

    assert [type(error) for error in errors] == [banking.BankingRefused]
    line.refresh_from_db()
    assert line.state == BankLineState.CREDITED
    funds = [payments.balance(payments.requester_available(user)) for user in targets]
    assert sorted(funds) == [0, 7_77]
    assert ledger_problems() == []
