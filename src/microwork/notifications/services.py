"""Notifications: created inside the act that caused them (subscribers.py), mailed after its
commit by the job queue (jobs.py); read, preferences and unsubscribing from the pages.

Every write here is one transaction; a notification's email is queued with on_commit, so an act
that rolls back mails nothing.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.accounts.services import user_email_verify
from microwork.notifications.enums import Delivery, NotificationKind
from microwork.notifications.models import EmailVerification, Notification, Preference


def notify(*, recipient_id: int, kind: NotificationKind, params: dict) -> Notification:
    """Record that `kind` happened to the user `recipient_id`: one INSERT in the act's
    transaction. After the commit one job takes every notification the transaction made,
    applies each recipient's preference and mails those wanted at once (jobs.py)."""
    notification = Notification.objects.create(recipient_id=recipient_id, kind=kind, params=params)
    _after_commit(notification.pk)
    return notification


def notify_many(*, notes: list[tuple[int, NotificationKind, dict]]) -> list[Notification]:
    """notify() for many at once (a bulk review's): (recipient id, kind, params) each, written
    by one INSERT (a few on SQLite, which caps a statement's parameters)."""
    created = Notification.objects.bulk_create(
        Notification(recipient_id=recipient_id, kind=kind, params=params)
        for recipient_id, kind, params in notes
    )
    for notification in created:
        _after_commit(notification.pk)
    return created


class _Batch:
    """The notifications one transaction made, queued as one job when it commits."""

    def __init__(self):
        self.ids: list[int] = []
        self.is_flushed = False

    def flush(self) -> None:
        if self.is_flushed:
            return
        self.is_flushed = True
        self.send(self.ids)

    @staticmethod
    def send(ids: list[int]) -> None:
        from microwork.notifications import jobs

        jobs.notifications_email(list(ids))


def _after_commit(notification_id: int) -> None:
    """Queue one job for all the notifications of the current transaction, after it commits.

    Each notification registers the batch's flush (the first to run sends them all, the others
    do nothing), so a flush discarded with a savepoint still leaves one to run. A batch whose
    flush is registered nowhere belongs to a transaction that rolled back: a new one starts.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:  # autocommit: the row is committed already
        _Batch.send([notification_id])
        return
    batch = getattr(connection, "microwork_notifications", None)
    if (
        batch is None
        or batch.is_flushed
        # The latest registration is usually among the last callbacks: look from the end.
        or not any(
            callback == batch.flush
            for _savepoints, callback, _robust in reversed(connection.run_on_commit)
        )
    ):
        batch = _Batch()
        connection.microwork_notifications = batch
    batch.ids.append(notification_id)
    # robust: a queue that cannot take the job logs it, and the act it follows stays done; the
    # daily job mails what is left unsent (jobs.unsent_requeue).
    transaction.on_commit(batch.flush, robust=True)


@transaction.atomic
def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    """Mark one of `user`'s notifications read (another's: Notification.DoesNotExist)."""
    locked = Notification.objects.select_for_update().get(pk=notification.pk, recipient=user)
    if locked.read_at is None:
        locked.read_at = timezone.now()
        locked.save(update_fields=["read_at"])
    return locked


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of `user` read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preference_set(*, user: User, kind: str, delivery: str) -> Preference:
    """How `user` gets `kind` by email from now on (notifications already made keep theirs)."""
    if kind not in NotificationKind.values:
        raise ValidationError({"kind": _("Unknown kind of notification.")})
    if delivery not in Delivery.values:
        raise ValidationError({"delivery": _("Choose at once, daily digest or no email.")})
    preference, _created = Preference.objects.update_or_create(
        user=user, kind=kind, defaults={"delivery": delivery}
    )
    return preference


@transaction.atomic
def preferences_set(*, user: User, deliveries: dict[str, str]) -> None:
    for kind, delivery in deliveries.items():
        preference_set(user=user, kind=kind, delivery=delivery)


@transaction.atomic
def unsubscribe(*, user: User, kind: str | None) -> None:
    """Stop the emails of `kind` (None: of every kind) to `user`; what is already queued for a
    digest is not sent either."""
    kinds = [kind] if kind else list(NotificationKind.values)
    for each in kinds:
        preference_set(user=user, kind=each, delivery=Delivery.OFF)
    Notification.objects.filter(
        recipient=user, kind__in=kinds, delivery=Delivery.DIGEST, emailed_at__isnull=True
    ).update(delivery=Delivery.OFF)


@transaction.atomic
def email_verify(*, user: User, email: str) -> EmailVerification:
    """Record that `user` read the verification link sent to `email`. Refused when the address
    changed since the link was sent."""
    # The account's own flag (accounts.User.email_verified_at) is what the use cases read;
    # this row keeps which address was proved and when.
    user = user_email_verify(user=user, email=email)
    verification, _created = EmailVerification.objects.update_or_create(
        user=user, defaults={"email": user.email, "verified_at": user.email_verified_at}
    )
    return verification


def is_email_verified(user: User) -> bool:
    return user.email_verified_at is not None


def email_verification_send(*, user: User) -> None:
    """Mail `user` a link that proves they read their address; sent after the commit."""
    from microwork.notifications import jobs, mail

    jobs.queue_message(mail.verification_message(user))


def email_in_use_notice_send(*, user: User, attempt: str) -> None:
    """Tell the owner of an address that someone tried to sign up with it (`attempt`
    "signup") or to move another account to it ("change"): the page answered that person as
    if it had worked, so this mail is the only place the truth goes. Sent after the commit."""
    from microwork.notifications import jobs, mail

    jobs.queue_message(mail.email_in_use_message(user, attempt=attempt))


def email_changed_notice_send(*, user: User, old_email: str) -> None:
    """Tell the previous address of `user` that the account's address changed (a stolen
    session changing the address is then seen by its owner). Sent after the commit."""
    from microwork.notifications import jobs, mail

    jobs.queue_message(mail.email_changed_message(user, old_email=old_email))


MAX_MESSAGE_WORKERS = 100


@transaction.atomic
def workers_message(
    *, requester: User, worker_ids: list[str], subject: str, message: str
) -> dict[str, str]:
    """Send `requester`'s message to each worker (by worker id) whose work they approved or
    rejected (MTurk's rule for NotifyWorkers): a notification on the site, mailed after the
    commit as the worker's preference says. Returns {worker id: why not sent} for the others,
    as MTurk reports per-worker failures; a mail that fails later is retried by the queue."""
    from microwork.work.enums import AssignmentState
    from microwork.work.models import Assignment

    reviewed = dict(
        Assignment.objects.filter(
            task__batch__project__requester=requester,
            worker__worker_id__in=worker_ids,
            state__in=[AssignmentState.APPROVED, AssignmentState.REJECTED],
        )
        .values_list("worker__worker_id", "worker_id")
        .distinct()
    )
    failures = {}
    for worker_id in dict.fromkeys(worker_ids):
        recipient_id = reviewed.get(worker_id)
        if recipient_id is None:
            failures[worker_id] = (
                "You can only send messages to workers whose work you have approved or rejected."
            )
            continue
        notify(
            recipient_id=recipient_id,
            kind=NotificationKind.REQUESTER_MESSAGE,
            params={"requester": requester.public_name, "subject": subject, "message": message},
        )
    return failures
