"""Bank transfers and payout files in tests: sample statements filled in, workers with payout
details and requested payouts, all through the real services."""

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from microwork.common.money import format_amount
from microwork.payments import services
from microwork.payments.models import PayoutMethod
from microwork.payments.transfer_reference import reference_display, reference_for
from microwork.projects import services as projects
from microwork.work import services as work
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, make_tasks

DATA = Path(__file__).parent / "data"
OPERATOR_IBAN = "FR7630006000011234567890189"


def sample(name: str, **values) -> bytes:
    """The sample file `name` under tests/payments/data with its {{PLACEHOLDERS}} filled in."""
    text = (DATA / name).read_text()
    values.setdefault("OPERATOR_IBAN", OPERATOR_IBAN)
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", str(value))
    return text.encode()


def deposit_sample(requester_a, requester_b) -> bytes:
    good = reference_for(requester_a.pk)
    mistyped = good[:2] + ("00" if good[2:4] != "00" else "01") + good[4:]
    return sample(
        "camt053_deposits.xml",
        REF_A=good,
        REF_A_SPACED=reference_display(requester_a.pk).lower(),
        REF_A_MISTYPED=mistyped,
        REF_B=reference_for(requester_b.pk),
    )


def earn(worker, cents: int):
    """Give `worker` exactly `cents` of available earnings: one approved assignment."""
    requester = RequesterFactory()
    project = ProjectFactory(requester=requester, reward_cents=cents, assignments_per_task=1)
    batch = BatchFactory(project=project)
    make_tasks(batch, 1)
    fund(requester, cents * 10)
    batch = projects.batch_publish(batch=batch)
    assignment = work.assignment_claim_next(worker=worker, project=project)
    assignment = work.assignment_submit(
        assignment=assignment, fields={"answer": ["x"]}, worker=worker
    )
    work.assignment_approve(assignment=assignment, requester=requester)


def give_method(worker, *, kind="iban", hours_ago=48, iban="DE89370400440532013000", bic=""):
    fields = (
        {"iban": iban, "bic": bic, "holder": f"Holder {worker.pk}"}
        if kind == "iban"
        else {"paypal_email": f"w{worker.pk}@example.org"}
    )
    return PayoutMethod.objects.create(
        worker=worker, kind=kind, changed_at=timezone.now() - timedelta(hours=hours_ago), **fields
    )


def requested_payout(cents: int = 1234, *, kind="iban", hours_ago=48, worker=None, **method):
    """A worker with payout details (unchanged for `hours_ago` hours) and a payout requested."""
    worker = worker or WorkerFactory()
    if kind is not None:
        # Older than a day when the payout is requested (payout_request waits 24 hours after
        # a change too), then set to `hours_ago`.
        given = give_method(worker, kind=kind, hours_ago=48, **method)
    earn(worker, cents)
    payout = services.payout_request(worker=worker, request_key=f"test-{worker.pk}")
    if kind is not None:
        PayoutMethod.objects.filter(pk=given.pk).update(
            changed_at=timezone.now() - timedelta(hours=hours_ago)
        )
    return payout


def amount(cents: int) -> str:
    return format_amount(cents)
