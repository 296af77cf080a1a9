"""What a delivery says: `{"type": ..., "timestamp": ..., "data": {...}}`, the Standard
Webhooks payload shape. `data` holds ids and a few facts, enough to fetch the rest through
/api/v1 (docs/webhooks.md lists each event's fields); never anything of another requester."""

import json
from datetime import UTC, datetime

from django.conf import settings

from microwork.fairness.models import Appeal
from microwork.projects.models import Batch


def iso(moment: datetime | None) -> str | None:
    """UTC, to the second, with a Z: 2026-12-06T13:55:04Z."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def envelope(*, event_type: str, now: datetime, data: dict) -> dict:
    return {"type": event_type, "timestamp": iso(now), "data": data}


def assignment_submitted(assignment) -> dict:
    """`assignment` with its task, batch and project loaded (the submit's locked row)."""
    task = assignment.task
    batch = task.batch
    return {
        "assignment_id": assignment.public_id,
        "task_id": task.public_id,
        "batch_id": batch.pk,
        "project_id": batch.project.public_id,
        "worker_id": assignment.worker.worker_id,
        "state": assignment.state,
        "submitted_at": iso(assignment.submitted_at),
    }


def batch_finished(batch_id: int) -> dict:
    from_db = Batch.objects.select_related("project").only("name", "project__public_id")
    batch = from_db.get(pk=batch_id)
    return {"batch_id": batch.pk, "project_id": batch.project.public_id, "name": batch.name}


def appeal_opened(appeal_id: int) -> dict:
    appeal = Appeal.objects.select_related("worker", "assignment").get(pk=appeal_id)
    return {
        "appeal_id": appeal.public_id,
        "subject": appeal.subject,
        # The worker's pseudonym, as every requester page and the API name workers.
        "worker_id": appeal.worker.worker_id,
        "assignment_id": appeal.assignment.public_id if appeal.assignment_id else None,
        "answer_due_at": iso(appeal.answer_due_at),
    }


def balance_low(*, currency: str, available_cents: int) -> dict:
    return {
        "currency": currency,
        "available_cents": available_cents,
        "threshold_cents": settings.MICROWORK_BALANCE_LOW_CENTS,
    }


def payload_bytes(payload: dict) -> bytes:
    """The body sent: the same bytes on every attempt, whatever the database did to the key
    order of the stored JSON."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
