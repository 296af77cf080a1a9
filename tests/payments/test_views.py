"""The money pages: who may open them, and exactly what they show and move."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from microwork.accounts.enums import Role
from microwork.payments import services as payments
from microwork.payments.enums import PayoutState
from microwork.payments.models import Bonus, LedgerEntry, Payout, Posting
from microwork.projects import services as projects
from microwork.work import services as work
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, make_tasks

pytestmark = pytest.mark.django_db

REQUESTER_VIEWS = [
    ("payments:requester-balance", "get"),
    ("payments:requester-statement-csv", "get"),
    ("payments:bonus-send", "post"),
]
WORKER_VIEWS = [
    ("payments:worker-earnings", "get"),
    ("payments:payout-request", "post"),
]
STAFF_VIEWS = [
    ("payments:staff-deposit", "get"),
    ("payments:staff-deposit", "post"),
    ("payments:staff-payouts", "get"),
    ("payments:staff-payouts", "post"),
    ("payments:staff-payouts-csv", "get"),
]


def _url(name, assignment_id="A000000000000000000000000000"):
    if name == "payments:bonus-send":
        return reverse(name, args=[assignment_id])
    return reverse(name)


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _published(requester, *, reward_cents=50, funds=100_00, name=None, reference=None):
    """A published batch of one task with three slots; at 0.50 each slot costs 0.60."""
    project = ProjectFactory(requester=requester, reward_cents=reward_cents, assignments_per_task=3)
    batch = BatchFactory(project=project, **({"name": name} if name else {}))
    make_tasks(batch, 1)
    fund(requester, funds, reference=reference)
    return projects.batch_publish(batch=batch)


def _answered(batch, worker=None):
    worker = worker or WorkerFactory()
    assignment = work.assignment_claim_next(worker=worker, project=batch.project)
    return work.assignment_submit(assignment=assignment, fields={"answer": ["yes"]}, worker=worker)


def _earned(worker, reward_cents):
    """Give `worker` exactly `reward_cents` of available earnings: one approved assignment."""
    batch = _published(RequesterFactory(), reward_cents=reward_cents, funds=reward_cents * 10)
    assignment = _answered(batch, worker)
    work.assignment_approve(assignment=assignment, requester=batch.project.requester)
    return assignment


def _available(user) -> int:
    return payments.balance(payments.requester_available(user))


def _earnings(worker) -> int:
    return payments.balance(payments.worker_available(worker))


def _csv(response) -> list[str]:
    return b"".join(response.streaming_content).decode().splitlines(keepends=True)


@pytest.fixture
def staff(db):
    return UserFactory(role=Role.REQUESTER, is_staff=True)


# --- who may open what ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "method"), REQUESTER_VIEWS + WORKER_VIEWS)
def test_payments_views_send_anonymous_visitors_to_log_in(client, name, method):
    response = getattr(client, method)(_url(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "method"), REQUESTER_VIEWS)
def test_requester_payments_views_refuse_workers(client, worker, name, method):
    client.force_login(worker)

    assert getattr(client, method)(_url(name)).status_code == 403


@pytest.mark.parametrize(("name", "method"), WORKER_VIEWS)
def test_worker_payments_views_refuse_requesters(client, requester, name, method):
    client.force_login(requester)

    assert getattr(client, method)(_url(name)).status_code == 403
    assert not Payout.objects.exists()


@pytest.mark.parametrize(("name", "method"), STAFF_VIEWS)
@pytest.mark.parametrize("role", ["anonymous", "worker", "requester"])
def test_staff_payments_views_send_non_staff_to_the_admin_login(
    client, worker, requester, role, name, method
):
    if role != "anonymous":
        client.force_login(worker if role == "worker" else requester)

    response = getattr(client, method)(_url(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_deposit_posted_by_a_non_staff_user_credits_nothing(client, requester):
    client.force_login(requester)

    client.post(
        reverse("payments:staff-deposit"),
        {"requester": requester.email, "amount": "1000.00", "external_reference": "self-made"},
    )

    assert not Posting.objects.exists()
    assert _available(requester) == 0


def test_staff_payouts_posted_by_a_non_staff_user_settle_nothing(client, worker):
    _earned(worker, 600)
    payout = payments.payout_request(worker=worker, request_key="k")
    client.force_login(worker)

    client.post(
        reverse("payments:staff-payouts"),
        {"payout": payout.pk, "action": "paid", "external_reference": "fake"},
    )

    payout.refresh_from_db()
    assert payout.state == PayoutState.REQUESTED
    assert payout.settle_posting is None


def test_bonus_send_on_another_requesters_assignment_is_404_and_moves_nothing(client, requester):
    other_batch = _published(RequesterFactory())
    assignment = _answered(other_batch)
    fund(requester, 10_00)
    entries = LedgerEntry.objects.count()
    client.force_login(requester)

    response = client.post(
        _url("payments:bonus-send", assignment.public_id),
        {"amount": "1.00", "reason": "Thanks", "request_key": "k1"},
    )

    assert response.status_code == 404
    assert not Bonus.objects.exists()
    assert LedgerEntry.objects.count() == entries
    assert _available(requester) == 10_00


def test_bonus_send_on_an_unknown_assignment_is_404(client, requester):
    client.force_login(requester)

    response = client.post(
        _url("payments:bonus-send", "nope"), {"amount": "1.00", "reason": "x", "request_key": "k"}
    )

    assert response.status_code == 404


# --- requester balance and statement --------------------------------------------------------


def test_requester_balance_shows_available_funds_and_escrow_after_publishing(client, requester):
    _published(requester, funds=100_00)  # 3 slots x 0.60 go to escrow
    client.force_login(requester)

    response = client.get(reverse("payments:requester-balance"))

    assert response.status_code == 200
    money = response.context["money"]
    assert (money["available_cents"], money["escrow_cents"]) == (98_20, 1_80)
    assert money["deposited_cents"] == 100_00
    html = response.content.decode()
    assert "98.20 EUR" in html
    assert "1.80 EUR" in html


def test_requester_statement_csv_lists_entries_with_a_running_balance(client, requester):
    batch = _published(requester, funds=100_00, name="Sentiment May", reference="bank-7")
    deposit, reserve = Posting.objects.filter(kind__in=["deposit", "escrow_reserve"])
    client.force_login(requester)

    response = client.get(reverse("payments:requester-statement-csv"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="microwork-statement.csv"' in response["Content-Disposition"]
    assert _csv(response) == [
        "Date,Kind,Reference,Batch,Amount,Balance\r\n",
        f"{deposit.created_at.isoformat()},Deposit,bank-7,,100.00,100.00\r\n",
        f"{reserve.created_at.isoformat()},Reserved for a batch,Sentiment May,{batch.name},"
        "-1.80,98.20\r\n",
    ]


def test_requester_statement_csv_neutralises_formula_looking_cells(client, requester):
    _published(requester, funds=10_00, name='=HYPERLINK("http://evil.example")', reference="@cmd")
    client.force_login(requester)

    lines = _csv(client.get(reverse("payments:requester-statement-csv")))

    assert lines[1].endswith(",Deposit,'@cmd,,10.00,10.00\r\n")
    assert lines[2].endswith(
        ',Reserved for a batch,"\'=HYPERLINK(""http://evil.example"")",'
        '"\'=HYPERLINK(""http://evil.example"")",-1.80,8.20\r\n'
    )


# --- worker earnings and payouts ------------------------------------------------------------


def test_worker_earnings_after_approval_shows_the_reward_available(client, worker):
    _earned(worker, 50)
    client.force_login(worker)

    response = client.get(reverse("payments:worker-earnings"))

    assert response.status_code == 200
    assert response.context["money"]["available_cents"] == 50
    assert response.context["money"]["awaiting_review_cents"] == 0
    assert "0.50 EUR" in response.content.decode()


def test_payout_request_below_the_threshold_is_refused_and_creates_no_payout(client, worker):
    _earned(worker, 50)
    client.force_login(worker)

    response = client.post(reverse("payments:payout-request"), {"request_key": "k1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("payments:worker-earnings")
    assert _messages(response) == ["Payouts start at 5.00 EUR."]
    assert not Payout.objects.exists()
    assert _earnings(worker) == 50


def test_payout_request_pays_out_everything_available(client, worker):
    _earned(worker, 6_00)
    client.force_login(worker)

    response = client.post(reverse("payments:payout-request"), {"request_key": "k1", "amount": ""})

    payout = Payout.objects.get()
    assert (payout.worker, payout.amount_cents, payout.state) == (worker, 6_00, "requested")
    assert _messages(response) == ["Payout of 6.00 EUR requested."]
    assert _earnings(worker) == 0


def test_payout_request_posted_twice_with_the_same_key_creates_one_payout(client, worker):
    _earned(worker, 12_00)
    client.force_login(worker)

    for _ in range(2):
        client.post(reverse("payments:payout-request"), {"request_key": "k1", "amount": "6.00"})

    assert Payout.objects.get().amount_cents == 6_00
    assert Posting.objects.filter(kind="payout_request").count() == 1
    assert _earnings(worker) == 6_00


def test_payout_request_with_a_bad_amount_is_refused_with_a_message(client, worker):
    _earned(worker, 6_00)
    client.force_login(worker)

    response = client.post(reverse("payments:payout-request"), {"request_key": "k1", "amount": "x"})

    assert _messages(response) == [
        "Amount: “x” is not an amount: write it like 0.50 (at most two decimals)."
    ]
    assert not Payout.objects.exists()
    assert _earnings(worker) == 6_00


# --- bonuses --------------------------------------------------------------------------------


@pytest.fixture
def answered(requester):
    """A submitted assignment in one of `requester`'s batches; 98.20 left in their funds."""
    return _answered(_published(requester, funds=100_00))


