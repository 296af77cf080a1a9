"""The webhooks' reads."""

import json

from django.db import connection
from django.db.models import QuerySet

from microwork.common.compiled import prepared_cursor
from microwork.webhooks.models import Delivery, WebhookEndpoint

# Every submit runs this (tests/work/test_query_counts.py counts it), almost always to find
# nothing: plain SQL on the (owner, is_active) index, prepared once per connection on
# PostgreSQL, so the ORM does not write it again each time (docs/adr/0021 has the figures).
_SUBSCRIBED_SQL = (
    f"SELECT id, event_types FROM {WebhookEndpoint._meta.db_table} "
    "WHERE owner_id = %s AND is_active"  # nosec B608  # table and column names from the models; values are bound parameters
)


def endpoint_ids_subscribed(*, owner_id: int, event_type: str) -> list[int]:
    """The owner's active endpoints that subscribe to `event_type`. An owner has at most
    MAX_ENDPOINTS_PER_OWNER, so the subscription is read in Python (a JSON list's
    containment has no portable index)."""
    with prepared_cursor(connection) as cursor:
        cursor.execute(_SUBSCRIBED_SQL, [owner_id])
        rows = cursor.fetchall()
    # PostgreSQL's driver decodes jsonb; SQLite hands back the text.
    return [
        pk
        for pk, event_types in rows
        if event_type in (json.loads(event_types) if isinstance(event_types, str) else event_types)
    ]


def endpoints_of(owner) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(owner=owner).order_by("pk")


def deliveries_of(endpoint: WebhookEndpoint) -> QuerySet[Delivery]:
    """The endpoint's delivery log, newest first, without the payloads and answers."""
    return (
        Delivery.objects.filter(endpoint=endpoint).order_by("-pk").defer("payload", "response_body")
    )
