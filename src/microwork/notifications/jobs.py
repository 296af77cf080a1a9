"""The mail jobs, run by the job queue (huey, docs/adr/0009, docs/adr/0022), always queued
after the commit of the act that caused them. A delivery that fails (the SMTP server down,
refusing) raises, and huey runs the job again later; a notification is marked emailed only
once its mail was accepted, so a retry never mails twice what was sent."""

import logging
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from microwork.notifications import mail
from microwork.notifications.enums import Delivery
from microwork.notifications.models import Notification
from microwork.notifications.selectors import deliveries_for

log = logging.getLogger(__name__)

RETRIES = 5
RETRY_DELAY = 120  # seconds
UNSENT_AFTER = timedelta(hours=1)


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY)
def notifications_email(notification_ids: list[int]) -> dict:
    """Apply each recipient's preference to these new notifications and mail those wanted at
    once; the digest's wait for daily_digest. A failed mail raises once the others are sent,
    so huey runs the job again and mails only what is still unsent."""
    decide_deliveries(notification_ids)
    due = list(
        Notification.objects.select_related("recipient")
        .filter(pk__in=notification_ids, delivery=Delivery.IMMEDIATE, emailed_at__isnull=True)
        .order_by("pk")
    )
    failed = None
    for notification in due:
        try:
            mail.notification_message(notification).send()
        except Exception as error:  # noqa: BLE001 - the others still go; the retry takes this
            failed = error
            continue
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    if failed is not None:
        raise failed
    return {"sent": len(due)}


def decide_deliveries(notification_ids: list[int]) -> None:
    """Set the delivery of the pending ones among `notification_ids` from their recipients'
    preferences."""
    pending = list(
        Notification.objects.filter(pk__in=notification_ids, delivery=Delivery.PENDING).values_list(
            "pk", "recipient_id", "kind"
        )
    )
    if not pending:
        return
    chosen = deliveries_for([user for _pk, user, _kind in pending], [kind for *_, kind in pending])
    by_delivery: dict[str, list[int]] = {}
    for pk, user, kind in pending:
        by_delivery.setdefault(chosen[(user, kind)], []).append(pk)
    for delivery, pks in by_delivery.items():
        Notification.objects.filter(pk__in=pks, delivery=Delivery.PENDING).update(delivery=delivery)


def digests_send(*, now=None) -> int:
    """Mail each person one digest of their notifications set to the daily digest and not yet
    mailed, made before `now`. A failure for one person is logged and left for the next run;
    returns how many digests went out."""
    now = now or timezone.now()
    # Any left pending (their job lost or still queued) are decided now.
    decide_deliveries(
        list(
            Notification.objects.filter(delivery=Delivery.PENDING, created_at__lt=now).values_list(
                "pk", flat=True
            )
        )
    )
    due = Notification.objects.filter(
        delivery=Delivery.DIGEST, emailed_at__isnull=True, created_at__lt=now
    )
    sent = 0
    for recipient_id in list(due.values_list("recipient", flat=True).distinct().order_by()):
        with transaction.atomic():
            notifications = list(
                due.filter(recipient_id=recipient_id)
                .select_related("recipient")
                .select_for_update(of=("self",))
                .order_by("created_at", "pk")
            )
            if not notifications:
                continue
            try:
                mail.digest_message(notifications[0].recipient, notifications).send()
            except Exception:  # noqa: BLE001 - one person's failure must not stop the others
                log.exception("digest for user %s not sent; next run tries again", recipient_id)
                continue
            Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(emailed_at=now)
            sent += 1
    return sent


def unsent_requeue(*, now=None) -> int:
    """Queue again the mails wanted at once that are still unsent an hour after they were made
    (their job was lost, or ran out of retries); returns how many."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            delivery=Delivery.IMMEDIATE,
            emailed_at__isnull=True,
            created_at__lt=now - UNSENT_AFTER,
        ).values_list("pk", flat=True)
    )
    if ids:
        notifications_email(ids)
    return len(ids)


@db_periodic_task(crontab(hour="6", minute="0"))
def daily_digest() -> dict:
    """Every day at 06:00 UTC (huey schedules in UTC): the previous day's digests, and the mails
    wanted at once that are still unsent."""
    return {"digests": digests_send(), "requeued": unsent_requeue()}


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY)
def mail_send(*, to: str, subject: str, body: str, html: str, headers: dict | None = None) -> str:
    """A mail rendered by the caller (a password reset, a verification link)."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to], headers=headers or {})
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    return "sent"


def queue_mail(*, to: str, subject: str, body: str, html: str = "", headers=None) -> None:
    """Send this mail from the job queue once the current transaction commits."""
    transaction.on_commit(
        lambda: mail_send(to=to, subject=subject, body=body, html=html, headers=headers or {})
    )


def queue_message(message: EmailMultiAlternatives) -> None:
    """queue_mail() for a message built by mail.py."""
    html = next((content for content, kind in message.alternatives if kind == "text/html"), "")
    queue_mail(
        to=message.to[0],
        subject=message.subject,
        body=message.body,
        html=html,
        headers=dict(message.extra_headers),
    )
