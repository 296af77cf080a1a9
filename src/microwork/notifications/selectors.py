"""Reads of notifications for the pages."""

from microwork.accounts.models import User
from microwork.notifications import messages
from microwork.notifications.enums import (
    DEFAULT_DELIVERY,
    REQUESTER_KINDS,
    WORKER_KINDS,
    Delivery,
)
from microwork.notifications.models import Notification, Preference


def unread_count(user: User) -> int:
    """One COUNT on the partial index of unread rows (the header's figure)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_of(user: User):
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def shown(notifications) -> list[dict]:
    """Each notification with its words in the active language."""
    return [
        {
            "notification": notification,
            "message": messages.render(notification.kind, notification.params),
        }
        for notification in notifications
    ]


def kinds_for(user: User) -> tuple:
    if user.is_worker:
        return WORKER_KINDS
    if user.is_requester:
        return REQUESTER_KINDS
    return ()


def preferences_of(user: User) -> dict[str, str]:
    """{kind: delivery} for every kind `user` can get, defaults included."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "delivery"))
    return {
        kind: chosen.get(kind, DEFAULT_DELIVERY.get(kind, Delivery.IMMEDIATE))
        for kind in kinds_for(user)
    }


def deliveries_for(user_ids, kinds) -> dict[tuple[int, str], str]:
    """{(user id, kind): delivery} for every pair of `user_ids` and `kinds`, defaults included."""
    chosen = {
        (user_id, kind): delivery
        for user_id, kind, delivery in Preference.objects.filter(
            user_id__in=set(user_ids), kind__in=set(kinds)
        ).values_list("user_id", "kind", "delivery")
    }
    return {
        (user_id, kind): chosen.get((user_id, kind), DEFAULT_DELIVERY.get(kind, Delivery.IMMEDIATE))
        for user_id in set(user_ids)
        for kind in set(kinds)
    }
