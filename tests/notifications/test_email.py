"""Email through a real SMTP server started by the test: what arrived, its headers, both
languages, preferences, the daily digest, a failed delivery tried again, the unsubscribe link."""

import pytest
from django.test import Client
from django.urls import reverse

from microwork.notifications import jobs, services
from microwork.notifications.enums import Delivery, NotificationKind
from microwork.notifications.models import Notification, Preference
from microwork.work import services as work
from tests.accounts.factories import WorkerFactory
from tests.notifications.conftest import html_of, text_of
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


def _reject(worker, reason="The answer is empty."):
    assignment = SubmittedAssignmentFactory(worker=worker, task__batch__project__title="Tweets")
    work.assignment_reject(
        assignment=assignment, requester=assignment.task.batch.project.requester, reason=reason
    )
    return assignment


def test_a_rejection_is_mailed_once_after_the_commit_with_its_headers(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    worker = WorkerFactory(email="ana@example.org")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _reject(worker)
        assert smtp.messages == []  # nothing before the commit
    for callback in callbacks:
        callback()

    [(rcpts, message)] = smtp.messages
    assert rcpts == ["ana@example.org"]
    assert message["To"] == "ana@example.org"
    assert message["From"] == "microwork <noreply@example.org>"
    assert message["Subject"] == "[microwork] Work rejected"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(message["List-Unsubscribe"]).strip().strip("<>")
    assert unsubscribe.startswith("https://microwork.example/notifications/unsubscribe/")
    assert (
        "Your work on “Tweets” was rejected, and you may appeal. Reason: The answer is empty."
        in text_of(message)
    )
    assert unsubscribe in text_of(message)
    assert f'href="{unsubscribe}"' in html_of(message)
    notification = Notification.objects.get(recipient=worker)
    assert (notification.delivery, notification.emailed_at is not None) == (
        Delivery.IMMEDIATE,
        True,
    )


def test_a_french_worker_gets_the_mail_in_french(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    worker = WorkerFactory(email="lea@example.org", language="fr")

    with django_capture_on_commit_callbacks(execute=True):
        _reject(worker, reason="Réponse vide.")

    [(_rcpts, message)] = smtp.messages
    assert message["Subject"] == "[microwork] Travail refusé"
    body = text_of(message)
    assert (
        "Votre travail sur « Tweets » a été refusé, et vous pouvez faire un recours. Motif : Réponse vide."
        in body
    )
    assert "Ne plus recevoir ces e-mails" in body
    assert "Ne plus recevoir ces e-mails" in html_of(message)
    assert '<html lang="fr">' in html_of(message)


def test_preference_off_sends_nothing_but_the_notification_shows(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    worker = WorkerFactory()
    services.preference_set(
        user=worker, kind=NotificationKind.ASSIGNMENT_REJECTED, delivery=Delivery.OFF
    )

    with django_capture_on_commit_callbacks(execute=True):
        _reject(worker)
    jobs.digests_send()

    assert smtp.messages == []
    assert Notification.objects.get(recipient=worker).delivery == Delivery.OFF


def test_the_digest_gathers_a_days_notifications_into_one_mail(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    worker = WorkerFactory(email="dig@example.org")
    services.preference_set(
        user=worker, kind=NotificationKind.ASSIGNMENT_REJECTED, delivery=Delivery.DIGEST
    )
    with django_capture_on_commit_callbacks(execute=True):
        _reject(worker, reason="First reason.")
        _reject(worker, reason="Second reason.")
        # Approvals come in the digest by default.
        approved = SubmittedAssignmentFactory(worker=worker)
        work.assignment_approve(
            assignment=approved, requester=approved.task.batch.project.requester
        )
    assert smtp.messages == []

    assert jobs.digests_send() == 1
    assert jobs.digests_send() == 0

    [(rcpts, message)] = smtp.messages
    assert rcpts == ["dig@example.org"]
    assert message["Subject"] == "[microwork] Your day on microwork: 3 notifications"
    body = text_of(message)
    assert "First reason." in body and "Second reason." in body and "was approved" in body
    assert (
        str(message["List-Unsubscribe"])
        .strip()
        .startswith("<https://microwork.example/notifications/")
    )
    assert not Notification.objects.filter(recipient=worker, emailed_at__isnull=True).exists()


def test_a_refused_delivery_is_tried_again_and_sent_once(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    worker = WorkerFactory(email="retry@example.org")
    smtp.refuse = True
    with django_capture_on_commit_callbacks(execute=True):
        _reject(worker)
    notification = Notification.objects.get(recipient=worker)
    assert notification.emailed_at is None
    assert smtp.messages == []

    # What huey's retry runs: the same job, with the same ids.
    smtp.refuse = False
    jobs.notifications_email.call_local([notification.pk])
    jobs.notifications_email.call_local([notification.pk])

    assert [rcpts for rcpts, _message in smtp.messages] == [["retry@example.org"]]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_the_job_raises_when_delivery_fails_so_the_queue_retries(smtp):
    worker = WorkerFactory()
    notification = services.notify(
        recipient_id=worker.pk, kind=NotificationKind.PAYOUT_PAID, params={"amount_cents": 700}
    )
    smtp.refuse = True

    with pytest.raises(Exception, match="Try again later"):
        jobs.notifications_email.call_local([notification.pk])

    notification.refresh_from_db()
    assert (notification.delivery, notification.emailed_at) == (Delivery.IMMEDIATE, None)
    assert jobs.notifications_email.retries == jobs.RETRIES


def test_the_unsubscribe_link_of_a_mail_works_without_logging_in(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    worker = WorkerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _reject(worker)
    [(_rcpts, message)] = smtp.messages
    path = (
        str(message["List-Unsubscribe"])
        .strip()
        .strip("<>")
        .removeprefix("https://microwork.example")
    )
    client = Client()

    page = client.get(path)
    assert page.status_code == 200
    assert not Preference.objects.filter(user=worker).exists()  # a GET never writes

    done = client.post(path)  # as a mail client's one-click POST: no session, no CSRF token
    assert done.status_code == 200
    assert Preference.objects.get(user=worker).delivery == Delivery.OFF
    assert Preference.objects.get(user=worker).kind == NotificationKind.ASSIGNMENT_REJECTED

    with django_capture_on_commit_callbacks(execute=True):
        _reject(worker)
    assert len(smtp.messages) == 1


def test_mturk_notify_workers_delivers_through_the_notifications(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    from microwork.mturk import services as mturk

    worker = WorkerFactory(email="turk@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assignment = _reject(worker)
    smtp.messages.clear()
    requester = assignment.task.batch.project.requester
    stranger = WorkerFactory()

    with django_capture_on_commit_callbacks(execute=True):
        failures = mturk.workers_notify(
            requester=requester,
            subject="A new batch",
            message="We published more tweets.",
            worker_ids=[worker.worker_id, stranger.worker_id],
        )

    assert list(failures) == [stranger.worker_id]
    [(rcpts, message)] = smtp.messages
    assert rcpts == ["turk@example.org"]
    assert message["Subject"] == "[microwork] A new batch"
    assert "We published more tweets." in text_of(message)
    assert not Notification.objects.filter(recipient=stranger).exists()


def test_signing_up_mails_a_verification_link_that_confirms_the_address(
    smtp, immediate_queue, django_capture_on_commit_callbacks
):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:signup"),
            {
                "email": "new@example.org",
                "password": "a long enough passphrase 42",
                "role": "worker",
                "display_name": "",
            },
        )
    assert response.status_code == 302, response.content[:500]
    [(rcpts, message)] = smtp.messages
    assert rcpts == ["new@example.org"]
    assert message["Subject"] == "[microwork] Confirm your email address"
    assert "List-Unsubscribe" not in message
    link = next(line for line in text_of(message).splitlines() if "/notifications/verify/" in line)
    path = link.strip().removeprefix("https://microwork.example")
    from microwork.notifications.models import EmailVerification

    anonymous = Client()
    assert anonymous.get(path).status_code == 200
    assert not EmailVerification.objects.exists()
    assert anonymous.post(path).status_code == 200
    assert EmailVerification.objects.get().email == "new@example.org"


def test_the_daily_job_sends_what_a_lost_job_left_unsent(smtp, immediate_queue):
    from datetime import timedelta

    from django.utils import timezone

    worker = WorkerFactory(email="lost@example.org")
    lost = Notification.objects.create(
        recipient=worker,
        kind=NotificationKind.PAYOUT_PAID,
        params={"amount_cents": 700, "currency": "EUR"},
        delivery=Delivery.IMMEDIATE,
    )
    fresh = Notification.objects.create(
        recipient=worker, kind=NotificationKind.PAYOUT_PAID, params={}, delivery=Delivery.IMMEDIATE
    )
    Notification.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=2))

    assert jobs.daily_digest.call_local() == {"digests": 0, "requeued": 1}

    assert [rcpts for rcpts, _message in smtp.messages] == [["lost@example.org"]]
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.emailed_at is not None, fresh.emailed_at) == (True, None)
