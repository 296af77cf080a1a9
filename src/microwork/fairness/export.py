"""Everything the platform holds about a worker, as JSON and CSV in one zip file.

The same tables are in both: `data.json` has them all, and each has its CSV. Answers are in
the JSON as they were stored and in the CSV as JSON text; CSV cells are made safe from
spreadsheet formulas by common.csvsafe.
"""

import io
import json
import zipfile

from microwork.accounts.models import WorkerProfile
from microwork.common.csvsafe import csv_lines
from microwork.fairness.models import Appeal, RequesterRating
from microwork.payments.models import LedgerEntry, Payout
from microwork.quality.models import RuleAction, WorkerBlock, WorkerQualification
from microwork.work.models import Assignment


def _time(value) -> str:
    return value.isoformat() if value else ""


def worker_data(worker) -> dict[str, list[dict]]:
    """Every table about `worker`: one list of flat rows per table."""
    profile = WorkerProfile.objects.filter(user=worker).first()
    account = [
        {
            "worker_id": worker.worker_id,
            "email": worker.email,
            "display_name": worker.display_name,
            "date_joined": _time(worker.date_joined),
            "country": profile.country if profile else "",
            "subdivision": profile.subdivision if profile else "",
            "is_adult": bool(profile and profile.is_adult),
            "is_master": bool(profile and profile.is_master),
        }
    ]
    assignments = [
        {
            "assignment_id": a.public_id,
            "task_id": a.task.public_id,
            "project": a.task.batch.project.title,
            "requester": a.task.batch.project.requester.public_name,
            "state": a.state,
            "accepted_at": _time(a.accepted_at),
            "submitted_at": _time(a.submitted_at),
            "ended_at": _time(a.ended_at),
            "reviewed_at": _time(a.reviewed_at),
            "work_seconds": a.work_seconds,
            "is_auto_approved": a.is_auto_approved,
            "feedback": a.feedback,
            "answers": a.answers,
        }
        for a in Assignment.objects.filter(worker=worker)
        .select_related("task__batch__project__requester")
        .order_by("accepted_at", "pk")
    ]
    ledger = [
        {
            "date": _time(entry.posting.created_at),
            "kind": entry.posting.kind,
            "account": entry.account.kind,
            "amount_cents": entry.amount_cents,
            "currency": entry.currency,
            "assignment_id": entry.posting.assignment.public_id if entry.posting.assignment else "",
            "memo": entry.posting.memo,
        }
        for entry in LedgerEntry.objects.filter(account__owner=worker)
        .select_related("posting__assignment", "account")
        .order_by("pk")
    ]
    payouts = [
        {
            "requested_at": _time(p.requested_at),
            "amount_cents": p.amount_cents,
            "currency": p.currency,
            "state": p.state,
            "settled_at": _time(p.settled_at),
            "external_reference": p.external_reference,
        }
        for p in Payout.objects.filter(worker=worker).order_by("requested_at", "pk")
    ]
    ratings = [
        {
            "requester": r.requester.public_name,
            "fair": r.fair,
            "fast": r.fast,
            "pay": r.pay,
            "communication": r.communication,
            "updated_at": _time(r.updated_at),
        }
        for r in RequesterRating.objects.filter(worker=worker).select_related("requester")
    ]
    appeals = [
        {
            "appeal_id": a.public_id,
            "subject": a.subject,
            "requester": a.requester.public_name,
            "assignment_id": a.assignment.public_id if a.assignment else "",
            # The number in the action's appeal link, as in rule_actions.
            "rule_action_id": a.rule_action_id or "",
            "appealed_reason": a.appealed_reason,
            "message": a.message,
            "state": a.state,
            "opened_at": _time(a.opened_at),
            "decided_at": _time(a.decided_at),
            "decided_by": a.decided_by,
            "answer": a.answer,
        }
        for a in Appeal.objects.filter(worker=worker).select_related("requester", "assignment")
    ]
    qualifications = [
        {
            "qualification": q.qualification_type.name,
            "from": q.qualification_type.owner.public_name,
            "value": q.integer_value,
            "status": q.status,
            "granted_at": _time(q.granted_at),
            "revoked_at": _time(q.revoked_at),
            "revoke_reason": q.revoke_reason,
        }
        for q in WorkerQualification.objects.filter(worker=worker).select_related(
            "qualification_type__owner"
        )
    ]
    blocks = [
        {"requester": b.requester.public_name, "reason": b.reason, "date": _time(b.created_at)}
        for b in WorkerBlock.objects.filter(worker=worker).select_related("requester")
    ]
    rule_actions = [
        {
            "rule_action_id": r.pk,
            "project": r.project.title,
            "action": r.action,
            "reason": r.reason,
            "observed_percent": r.observed_percent,
            "observations": r.observations,
            "date": _time(r.created_at),
            "lifted_at": _time(r.lifted_at),
        }
        for r in RuleAction.objects.filter(worker=worker)
        .select_related("project")
        .order_by("created_at", "pk")
    ]
    return {
        "account": account,
        "assignments": assignments,
        "ledger": ledger,
        "payouts": payouts,
        "ratings": ratings,
        "appeals": appeals,
        "qualifications": qualifications,
        "blocks": blocks,
        "rule_actions": rule_actions,
    }


# Each table's columns, in order: its CSV has this header even when the worker has no row.
COLUMNS = {
    "account": [
        "worker_id",
        "email",
        "display_name",
        "date_joined",
        "country",
        "subdivision",
        "is_adult",
        "is_master",
    ],
    "assignments": [
        "assignment_id",
        "task_id",
        "project",
        "requester",
        "state",
        "accepted_at",
        "submitted_at",
        "ended_at",
        "reviewed_at",
        "work_seconds",
        "is_auto_approved",
        "feedback",
        "answers",
    ],
    "ledger": ["date", "kind", "account", "amount_cents", "currency", "assignment_id", "memo"],
    "payouts": [
        "requested_at",
        "amount_cents",
        "currency",
        "state",
        "settled_at",
        "external_reference",
    ],
    "ratings": ["requester", "fair", "fast", "pay", "communication", "updated_at"],
    "appeals": [
        "appeal_id",
        "subject",
        "requester",
        "assignment_id",
        "rule_action_id",
        "appealed_reason",
        "message",
        "state",
        "opened_at",
        "decided_at",
        "decided_by",
        "answer",
    ],
    "qualifications": [
        "qualification",
        "from",
        "value",
        "status",
        "granted_at",
        "revoked_at",
        "revoke_reason",
    ],
    "blocks": ["requester", "reason", "date"],
    "rule_actions": [
        "rule_action_id",
        "project",
        "action",
        "reason",
        "observed_percent",
        "observations",
        "date",
        "lifted_at",
    ],
}


def _csv(name: str, rows: list[dict]) -> str:
    header = COLUMNS[name]
    body = [
        [
            json.dumps(row[name]) if isinstance(row[name], dict | list) else row[name]
            for name in header
        ]
        for row in rows
    ]
    return "".join(csv_lines([header, *body]))


def worker_data_zip(worker) -> bytes:
    """A zip of data.json and one CSV per table."""
    data = worker_data(worker)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
        for name, rows in data.items():
            archive.writestr(f"{name}.csv", _csv(name, rows))
    return buffer.getvalue()
