"""Deliveries end to end: the act's transaction writes them, the queue sends them to a real
receiver that verifies the signature, failures are retried on the backoff schedule."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from microwork.webhooks import payloads, sending, services
from microwork.webhooks.enums import TEST_EVENT, DeliveryState, EventType
from microwork.webhooks.models import RESPONSE_BODY_KEPT, Delivery
from microwork.work import services as work
from tests.accounts.factories import RequesterFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.webhooks.receivers import Answer
from tests.work.factories import AssignmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_endpoints")]

SUBMITTED = [EventType.ASSIGNMENT_SUBMITTED.value]


def _accepted(requester, worker):
    batch = PublishedBatchFactory(project=ProjectFactory(requester=requester))
    return AssignmentFactory(task=TaskFactory(batch=batch), worker=worker)


def _submit(assignment):
    return work.assignment_submit(
        assignment=assignment, fields={"answer": ["yes"]}, worker=assignment.worker
    )


def _endpoint(receiver, owner, event_types=SUBMITTED):
    endpoint, secret = services.endpoint_create(
        owner=owner, url=receiver.url, event_types=event_types
    )
    receiver.secrets = [secret]
    return endpoint


def test_a_submit_reaches_the_batch_owners_endpoint_signed(
    requester, worker, receivers, django_capture_on_commit_callbacks
):
    receiver = receivers()
    endpoint = _endpoint(receiver, requester)
    assignment = _accepted(requester, worker)

    with django_capture_on_commit_callbacks(execute=True):
        submitted = _submit(assignment)

    delivery = Delivery.objects.get()
    [arrival] = receiver.arrivals
    assert arrival.verified == [True]
    assert arrival.headers["webhook-id"] == delivery.message_id
    assert delivery.message_id.startswith("msg_")
    assert arrival.headers["content-type"] == "application/json"
    assert arrival.payload == {
        "type": "assignment.submitted",
        "timestamp": payloads.iso(submitted.submitted_at),
        "data": {
            "assignment_id": assignment.public_id,
            "task_id": assignment.task.public_id,
            "batch_id": assignment.task.batch_id,
            "project_id": assignment.task.batch.project.public_id,
            "worker_id": worker.worker_id,
            "state": "submitted",
            "submitted_at": payloads.iso(submitted.submitted_at),
        },
    }
    assert arrival.payload == delivery.payload
    assert (delivery.endpoint_id, delivery.event_type, delivery.state) == (
        endpoint.pk,
        "assignment.submitted",
        DeliveryState.SUCCEEDED,
    )
    assert (delivery.attempt_count, delivery.status_code, delivery.response_body) == (1, 200, "ok")
    assert delivery.response_ms is not None
    assert delivery.next_attempt_at is None


def test_an_event_never_reaches_another_requesters_endpoint(
    requester, worker, receivers, django_capture_on_commit_callbacks
):
    mine, theirs = receivers(), receivers()
    _endpoint(mine, requester)
    other = _endpoint(theirs, RequesterFactory())

    with django_capture_on_commit_callbacks(execute=True):
        _submit(_accepted(requester, worker))

    assert len(mine.arrivals) == 1
    assert theirs.arrivals == []
    assert not Delivery.objects.filter(endpoint=other).exists()


def test_disabled_or_unsubscribed_endpoints_get_nothing(
    requester, worker, receivers, django_capture_on_commit_callbacks
):
    disabled, unsubscribed = receivers(), receivers()
    endpoint = _endpoint(disabled, requester)
    services.endpoint_update(
        endpoint=endpoint, url=endpoint.url, event_types=SUBMITTED, description="", is_active=False
    )
    _endpoint(unsubscribed, requester, event_types=["batch.finished", "balance.low"])

    with django_capture_on_commit_callbacks(execute=True):
        _submit(_accepted(requester, worker))

    assert (disabled.arrivals, unsubscribed.arrivals) == ([], [])
    assert not Delivery.objects.exists()


class Boom(Exception):
    pass


def test_an_act_that_rolls_back_sends_nothing(
    requester, worker, receivers, django_capture_on_commit_callbacks
):
    receiver = receivers()
    _endpoint(receiver, requester)
    assignment = _accepted(requester, worker)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            _submit(assignment)
            assert Delivery.objects.count() == 1  # written inside the act's transaction
            raise Boom

    assert callbacks == []
    assert not Delivery.objects.exists()
    assert receiver.arrivals == []


def test_a_failing_receiver_is_retried_after_the_backoff_and_then_succeeds(
    requester, worker, receivers, django_capture_on_commit_callbacks
):
    receiver = receivers([Answer(500, b"down"), Answer(200, b"fine")])
    _endpoint(receiver, requester)

    with django_capture_on_commit_callbacks(execute=True):
        _submit(_accepted(requester, worker))

    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempt_count, delivery.status_code) == ("pending", 1, 500)
    assert delivery.response_body == "down"
    assert delivery.next_attempt_at == delivery.last_attempt_at + timedelta(seconds=5)

    early = delivery.next_attempt_at - timedelta(seconds=1)
    assert sending.delivery_attempt(delivery_id=delivery.pk, now=early) is None
    assert len(receiver.arrivals) == 1

    retried = sending.delivery_attempt(delivery_id=delivery.pk, now=delivery.next_attempt_at)

    assert (retried.state, retried.attempt_count, retried.status_code) == ("succeeded", 2, 200)
    assert retried.next_attempt_at is None
    first, second = receiver.arrivals
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.message_id
    assert first.body == second.body
    assert first.verified == second.verified == [True]


def test_the_backoff_schedule_then_failure_after_the_last_attempt(requester, receivers):
    receiver = receivers([Answer(503, b"no")])
    endpoint = _endpoint(receiver, requester)
    # In the future, so that huey's immediate mode keeps each retry it schedules in memory.
    now = timezone.now() + timedelta(hours=1)
    delivery = services.endpoint_send_test(endpoint=endpoint, now=now)

    waits = []
    for _attempt in range(sending.MAX_ATTEMPTS):
        delivery = sending.delivery_attempt(delivery_id=delivery.pk, now=now)
        if delivery.next_attempt_at is not None:
            waits.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at

    assert waits == [
        timedelta(seconds=5),
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(hours=1),
        timedelta(hours=6),
        timedelta(hours=24),
    ]
    assert (delivery.state, delivery.attempt_count, delivery.status_code) == ("failed", 8, 503)
    assert delivery.next_attempt_at is None
    assert len(receiver.arrivals) == 8
    assert sending.delivery_attempt(delivery_id=delivery.pk, now=now + timedelta(days=9)) is None
    assert len(receiver.arrivals) == 8


def test_a_receiver_that_never_answers_is_a_failed_attempt(requester, silent, monkeypatch):
    monkeypatch.setattr(sending, "TIMEOUT_SECONDS", 0.5)
    endpoint, _secret = services.endpoint_create(
        owner=requester, url=silent.url, event_types=SUBMITTED
    )
    now = timezone.now() + timedelta(hours=1)
    delivery = services.endpoint_send_test(endpoint=endpoint, now=now)

    delivery = sending.delivery_attempt(delivery_id=delivery.pk, now=now)

    assert (delivery.state, delivery.attempt_count, delivery.status_code) == ("pending", 1, None)
    assert delivery.error == "No answer within 0.5 seconds."
    assert delivery.response_ms is not None
    assert delivery.next_attempt_at == now + timedelta(seconds=5)


def test_a_refused_connection_is_a_failed_attempt(requester, receivers):
    receiver = receivers()
    endpoint = _endpoint(receiver, requester)
    receiver.close()  # nothing listens on its port any more
    now = timezone.now() + timedelta(hours=1)
    delivery = services.endpoint_send_test(endpoint=endpoint, now=now)

    delivery = sending.delivery_attempt(delivery_id=delivery.pk, now=now)

    assert (delivery.state, delivery.attempt_count, delivery.status_code) == ("pending", 1, None)
    assert delivery.error.startswith("The request failed: ConnectError")


def test_a_redirect_is_not_followed(requester, receivers):
    elsewhere = receivers()
    receiver = receivers([Answer(302, b"", {"location": elsewhere.url})])
    endpoint = _endpoint(receiver, requester)
    now = timezone.now() + timedelta(hours=1)
    delivery = services.endpoint_send_test(endpoint=endpoint, now=now)

    delivery = sending.delivery_attempt(delivery_id=delivery.pk, now=now)

    assert (delivery.state, delivery.status_code) == ("pending", 302)
    assert len(receiver.arrivals) == 1
    assert elsewhere.arrivals == []


def test_only_the_start_of_a_long_answer_is_kept(requester, receivers):
    receiver = receivers([Answer(200, b"x" * 50_000)])
    endpoint = _endpoint(receiver, requester)
    now = timezone.now() + timedelta(hours=1)
    delivery = services.endpoint_send_test(endpoint=endpoint, now=now)

    delivery = sending.delivery_attempt(delivery_id=delivery.pk, now=now)

    assert delivery.state == "succeeded"
    assert delivery.response_body == "x" * RESPONSE_BODY_KEPT


def test_the_sweep_queues_again_a_delivery_whose_job_was_lost(requester, receivers):
    receiver = receivers()
    endpoint = _endpoint(receiver, requester)
    now = timezone.now()
    # Written and committed, but its job never ran (the queue lost it).
    lost = services.endpoint_send_test(endpoint=endpoint, now=now - timedelta(minutes=2))
    recent = services.endpoint_send_test(endpoint=endpoint, now=now - timedelta(seconds=10))

    assert sending.deliveries_requeue_due(now=now) == 1

    lost.refresh_from_db()
    recent.refresh_from_db()
    assert (lost.state, lost.attempt_count) == ("succeeded", 1)
    assert (recent.state, recent.attempt_count) == ("pending", 0)
    assert [arrival.headers["webhook-id"] for arrival in receiver.arrivals] == [lost.message_id]
    assert sending.deliveries_requeue_due(now=now) == 0


def test_a_delivery_is_attempted_once_however_often_its_job_runs(requester, receivers):
    receiver = receivers()
    endpoint = _endpoint(receiver, requester)
    now = timezone.now() + timedelta(hours=1)
    delivery = services.endpoint_send_test(endpoint=endpoint, now=now)

    first = sending.delivery_attempt(delivery_id=delivery.pk, now=now)
    again = sending.delivery_attempt(delivery_id=delivery.pk, now=now)

    assert (first.state, again) == ("succeeded", None)
    assert len(receiver.arrivals) == 1


def test_a_pending_delivery_of_an_endpoint_since_disabled_fails(requester, receivers):
    receiver = receivers()
    endpoint = _endpoint(receiver, requester)
    now = timezone.now() + timedelta(hours=1)
    delivery = services.deliveries_create(
        owner_id=requester.pk, event_type=EventType.ASSIGNMENT_SUBMITTED, data=dict, now=now
    )[0]
    services.endpoint_update(
        endpoint=endpoint, url=endpoint.url, event_types=SUBMITTED, description="", is_active=False
    )

    delivery = sending.delivery_attempt(delivery_id=delivery.pk, now=now)

    assert (delivery.state, delivery.error) == ("failed", "The endpoint is disabled.")
    assert receiver.arrivals == []


def test_a_test_event_reaches_a_disabled_endpoint(requester, receivers):
    receiver = receivers()
    endpoint = _endpoint(receiver, requester)
    services.endpoint_update(
        endpoint=endpoint, url=endpoint.url, event_types=SUBMITTED, description="", is_active=False
    )
    now = timezone.now() + timedelta(hours=1)
    delivery = services.endpoint_send_test(endpoint=endpoint, now=now)

    delivery = sending.delivery_attempt(delivery_id=delivery.pk, now=now)

    assert delivery.state == "succeeded"
    [arrival] = receiver.arrivals
    assert arrival.verified == [True]
    assert arrival.payload == {
        "type": TEST_EVENT,
        "timestamp": payloads.iso(now),
        "data": {"endpoint_id": endpoint.pk, "message": "A test event from microwork."},
    }


def test_a_secret_the_server_can_no_longer_read_fails_the_delivery(requester, receivers, settings):
    receiver = receivers()
    endpoint = _endpoint(receiver, requester)
    now = timezone.now() + timedelta(hours=1)
    delivery = services.endpoint_send_test(endpoint=endpoint, now=now)
    settings.MICROWORK_API_KEY_ENCRYPTION_KEY = "another key, the old one was rotated"

    delivery = sending.delivery_attempt(delivery_id=delivery.pk, now=now)

    assert delivery.state == "failed"
    assert delivery.error.startswith("The endpoint's secret cannot be read")
    assert receiver.arrivals == []


def test_the_purge_deletes_finished_deliveries_older_than_the_log_keeps(requester):
    endpoint, _secret = services.endpoint_create(
        owner=requester, url="https://hooks.example.com/in", event_types=SUBMITTED
    )
    now = timezone.now()
    old = now - sending.KEPT_FOR - timedelta(minutes=1)
    old_done = services.endpoint_send_test(endpoint=endpoint, now=old)
    old_pending = services.endpoint_send_test(endpoint=endpoint, now=old)
    recent_done = services.endpoint_send_test(endpoint=endpoint, now=now - timedelta(days=1))
    Delivery.objects.filter(pk__in=[old_done.pk, recent_done.pk]).update(
        state=DeliveryState.FAILED, next_attempt_at=None
    )

    assert sending.deliveries_purge_finished(now=now) == 1

    assert set(Delivery.objects.values_list("pk", flat=True)) == {old_pending.pk, recent_done.pk}
    assert sending.deliveries_purge_finished(now=now) == 0