def _bonus(client, assignment, **data):
    data = {"amount": "0.25", "reason": "Careful work", "request_key": "k1"} | data
    return client.post(reverse("payments:bonus-send", args=[assignment.public_id]), data)


def test_bonus_send_pays_the_bonus_and_its_fee(client, requester, answered):
    client.force_login(requester)

    response = _bonus(client, answered)

    review = reverse("projects:batch-review", args=[answered.task.batch_id])
    assert response["Location"] == f"{review}#assignment-{answered.public_id}"
    bonus = Bonus.objects.get()
    assert (bonus.assignment, bonus.amount_cents, bonus.fee_cents) == (answered, 25, 5)
    assert bonus.reason == "Careful work"
    assert _earnings(answered.worker) == 25
    assert _available(requester) == 98_20 - 30
    assert payments.balance(payments.platform_fees()) == 5
    assert _messages(response) == [f"Bonus of 0.25 EUR sent to {answered.worker.worker_id}."]


def test_bonus_send_posted_twice_with_the_same_key_pays_once(client, requester, answered):
    client.force_login(requester)

    _bonus(client, answered)
    _bonus(client, answered)

    assert Bonus.objects.count() == 1
    assert Posting.objects.filter(kind="bonus").count() == 1
    assert _earnings(answered.worker) == 25
    assert _available(requester) == 98_20 - 30


