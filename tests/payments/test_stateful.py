"""A hypothesis state machine drives random sequences of everything that moves money and checks
every invariant of the books after each step."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from microwork.common.money import format_amount
from microwork.payments import banking, cards
from microwork.payments import services as payments
from microwork.payments.enums import PAYOUT_OPEN_STATES, BankLineState, PayoutState
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import BankLine, Bonus, CardDeposit, Payout, PayoutMethod, Posting
from microwork.payments.transfer_reference import reference_for
from microwork.projects import services as projects
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch
from microwork.work import services as work
from microwork.work.enums import SLOT_HOLDING_STATES, AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory

WORKERS = 4


class LedgerMachine(RuleBasedStateMachine):
    @initialize(
        # Mostly enough to publish (up to 3 x 10 x 1.40 = 42.00), sometimes short.
        funds=st.one_of(st.integers(0, 500), st.integers(4_200, 10_000)),
        reward=st.integers(1, 100),
        redundancy=st.sampled_from([1, 2, 3, 10]),
        tasks=st.integers(1, 3),
        publish=st.sampled_from([True, True, True, False]),
    )
    def start(self, funds, reward, redundancy, tasks, publish):
        # Each run of the machine happens in a savepoint rolled back at teardown, so runs (and
        # hypothesis's replays while shrinking) never see each other's rows.
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.staff = UserFactory(role="requester", is_staff=True)
        self.requester = RequesterFactory()
        project = ProjectFactory(
            requester=self.requester,
            reward_cents=reward,
            assignments_per_task=redundancy,
            estimated_seconds=1,  # any reward from 0.01 meets the pay floor at publish
        )
        self.batch = BatchFactory(project=project)
        for row in range(tasks):
            TaskFactory(
                batch=self.batch,
                row_number=row + 2,
                max_assignments=redundancy,
                open_slots=redundancy,
            )
        self.batch.task_count = tasks
        self.batch.save()
        self.workers = WorkerFactory.create_batch(WORKERS)
        # Payout details, unchanged for two days: two bank accounts, one PayPal, one none.
        for worker, kind in zip(self.workers, ["iban", "iban", "paypal"], strict=False):
            PayoutMethod.objects.create(
                worker=worker,
                kind=kind,
                changed_at=timezone.now() - timedelta(days=2),
                **(
                    {"iban": "DE89370400440532013000", "holder": "W"}
                    if kind == "iban"
                    else {"paypal_email": f"w{worker.pk}@example.org"}
                ),
            )
        self.transfers = []
        self.deposits = 0
        self.card_events = []  # Stripe events already applied, to deliver again
        self.steps = 0
        if funds:
            self._deposit(funds)
        if publish:
            self.publish()

    def _deposit(self, amount):
        self.deposits += 1
        payments.deposit_record(
            requester=self.requester,
            amount_cents=amount,
            external_reference=f"dep-{self.requester.pk}-{self.deposits}",
            actor=self.staff,
        )

    def _has(self, state) -> bool:
        return Assignment.objects.filter(task__batch=self.batch, state=state).exists()

    def _is_open(self) -> bool:
        return Batch.objects.filter(pk=self.batch.pk, status=BatchStatus.PUBLISHED).exists()

    def _refresh(self):
        self.batch.refresh_from_db()

    def _funds(self):
        return payments.balance(payments.requester_available(self.requester))

    def _assignments(self, state):
        return list(Assignment.objects.filter(task__batch=self.batch, state=state).order_by("pk"))

    @rule(amount=st.integers(1, 2000))
    def deposit(self, amount):
        self._deposit(amount)

    @rule(amount=st.integers(1, 2000), again=st.booleans())
    def transfer_deposit(self, amount, again):
        """A bank transfer with the requester's reference, its statement imported (or an
        earlier statement imported again, which credits nothing)."""
        if not (again and self.transfers):
            reference = f"T-{self.requester.pk}-{len(self.transfers)}"
            data = (
                "reference,amount,currency,remittance\n"
                f"{reference},{format_amount(amount)},EUR,{reference_for(self.requester.pk)}\n"
            ).encode()
            self.transfers.append((data, amount))
            again = False
        data, credited = self.transfers[-1]
        before = self._funds()
        banking.statement_import(data=data, actor=self.staff)
        assert self._funds() == before + (0 if again else credited)

    def _net(self):
        """The requester's funds less what they owe: a card payment moves it by its amount, a
        refund by what it takes back, and nothing else about a card moves it."""
        return self._funds() + payments.balance(payments.requester_debt(self.requester))

    def _card(self, amount):
        return CardDeposit.objects.create(
            requester=self.requester,
            request_key=f"card-{CardDeposit.objects.count()}",
            amount_cents=amount,
            currency="EUR",
            stripe_session_id=f"cs_{self.requester.pk}_{CardDeposit.objects.count()}",
        )

    def _stripe(self, type_, obj, event_id=None):
        event = {
            "id": event_id or f"evt_{self.requester.pk}_{len(self.card_events)}_{type_}",
            "type": type_,
            "created": len(self.card_events),
            "data": {"object": obj},
        }
        cards.stripe_event_apply(event)
        self.card_events.append(event)

    def _session(self, deposit):
        return {
            "id": deposit.stripe_session_id,
            "amount_total": deposit.amount_cents,
            "currency": "eur",
            "metadata": {"deposit_id": str(deposit.pk), "requester_id": str(self.requester.pk)},
            "payment_intent": f"pi_{deposit.pk}",
            "payment_status": "paid",
        }

    @rule(amount=st.integers(1000, 3000), refund_first=st.booleans())
    def card_deposit(self, amount, refund_first):
        """A card payment, completed; or refunded in full before its completed event came."""
        deposit, before = self._card(amount), self._net()
        if refund_first:
            charge = {"payment_intent": f"pi_{deposit.pk}", "amount_refunded": amount}
            self._stripe("charge.refunded", charge)
        self._stripe("checkout.session.completed", self._session(deposit))
        assert self._net() == before + (0 if refund_first else amount)

    @precondition(lambda self: self.card_events)
    @rule(data=st.data(), as_new_event=st.booleans())
    def card_event_again(self, data, as_new_event):
        """Stripe delivers an event again, or a second event about the same payment."""
        event = data.draw(st.sampled_from(self.card_events))
        before, postings = self._net(), Posting.objects.count()
        if as_new_event:
            self._stripe(event["type"], event["data"]["object"])
        else:
            cards.stripe_event_apply(event)
        assert (self._net(), Posting.objects.count()) == (before, postings)

    @precondition(lambda self: CardDeposit.objects.filter(state="paid").exists())
    @rule(data=st.data(), percent=st.integers(1, 100))
    def card_refund(self, data, percent):
        """Stripe refunds part of a card payment: amount_refunded counts every refund so far."""
        deposit = data.draw(st.sampled_from(list(CardDeposit.objects.filter(state="paid"))))
        refunded = max(deposit.refunded_cents, deposit.amount_cents * percent // 100)
        before, taken_before = self._net(), deposit.reversed_cents
        charge = {"payment_intent": f"pi_{deposit.pk}", "amount_refunded": refunded}
        self._stripe("charge.refunded", charge)
        deposit.refresh_from_db()
        assert deposit.reversed_cents <= deposit.amount_cents
        assert self._net() == before - (deposit.reversed_cents - taken_before)

    @rule()
    def publish(self):
        self._refresh()
        before = self._funds()
        try:
            projects.batch_publish(batch=self.batch)
        except payments.InsufficientFunds as refused:
            self._refresh()
            assert self.batch.status == BatchStatus.DRAFT
            assert self._funds() == before
            assert refused.missing_cents > 0
        except projects.BatchStateError:
            pass

    @precondition(lambda self: self._is_open())
    @rule(index=st.integers(0, WORKERS - 1))
    def claim(self, index):
        try:
            work.assignment_claim_next(worker=self.workers[index], project=self.batch.project)
        except work.NoTaskAvailable:
            pass

    @precondition(lambda self: self._is_open())
    @rule(
        index=st.integers(0, WORKERS - 1),
        outcome=st.sampled_from(["submit", "submit", "return", "expire", "keep"]),
    )
    def work_on_a_task(self, index, outcome):
        worker = self.workers[index]
        try:
            assignment = work.assignment_claim_next(worker=worker, project=self.batch.project)
        except work.NoTaskAvailable:
            return
        if outcome == "submit":
            work.assignment_submit(assignment=assignment, fields={"answer": ["x"]}, worker=worker)
        elif outcome == "return":
            work.assignment_return(assignment=assignment, worker=worker)
        elif outcome == "expire":
            Assignment.objects.filter(pk=assignment.pk).update(
                deadline=timezone.now() - timedelta(seconds=1)
            )
            work.assignments_expire_overdue()

    def _open(self, index):
        return Assignment.objects.filter(
            worker=self.workers[index], task__batch=self.batch, state=AssignmentState.ACCEPTED
        ).first()

    @precondition(lambda self: self._has(AssignmentState.ACCEPTED))
    @rule(index=st.integers(0, WORKERS - 1))
    def submit(self, index):
        assignment = self._open(index)
        if assignment is not None:
            try:
                work.assignment_submit(
                    assignment=assignment, fields={"answer": ["x"]}, worker=self.workers[index]
                )
            except work.DeadlinePassed:
                pass

    @precondition(lambda self: self._has(AssignmentState.ACCEPTED))
    @rule(index=st.integers(0, WORKERS - 1))
    def give_back(self, index):
        assignment = self._open(index)
        if assignment is not None:
            work.assignment_return(assignment=assignment, worker=self.workers[index])

    @precondition(lambda self: self._has(AssignmentState.ACCEPTED))
    @rule(index=st.integers(0, WORKERS - 1))
    def let_deadline_pass(self, index):
        assignment = self._open(index)
        if assignment is not None:
            Assignment.objects.filter(pk=assignment.pk).update(
                deadline=timezone.now() - timedelta(seconds=1)
            )
            work.assignments_expire_overdue()

    @precondition(lambda self: self._has(AssignmentState.SUBMITTED))
    @rule(data=st.data())
    def approve(self, data):
        candidates = self._assignments(AssignmentState.SUBMITTED)
        if candidates:
            work.assignment_approve(
                assignment=data.draw(st.sampled_from(candidates)), requester=self.requester
            )

    @precondition(lambda self: self._has(AssignmentState.SUBMITTED))
    @rule(data=st.data())
    def reject(self, data):
        candidates = self._assignments(AssignmentState.SUBMITTED)
        if candidates:
            work.assignment_reject(
                assignment=data.draw(st.sampled_from(candidates)),
                requester=self.requester,
                reason="no",
            )

    @precondition(lambda self: self._has(AssignmentState.REJECTED))
    @rule(data=st.data())
    def overturn(self, data):
        candidates = self._assignments(AssignmentState.REJECTED)
        if candidates:
            assignment = data.draw(st.sampled_from(candidates))
            before = self._funds()
            try:
                work.assignment_approve(assignment=assignment, requester=self.requester)
            except payments.InsufficientFunds:
                assignment.refresh_from_db()
                assert assignment.state == AssignmentState.REJECTED
                assert self._funds() == before

    @precondition(lambda self: self.steps > 5)
    @rule(data=st.data(), amount=st.integers(1, 500), key=st.sampled_from(["a", "b", "c"]))
    def bonus(self, data, amount, key):
        answered = [
            *self._assignments(AssignmentState.SUBMITTED),
            *self._assignments(AssignmentState.APPROVED),
            *self._assignments(AssignmentState.REJECTED),
        ]
        if not answered:
            return
        assignment = data.draw(st.sampled_from(answered))
        try:
            payments.bonus_send(
                requester=self.requester,
                assignment=assignment,
                amount_cents=amount,
                reason="r",
                request_key=key,
            )
        except (payments.InsufficientFunds, payments.IdempotencyConflict):
            pass

    @precondition(lambda self: self.steps > 25 and self._is_open())
    @rule()
    def cancel(self):
        try:
            projects.batch_cancel(batch=self.batch)
        except projects.BatchStateError:
            pass

    @precondition(lambda self: self.steps > 25 and self._is_open())
    @rule()
    def lifetime_ends(self):
        self._refresh()
        if self.batch.expires_at is not None:
            Batch.objects.filter(pk=self.batch.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            )
            work.assignments_expire_overdue()
            payments.batches_release_ended()

    @precondition(lambda self: self._has(AssignmentState.SUBMITTED))
    @rule()
    def review_time_runs_out(self):
        Assignment.objects.filter(task__batch=self.batch, state=AssignmentState.SUBMITTED).update(
            auto_approval_due_at=timezone.now() - timedelta(seconds=1)
        )
        work.assignments_auto_approve_due()

    @precondition(lambda self: self.steps > 10)
    @rule(index=st.integers(0, WORKERS - 1), key=st.sampled_from(["p", "q"]))
    def payout(self, index, key):
        try:
            payments.payout_request(worker=self.workers[index], request_key=key)
        except payments.PaymentRefused:
            pass

    @precondition(lambda self: Payout.objects.filter(state=PayoutState.REQUESTED).exists())
    @rule(data=st.data(), paid=st.booleans())
    def settle_payout(self, data, paid):
        requested = list(
            Payout.objects.filter(worker__in=self.workers, state=PayoutState.REQUESTED)
        )
        if requested:
            payout = data.draw(st.sampled_from(requested))
            if paid:
                payments.payout_mark_paid(
                    payout=payout, external_reference="bank", actor=self.staff
                )
            else:
                payments.payout_cancel(payout=payout, actor=self.staff)

    @precondition(lambda self: Payout.objects.filter(state=PayoutState.REQUESTED).exists())
    @rule(version=st.sampled_from(["pain.001.001.09", "pain.001.001.03"]))
    def send_sepa(self, version):
        result = banking.payouts_send_sepa(actor=self.staff, version=version)
        for payout in result.payouts:
            payout.refresh_from_db()
            assert payout.state == PayoutState.SENT
            assert payout.worker.payout_method.kind == "iban"
        assert not Payout.objects.filter(
            state=PayoutState.REQUESTED, worker__payout_method__kind="iban"
        ).exists()

    @precondition(lambda self: Payout.objects.filter(state__in=PAYOUT_OPEN_STATES).exists())
    @rule(data=st.data(), paid=st.booleans(), again=st.booleans())
    def bank_reports_payout(self, data, paid, again):
        """The bank's statement books a sent payout (paid) or its return (failed); imported
        once or twice. Requested payouts are sent first when none is."""
        if not Payout.objects.filter(state=PayoutState.SENT).exists():
            banking.payouts_send_sepa(actor=self.staff)
        sent = list(Payout.objects.filter(worker__in=self.workers, state=PayoutState.SENT))
        if not sent:
            return
        payout = data.draw(st.sampled_from(sent))
        available = payments.balance(payments.worker_available(payout.worker))
        line = (
            "reference,amount,currency,end_to_end_id,return_reason\n"
            f"B-{payout.pk},{'-' if paid else ''}{format_amount(payout.amount_cents)},"
            f"{payout.currency},{payout.end_to_end_id},{'' if paid else 'AC04'}\n"
        ).encode()
        for _time in range(2 if again else 1):
            banking.statement_import(data=line, actor=self.staff)
        payout.refresh_from_db()
        assert payout.state == (PayoutState.PAID if paid else PayoutState.FAILED)
        back = 0 if paid else payout.amount_cents
        assert payments.balance(payments.worker_available(payout.worker)) == available + back

    def teardown(self):
        if hasattr(self, "_savepoint"):
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)

    @invariant()
    def books_are_right(self):
        # Counts steps too: ending the batch (cancel, lifetime) is kept for later in a run, so
        # that most runs first do some work to end.
        self.steps += 1
        assert ledger_problems() == []

    @invariant()
    def every_reward_paid_at_most_once_and_only_for_approved_work(self):
        paid = Posting.objects.filter(kind__in=["reward", "overturn"], batch=self.batch).values(
            "assignment"
        )
        counts = paid.annotate(n=Count("pk"))
        assert all(row["n"] == 1 for row in counts)
        approved = set(
            Assignment.objects.filter(
                task__batch=self.batch, state=AssignmentState.APPROVED
            ).values_list("pk", flat=True)
        )
        assert {row["assignment"] for row in counts} == approved

    @invariant()
    def workers_hold_exactly_what_they_earned(self):
        reward = self.batch.project.reward_cents
        for worker in self.workers:
            approved = Assignment.objects.filter(
                worker=worker, state=AssignmentState.APPROVED
            ).count()
            bonuses = (
                Bonus.objects.filter(assignment__worker=worker).aggregate(t=Sum("amount_cents"))[
                    "t"
                ]
                or 0
            )
            paid_out = (
                Payout.objects.filter(worker=worker, state=PayoutState.PAID).aggregate(
                    t=Sum("amount_cents")
                )["t"]
                or 0
            )
            available = payments.balance(payments.worker_available(worker))
            pending = (
                Payout.objects.filter(worker=worker, state__in=PAYOUT_OPEN_STATES).aggregate(
                    t=Sum("amount_cents")
                )["t"]
                or 0
            )
            assert available + pending + paid_out == approved * reward + bonuses

    @invariant()
    def every_bank_line_credited_once(self):
        credited = BankLine.objects.filter(state=BankLineState.CREDITED)
        deposits = Posting.objects.filter(
            kind="deposit", idempotency_key__startswith="deposit:bank:"
        )
        assert deposits.count() == credited.count()
        assert set(credited.values_list("posting", flat=True)) == set(
            deposits.values_list("pk", flat=True)
        )

    @invariant()
    def card_payments_credited_once_and_taken_back_at_most_whole(self):
        for deposit in CardDeposit.objects.all():
            credits = Posting.objects.filter(
                idempotency_key=f"deposit:stripe:{deposit.stripe_session_id}"
            ).count()
            assert credits == (1 if deposit.state == "paid" else 0)
            taken = Posting.objects.filter(
                idempotency_key__startswith=f"card_refund:{deposit.pk}:",
                entries__account__kind="external",
            ).aggregate(t=Sum("entries__amount_cents"))["t"]
            assert (taken or 0) == deposit.refunded_cents <= deposit.amount_cents

    @invariant()
    def no_task_over_its_redundancy(self):
        for task in self.batch.tasks.all():
            holding = task.assignments.filter(state__in=SLOT_HOLDING_STATES).count()
            assert holding + task.open_slots == task.max_assignments


@pytest.mark.django_db
def test_ledger_state_machine(request):
    # Payouts from one cent, so that a run requests, sends and settles some; an operator's
    # account, so that SEPA files can be made. (`settings` here is hypothesis's.)
    django_settings = request.getfixturevalue("settings")
    django_settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 1
    django_settings.MICROWORK_OPERATOR_IBAN = "FR7630006000011234567890189"
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
