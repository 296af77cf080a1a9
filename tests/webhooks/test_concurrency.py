"""Real threads against PostgreSQL: a delivery's attempt is taken once however many jobs run
it, the cap on endpoints holds under concurrent creations, and concurrent submits each reach
the endpoint exactly once."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from microwork.webhooks import sending, services
from microwork.webhooks.models import MAX_ENDPOINTS_PER_OWNER, Delivery, WebhookEndpoint
from microwork.work import services as work
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, make_tasks
from tests.threads import run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("local_endpoints"),
]

THREADS = 8
SUBMITTED = ["assignment.submitted"]


def test_a_due_delivery_run_by_many_jobs_at_once_is_sent_once(receivers):
    receiver = receivers()
    endpoint, _secret = services.endpoint_create(
        owner=RequesterFactory(), url=receiver.url, event_types=SUBMITTED
    )
    now = timezone.now() + timedelta(hours=1)
    delivery = services.endpoint_send_test(endpoint=endpoint, now=now)
    taken = Counter()

    def attempt(_index: int) -> None:
        if sending.delivery_attempt(delivery_id=delivery.pk, now=now) is not None:
            taken["attempts"] += 1

    assert run_in_threads(THREADS, attempt) == []

    delivery.refresh_from_db()
    assert taken["attempts"] == 1
    assert (delivery.state, delivery.attempt_count) == ("succeeded", 1)
    assert len(receiver.arrivals) == 1


def test_concurrent_creations_stop_at_the_cap():
    owner = RequesterFactory()
    for n in range(MAX_ENDPOINTS_PER_OWNER - 2):
        services.endpoint_create(
            owner=owner, url=f"https://hooks.example.com/{n}", event_types=SUBMITTED
        )

    def create(index: int) -> None:
        services.endpoint_create(
            owner=owner, url=f"https://hooks.example.com/t{index}", event_types=SUBMITTED
        )

    errors = run_in_threads(THREADS, create)

    assert len(errors) == THREADS - 2
    assert all(isinstance(error, services.WebhookRefused) for error in errors)
    assert WebhookEndpoint.objects.filter(owner=owner).count() == MAX_ENDPOINTS_PER_OWNER


def test_concurrent_submits_each_reach_the_endpoint_once(receivers):
    receiver = receivers()
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=1))
    make_tasks(batch, THREADS)
    _endpoint, secret = services.endpoint_create(
        owner=batch.project.requester, url=receiver.url, event_types=SUBMITTED
    )
    receiver.secrets = [secret]
    workers = WorkerFactory.create_batch(THREADS)
    assignments = [
        work.assignment_claim_next(worker=worker, project=batch.project) for worker in workers
    ]

    def submit(index: int) -> None:
        # Committed in each thread; the job runs after the commit (immediate queue).
        work.assignment_submit(
            assignment=assignments[index], fields={"answer": ["x"]}, worker=workers[index]
        )

    assert run_in_threads(THREADS, submit) == []

    sent = sorted(arrival.payload["data"]["assignment_id"] for arrival in receiver.arrivals)
    assert sent == sorted(assignment.public_id for assignment in assignments)
    assert all(arrival.verified == [True] for arrival in receiver.arrivals)
    assert Counter(Delivery.objects.values_list("state", flat=True)) == {"succeeded": THREADS}