def test_bonus_send_with_another_key_pays_again(client, requester, answered):
    client.force_login(requester)

    _bonus(client, answered, request_key="k1")
    _bonus(client, answered, request_key="k2")

    assert Bonus.objects.count() == 2
    assert _earnings(answered.worker) == 50


def test_bonus_send_with_insufficient_funds_is_refused_and_moves_nothing(client, requester):
    assignment = _answered(_published(requester, funds=1_90))  # 0.10 left after escrow
    entries = LedgerEntry.objects.count()
    client.force_login(requester)

    response = _bonus(client, assignment)  # 0.25 + 0.05 fee

    assert _messages(response) == ["Not enough funds: 0.20 EUR more is needed."]
    assert not Bonus.objects.exists()
    assert LedgerEntry.objects.count() == entries
    assert _available(requester) == 10


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"amount": "1.234"},
            "Bonus: “1.234” is not an amount: write it like 0.50 (at most two decimals).",
        ),
        ({"amount": "0"}, "Bonus: The amount must be more than zero."),
        ({"reason": ""}, "Reason (the worker sees it): This field is required."),
        ({"request_key": ""}, "This field is required."),
    ],
)
def test_bonus_send_with_form_errors_is_refused_and_moves_nothing(
    client, requester, answered, data, message
):
    entries = LedgerEntry.objects.count()
    client.force_login(requester)

    response = _bonus(client, answered, **data)

    assert response.status_code == 302
    assert _messages(response) == [message]
    assert not Bonus.objects.exists()
    assert LedgerEntry.objects.count() == entries


def test_bonus_send_refuses_a_whitespace_reason(client, requester, answered):
    client.force_login(requester)

    response = _bonus(client, answered, reason="   ")

    assert _messages(response) == ["Reason (the worker sees it): This field is required."]
    assert not Bonus.objects.exists()


def test_batch_review_offers_a_bonus_form_per_row_and_lists_bonuses_sent(
    client, requester, answered
):
    second = _answered(answered.task.batch)
    payments.bonus_send(
        requester=requester,
        assignment=answered,
        amount_cents=25,
        reason="Careful <work>",
        request_key="sent",
    )
    client.force_login(requester)

    response = client.get(reverse("projects:batch-review", args=[answered.task.batch_id]))

    html = response.content.decode()
    for assignment in (answered, second):
        action = reverse("payments:bonus-send", args=[assignment.public_id])
        assert f'<form id="bonus-{assignment.public_id}" method="post" action="{action}">' in html
        assert f'form="bonus-{assignment.public_id}"' in html
    assert "0.25 EUR sent" in html
    assert "Careful &lt;work&gt;" in html
    keys = [row.bonus_form["request_key"].value() for row in response.context["submissions"]]
    assert len(set(keys)) == 2
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)  # no inline script


def test_worker_earnings_show_the_bonus_reason(client, requester, answered):
    payments.bonus_send(
        requester=requester,
        assignment=answered,
        amount_cents=25,
        reason="Careful work",
        request_key="k",
    )
    client.force_login(answered.worker)

    response = client.get(reverse("payments:worker-earnings"))

    assert "Reason: Careful work" in response.content.decode()


# --- staff: deposits ------------------------------------------------------------------------


def _deposit(client, requester, **data):
    data = {"requester": requester.email, "amount": "25.00", "external_reference": "bank-42"} | data
    return client.post(reverse("payments:staff-deposit"), data)


def test_staff_deposit_credits_the_requester(client, staff, requester):
    client.force_login(staff)

    response = _deposit(client, requester)

    assert response["Location"] == reverse("payments:staff-deposit")
    posting = Posting.objects.get(kind="deposit")
    assert (posting.idempotency_key, posting.memo, posting.actor) == (
        "deposit:bank-42",
        "bank-42",
        staff,
    )
    assert _available(requester) == 25_00
    assert _messages(response) == ["Deposit recorded."]


@pytest.mark.parametrize("amount", ["25.00", "30.00"])
def test_staff_deposit_with_a_used_reference_is_refused(client, staff, requester, amount):
    client.force_login(staff)
    _deposit(client, requester)

    response = _deposit(client, requester, amount=amount, external_reference=" bank-42 ")

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "external_reference": ["A deposit with this reference was already recorded."]
    }
    assert Posting.objects.filter(kind="deposit").count() == 1
    assert _available(requester) == 25_00


def test_staff_deposit_to_a_worker_email_is_refused(client, staff, worker):
    client.force_login(staff)

    response = _deposit(client, worker)

    assert response.context["form"].errors == {"requester": ["No requester has this email."]}
    assert not Posting.objects.exists()


# --- staff: payouts -------------------------------------------------------------------------


@pytest.fixture
def payout(worker):
    _earned(worker, 6_00)
    return payments.payout_request(worker=worker, request_key="k")


def _settle(client, payout, **data):
    data = {"payout": payout.pk, "action": "paid", "external_reference": ""} | data
    return client.post(reverse("payments:staff-payouts"), data)


def test_staff_payouts_lists_requested_payouts(client, staff, payout):
    client.force_login(staff)

    response = client.get(reverse("payments:staff-payouts"))

    assert list(response.context["payouts"]) == [payout]
    assert "6.00 EUR" in response.content.decode()


def test_staff_payout_mark_paid_needs_a_reference(client, staff, payout):
    client.force_login(staff)

    response = _settle(client, payout, external_reference="  ")

    assert _messages(response) == ["Give the external reference of the payment."]
    payout.refresh_from_db()
    assert payout.state == PayoutState.REQUESTED
    assert not Posting.objects.filter(kind="payout_paid").exists()


def test_staff_payout_mark_paid_records_the_reference(client, staff, payout, worker):
    client.force_login(staff)

    response = _settle(client, payout, external_reference="SEPA-991")

    payout.refresh_from_db()
    assert (payout.state, payout.external_reference) == (PayoutState.PAID, "SEPA-991")
    assert payout.settle_posting.kind == "payout_paid"
    assert _earnings(worker) == 0
    assert _messages(response) == ["Payout of 6.00 EUR marked paid."]


def test_staff_payout_cancel_returns_the_money(client, staff, payout, worker):
    client.force_login(staff)

    response = _settle(client, payout, action="cancel")

    payout.refresh_from_db()
    assert payout.state == PayoutState.CANCELLED
    assert _earnings(worker) == 6_00
    assert _messages(response) == ["Payout of 6.00 EUR cancelled; the worker has the money back."]


def test_staff_payout_cancel_after_paid_is_refused(client, staff, payout, worker):
    payments.payout_mark_paid(payout=payout, external_reference="SEPA-991", actor=staff)
    client.force_login(staff)

    response = _settle(client, payout, action="cancel")

    assert _messages(response) == ["This payout is already paid."]
    payout.refresh_from_db()
    assert payout.state == PayoutState.PAID
    assert _earnings(worker) == 0


@pytest.mark.parametrize("bad", ["", "abc", "999999"])
def test_staff_payouts_with_an_unknown_payout_is_refused_with_a_message(client, staff, payout, bad):
    client.force_login(staff)

    response = client.post(
        reverse("payments:staff-payouts"),
        {"payout": bad, "action": "paid", "external_reference": "X"},
    )

    assert response.status_code == 302
    assert len(_messages(response)) == 1
    payout.refresh_from_db()
    assert payout.state == PayoutState.REQUESTED


def test_staff_payouts_csv_exports_only_pending_payouts(client, staff, payout):
    other = WorkerFactory(email="=cmd|' /C calc'!A0@example.org")
    _earned(other, 7_50)
    second = payments.payout_request(worker=other, request_key="k")
    settled_worker = WorkerFactory()
    _earned(settled_worker, 5_00)
    payments.payout_mark_paid(
        payout=payments.payout_request(worker=settled_worker, request_key="k"),
        external_reference="done",
        actor=staff,
    )
    client.force_login(staff)

    response = client.get(reverse("payments:staff-payouts-csv"))

    assert 'filename="microwork-pending-payouts.csv"' in response["Content-Disposition"]
    assert _csv(response) == [
        "PayoutId,WorkerId,Email,Amount,Currency,RequestedAt\r\n",
        f"{payout.pk},{payout.worker.worker_id},{payout.worker.email},6.00,EUR,"
        f"{payout.requested_at.isoformat()}\r\n",
        f"{second.pk},{other.worker_id},'=cmd|' /C calc'!A0@example.org,7.50,EUR,"
        f"{second.requested_at.isoformat()}\r\n",
    ]
