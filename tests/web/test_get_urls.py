"""Every address of the project, GET by every role: the authorization matrix, and no write on
a GET (issue #15).

The addresses are walked from the project's resolver, so a new page cannot be left out: the
names URLS fills must be every route name but the admin's. Each address is filled from one
seeded world (a requester's project and batches with assignments in every state, some past
their deadline or their auto-approval time, an ended batch with escrow due back, an overdue
appeal, a block, a quality rule's action, a qualification type, a payout, an MTurk key, a
worker's photo) and requested by each role under a guard that fails on any write but the
session's and the credentials' last use (tests/web/guard.py). MATRIX holds each cell's exact
answer; the world is then checked to hold everything that was due, still unsettled.
"""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.views.static import serve

from microwork.fairness import services as fairness
from microwork.fairness.enums import AppealState
from microwork.fairness.models import Appeal
from microwork.mturk import services as mturk
from microwork.notifications.tokens import unsubscribe_token, verify_token
from microwork.payments import banking
from microwork.payments import services as payments
from microwork.payments.models import CardDeposit, PayoutFile, Receipt
from microwork.projects.enums import TemplateKind
from microwork.projects.models import Batch
from microwork.projects.tasktypes.field_photo import STORAGE_PREFIX
from microwork.quality import services as quality
from microwork.quality.enums import QualificationRequestState, RuleActionKind
from microwork.quality.models import QualificationRequest
from microwork.webhooks import services as webhooks
from microwork.work import services as work
from microwork.work.enums import AssignmentState
from microwork.work.frame import frame_token
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.fairness.factories import rule_action
from tests.payments.factories import fund
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.quality.factories import QualificationTypeFactory
from tests.quality.test_qualification_tests import question_form, selection
from tests.web.guard import forbid_writes
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

# Who asks: nobody; the worker whose assignments, appeal, block and rule action the world
# holds; a worker with nothing; the requester who owns the projects; a requester with nothing;
# platform staff (a requester account with is_staff, owning nothing).
ROLES = ("anonymous", "worker", "other_worker", "owner", "other_requester", "staff")


# --- every route name --------------------------------------------------------------------


def route_names(patterns=None, namespace: str = "") -> set[str]:
    """Every named route under `patterns` (the project's), nested ones included, but the
    admin's. An address without a name could not be listed here: only the media files'
    may have none."""
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = pattern.namespace or ""
            names |= route_names(
                pattern.url_patterns, ":".join(part for part in (namespace, inner) if part)
            )
        elif isinstance(pattern, URLPattern):
            if pattern.name is None:
                assert pattern.callback is serve, f"{pattern.pattern} has no name"
                continue
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


# --- the world -----------------------------------------------------------------------------


@dataclass
class World:
    users: dict
    project: object
    batch: object
    ended_batch: object
    open_assignment: object
    overdue: object
    approval_due: object
    submitted: object
    rejected: object
    appeal: object
    photo: object
    blocker: object
    action: object
    qualification_type: object
    access_key: object
    ended_escrow_cents: int
    webhook_endpoint: object = None
    webhook_delivery: object = None
    card_deposit: object = None
    receipt: object = None
    test_type: object = None
    test_attempt: object = None
    test_request: object = None
    bank_statement: object = None
    bank_line: object = None
    payout_file: object = None


PHOTO_CONFIG = {
    "place_column": "place",
    "latitude_column": "lat",
    "longitude_column": "lon",
    "radius_m": 200,
    "max_mb": 1,
}


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.MICROWORK_PAYOUT_THRESHOLD_CENTS = 50
    now = timezone.now()
    owner = RequesterFactory()
    worker = WorkerFactory()
    users = {
        "anonymous": None,
        "worker": worker,
        "other_worker": WorkerFactory(),
        "owner": owner,
        "other_requester": RequesterFactory(),
        "staff": UserFactory(role="requester", is_staff=True),
    }
    fund(owner, 10_000)
    project = ProjectFactory(requester=owner)
    batch = PublishedBatchFactory(project=project)
    tasks = [TaskFactory(batch=batch, row_number=row + 2) for row in range(8)]
    Batch.objects.filter(pk=batch.pk).update(task_count=len(tasks))
    # The worker's: one paid out, one accepted, one submitted, one rejected, one rejected and
    # appealed (the requester let the answer window pass), one past its auto-approval time.
    paid = SubmittedAssignmentFactory(task=tasks[0], worker=worker)
    work.assignment_approve(assignment=paid, requester=owner)
    payments.payout_request(worker=worker, request_key="seed")
    open_assignment = AssignmentFactory(task=tasks[1], worker=worker)
    submitted = SubmittedAssignmentFactory(
        task=tasks[2], worker=worker, auto_approval_due_at=now + timedelta(days=3)
    )
    rejected = SubmittedAssignmentFactory(task=tasks[3], worker=worker)
    work.assignment_reject(assignment=rejected, requester=owner, reason="Off topic.")
    appealed = SubmittedAssignmentFactory(task=tasks[4], worker=worker)
    work.assignment_reject(assignment=appealed, requester=owner, reason="Too short.")
    appeal = fairness.appeal_rejection_open(
        worker=worker, assignment=appealed, message="It answers the question."
    )
    Appeal.objects.filter(pk=appeal.pk).update(answer_due_at=now - timedelta(minutes=1))
    approval_due = SubmittedAssignmentFactory(
        task=tasks[5], worker=worker, auto_approval_due_at=now - timedelta(minutes=1)
    )
    # Other workers': past its deadline, returned, expired.
    overdue = AssignmentFactory(
        task=tasks[1], accepted_at=now - timedelta(hours=2), deadline=now - timedelta(hours=1)
    )
    AssignmentFactory(task=tasks[2], state=AssignmentState.RETURNED, ended_at=now)
    AssignmentFactory(task=tasks[3], state=AssignmentState.EXPIRED, ended_at=now)
    # A batch past its lifetime, its whole escrow due back.
    ended_batch = PublishedBatchFactory(project=project, expires_at=now - timedelta(hours=1))
    TaskFactory(batch=ended_batch)
    # A worker's photo, kept in the private storage.
    photo_project = ProjectFactory(
        requester=owner,
        template_kind=TemplateKind.FIELD_PHOTO,
        template_html="",
        template_config=PHOTO_CONFIG,
    )
    row = {"place": "Colosseum", "lat": "41.8902", "lon": "12.4922"}
    photo_task = TaskFactory(
        batch=PublishedBatchFactory(project=photo_project, columns=list(row)), input=row
    )
    name = storages["private"].save(f"{STORAGE_PREFIX}/seed/photo.jpg", ContentFile(b"\xff\xd8"))
    photo = SubmittedAssignmentFactory(
        task=photo_task,
        worker=users["other_worker"],
        answers={"photo": name, "latitude": "41.8905", "longitude": "12.4925"},
    )
    blocker = RequesterFactory()
    quality.worker_block_create(requester=blocker, worker=worker, reason="Copied answers.")
    key, _secret = mturk.access_key_create(requester=owner)
    webhook_endpoint, _secret = webhooks.endpoint_create(
        owner=owner, url="https://hooks.example.com/in", event_types=["assignment.submitted"]
    )
    webhook_delivery = webhooks.endpoint_send_test(endpoint=webhook_endpoint)
    return World(
        users=users,
        project=project,
        batch=batch,
        ended_batch=ended_batch,
        open_assignment=open_assignment,
        overdue=overdue,
        approval_due=approval_due,
        submitted=submitted,
        rejected=rejected,
        appeal=appeal,
        photo=photo,
        blocker=blocker,
        action=rule_action(kind=RuleActionKind.FLAG, worker=worker, project=project),
        qualification_type=QualificationTypeFactory(owner=owner),
        access_key=key,
        ended_escrow_cents=payments.balance(payments.escrow(ended_batch)),
        webhook_endpoint=webhook_endpoint,
        webhook_delivery=webhook_delivery,
        card_deposit=CardDeposit.objects.create(
            requester=owner, request_key="seed", amount_cents=5000, currency="EUR"
        ),
        receipt=Receipt.objects.get(requester=owner),
        **_qualification_tests(owner, worker, users["other_worker"], now),
        **_bank(users["staff"]),
    )


def _bank(staff) -> dict:
    """A bank statement imported by staff, with a line waiting for staff; a payout file."""
    result = banking.statement_import(
        data=b"reference,amount,currency,remittance\nSEED-1,12.00,EUR,no reference\n",
        file_name="seed.csv",
        actor=staff,
    )
    payout_file = PayoutFile.objects.create(
        message_id="MW-CSV-SEED",
        format="csv",
        content="payout_id\n",
        currency="EUR",
        payout_count=0,
        total_cents=0,
        created_by=staff,
    )
    return {
        "bank_statement": result.statement,
        "bank_line": result.lines[0],
        "payout_file": payout_file,
    }


def _qualification_tests(owner, worker, other_worker, now) -> dict:
    """A type with a test; the worker's attempt, past its deadline but not yet recorded expired;
    another worker's answers waiting for the owner's decision."""
    test_type = quality.qualification_type_create(
        owner=owner,
        name="Reading test",
        description="Read and answer.",
        test=question_form(selection("q1", "AB")),
        test_duration_seconds=60,
    )
    attempt = QualificationRequest.objects.create(
        qualification_type=test_type,
        worker=worker,
        state=QualificationRequestState.IN_PROGRESS,
        test=test_type.test,
        started_at=now - timedelta(minutes=5),
        deadline=now - timedelta(minutes=4),
    )
    waiting = QualificationRequest.objects.create(
        qualification_type=test_type,
        worker=other_worker,
        state=QualificationRequestState.SUBMITTED,
        test=test_type.test,
        answers={"q1": "B"},
        started_at=now - timedelta(minutes=3),
        deadline=now + timedelta(minutes=-2),
        submitted_at=now - timedelta(minutes=2),
    )
    return {"test_type": test_type, "test_attempt": attempt, "test_request": waiting}


# --- each address, from the world ----------------------------------------------------------


def _requester_api(route: str, arg=None):
    """The address of the requester API's route `route`, about `arg(world)` when given."""
    return lambda w: reverse(f"api-v1:requester-{route}", args=[arg(w)] if arg else [])


def _mturk_file_path(assignment) -> str:
    from microwork.mturk.files import signed_path

    return signed_path(assignment, "photo")


URLS = {
    "home": lambda w: reverse("home"),
    "security-txt": lambda w: reverse("security-txt"),
    "favicon": lambda w: reverse("favicon"),
    "source-code": lambda w: reverse("source-code"),
    "set_language": lambda w: reverse("set_language"),
    "accounts:signup": lambda w: reverse("accounts:signup"),
    "accounts:signup-done": lambda w: reverse("accounts:signup-done"),
    "accounts:email-change": lambda w: reverse("accounts:email-change"),
    "accounts:login-code": lambda w: reverse("accounts:login-code"),
    "accounts:two-factor": lambda w: reverse("accounts:two-factor"),
    "accounts:two-factor-start": lambda w: reverse("accounts:two-factor-start"),
    "accounts:two-factor-confirm": lambda w: reverse("accounts:two-factor-confirm"),
    "accounts:two-factor-disable": lambda w: reverse("accounts:two-factor-disable"),
    "accounts:login": lambda w: reverse("accounts:login"),
    "accounts:logout": lambda w: reverse("accounts:logout"),
    "accounts:worker-settings": lambda w: reverse("accounts:worker-settings"),
    "accounts:password-reset": lambda w: reverse("accounts:password-reset"),
    "accounts:password-reset-done": lambda w: reverse("accounts:password-reset-done"),
    # A link that is not valid: the page says so (a valid one redirects and keeps its token).
    "accounts:password-reset-confirm": lambda w: reverse(
        "accounts:password-reset-confirm", args=["MQ", "not-a-token"]
    ),
    "accounts:password-reset-complete": lambda w: reverse("accounts:password-reset-complete"),
    # notifications (the worker's own; the signed links carry their authority)
    "notifications:list": lambda w: reverse("notifications:list"),
    "notifications:read": lambda w: reverse(
        "notifications:read", args=[w.users["worker"].notifications.first().pk]
    ),
    "notifications:read-all": lambda w: reverse("notifications:read-all"),
    "observatory:index": lambda w: reverse("observatory:index"),
    "observatory:method": lambda w: reverse("observatory:method"),
    # The world has no terms of service (a version in force would hold every page: tested in
    # tests/accounts/test_terms.py): nothing to read or accept.
    "terms:index": lambda w: reverse("terms:index"),
    "terms:detail": lambda w: reverse("terms:detail", args=[1]),
    "terms:accept": lambda w: reverse("terms:accept"),
    "observatory:survey": lambda w: reverse("observatory:survey"),
    "observatory:survey-withdraw": lambda w: reverse("observatory:survey-withdraw"),
    # The world stores no snapshot: a month's page and files are not there.
    "observatory:month": lambda w: reverse("observatory:month", args=["2026-11"]),
    "observatory:package": lambda w: reverse("observatory:package", args=["2026-11"]),
    "observatory:file": lambda w: reverse("observatory:file", args=["2026-11", "overview.csv"]),
    "notifications:preferences": lambda w: reverse("notifications:preferences"),
    "notifications:verify-send": lambda w: reverse("notifications:verify-send"),
    "notifications:verify": lambda w: reverse(
        "notifications:verify",
        args=[verify_token(w.users["worker"].pk, w.users["worker"].email)],
    ),
    "notifications:unsubscribe": lambda w: reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(w.users["worker"].pk, None)]
    ),
    "accounts:api-tokens": lambda w: reverse("accounts:api-tokens"),
    # POST only: refused before any token is looked up.
    "accounts:api-token-revoke": lambda w: reverse("accounts:api-token-revoke", args=[1]),
    # projects
    "projects:project-list": lambda w: reverse("projects:project-list"),
    "projects:project-create": lambda w: reverse("projects:project-create"),
    "projects:template-preview": lambda w: reverse("projects:template-preview"),
    "projects:template-preview-frame": lambda w: reverse("projects:template-preview-frame"),
    "projects:project-detail": lambda w: reverse("projects:project-detail", args=[w.project.pk]),
    "projects:project-edit": lambda w: reverse("projects:project-edit", args=[w.project.pk]),
    "projects:project-sample-csv": lambda w: reverse(
        "projects:project-sample-csv", args=[w.project.pk]
    ),
    "projects:batch-upload": lambda w: reverse("projects:batch-upload", args=[w.project.pk]),
    "projects:batch-detail": lambda w: reverse("projects:batch-detail", args=[w.batch.pk]),
    "projects:batch-publish": lambda w: reverse("projects:batch-publish", args=[w.batch.pk]),
    "projects:batch-pause": lambda w: reverse("projects:batch-pause", args=[w.batch.pk]),
    "projects:batch-resume": lambda w: reverse("projects:batch-resume", args=[w.batch.pk]),
    "projects:batch-cancel": lambda w: reverse("projects:batch-cancel", args=[w.batch.pk]),
    "projects:batch-preview": lambda w: reverse("projects:batch-preview", args=[w.batch.pk]),
    "projects:batch-preview-frame": lambda w: reverse(
        "projects:batch-preview-frame", args=[w.batch.pk]
    ),
    "projects:batch-review": lambda w: reverse("projects:batch-review", args=[w.batch.pk]),
    "projects:batch-results-csv": lambda w: reverse(
        "projects:batch-results-csv", args=[w.batch.pk]
    ),
    "projects:batch-results-jsonl": lambda w: reverse(
        "projects:batch-results-jsonl", args=[w.batch.pk]
    ),
    "projects:batch-results-coco": lambda w: reverse(
        "projects:batch-results-coco", args=[w.batch.pk]
    ),
    "projects:answer-file": lambda w: reverse(
        "projects:answer-file", args=[w.photo.public_id, "photo"]
    ),
    # work
    "work:marketplace": lambda w: reverse("work:marketplace"),
    "work:project-preview": lambda w: reverse("work:project-preview", args=[w.project.public_id]),
    "work:project-preview-frame": lambda w: reverse(
        "work:project-preview-frame", args=[w.project.public_id]
    ),
    "work:project-accept": lambda w: reverse("work:project-accept", args=[w.project.public_id]),
    "work:assignment-detail": lambda w: reverse(
        "work:assignment-detail", args=[w.open_assignment.public_id]
    ),
    # The frame is authorised by its token, not by a session: the same for every role.
    "work:assignment-frame": lambda w: (
        reverse("work:assignment-frame", args=[w.open_assignment.public_id])
        + f"?token={frame_token(w.open_assignment.public_id)}"
    ),
    "work:assignment-return": lambda w: reverse(
        "work:assignment-return", args=[w.open_assignment.public_id]
    ),
    "work:assignment-active-time": lambda w: reverse(
        "work:assignment-active-time", args=[w.open_assignment.public_id]
    ),
    "work:assignment-state": lambda w: reverse(
        "work:assignment-state", args=[w.open_assignment.public_id]
    ),
    "work:submit": lambda w: reverse("work:submit"),
    "work:history": lambda w: reverse("work:history"),
    # payments
    "payments:requester-balance": lambda w: reverse("payments:requester-balance"),
    "payments:requester-statement-csv": lambda w: reverse("payments:requester-statement-csv"),
    "payments:worker-earnings": lambda w: reverse("payments:worker-earnings"),
    "payments:payout-request": lambda w: reverse("payments:payout-request"),
    "payments:bonus-send": lambda w: reverse("payments:bonus-send", args=[w.submitted.public_id]),
    "payments:staff-deposit": lambda w: reverse("payments:staff-deposit"),
    "payments:card-deposit": lambda w: reverse("payments:card-deposit"),
    "payments:card-deposit-detail": lambda w: reverse(
        "payments:card-deposit-detail", args=[w.card_deposit.pk]
    ),
    "payments:receipt-list": lambda w: reverse("payments:receipt-list"),
    "payments:receipt": lambda w: reverse("payments:receipt", args=[w.receipt.number]),
    "payments:receipt-pdf": lambda w: reverse("payments:receipt-pdf", args=[w.receipt.number]),
    "payments:stripe-webhook": lambda w: reverse("payments:stripe-webhook"),
    "payments:payout-method": lambda w: reverse("payments:payout-method"),
    "payments:staff-payouts": lambda w: reverse("payments:staff-payouts"),
    "payments:staff-payouts-csv": lambda w: reverse("payments:staff-payouts-csv"),
    "payments:staff-bank": lambda w: reverse("payments:staff-bank"),
    "payments:staff-bank-statement": lambda w: reverse(
        "payments:staff-bank-statement", args=[w.bank_statement.pk]
    ),
    "payments:staff-bank-line-assign": lambda w: reverse(
        "payments:staff-bank-line-assign", args=[w.bank_line.pk]
    ),
    "payments:staff-bank-line-dismiss": lambda w: reverse(
        "payments:staff-bank-line-dismiss", args=[w.bank_line.pk]
    ),
    "payments:staff-payout-files": lambda w: reverse("payments:staff-payout-files"),
    "payments:staff-payout-file-download": lambda w: reverse(
        "payments:staff-payout-file-download", args=[w.payout_file.pk]
    ),
    # POST only: the method is refused before the payout is looked up.
    "payments:staff-payout-sent-settle": lambda w: reverse(
        "payments:staff-payout-sent-settle", args=[1]
    ),
    # quality
    "quality:type-list": lambda w: reverse("quality:type-list"),
    "quality:type-create": lambda w: reverse("quality:type-create"),
    "quality:type-detail": lambda w: reverse(
        "quality:type-detail", args=[w.qualification_type.public_id]
    ),
    "quality:type-edit": lambda w: reverse(
        "quality:type-edit", args=[w.qualification_type.public_id]
    ),
    "quality:type-delete": lambda w: reverse(
        "quality:type-delete", args=[w.qualification_type.public_id]
    ),
    "quality:type-grant": lambda w: reverse(
        "quality:type-grant", args=[w.qualification_type.public_id]
    ),
    "quality:type-revoke": lambda w: reverse(
        "quality:type-revoke", args=[w.qualification_type.public_id]
    ),
    "quality:requester-worker-detail": lambda w: reverse(
        "quality:requester-worker-detail", args=[w.users["worker"].worker_id]
    ),
    "quality:worker-block": lambda w: reverse(
        "quality:worker-block", args=[w.users["worker"].worker_id]
    ),
    "quality:worker-unblock": lambda w: reverse(
        "quality:worker-unblock", args=[w.users["worker"].worker_id]
    ),
    "quality:project-requirements": lambda w: reverse(
        "quality:project-requirements", args=[w.project.pk]
    ),
    "quality:project-quality": lambda w: reverse("quality:project-quality", args=[w.project.pk]),
    "quality:project-gold": lambda w: reverse("quality:project-gold", args=[w.project.pk]),
    "quality:project-confidence-target": lambda w: reverse(
        "quality:project-confidence-target", args=[w.project.pk]
    ),
    "quality:rule-create": lambda w: reverse("quality:rule-create", args=[w.project.pk]),
    "quality:rule-disable": lambda w: reverse(
        "quality:rule-disable", args=[w.project.pk, w.action.rule_id]
    ),
    "quality:rule-action-lift": lambda w: reverse(
        "quality:rule-action-lift", args=[w.project.pk, w.action.pk]
    ),
    "quality:project-workers": lambda w: reverse("quality:project-workers", args=[w.project.pk]),
    "quality:worker-standing": lambda w: reverse("quality:worker-standing"),
    "quality:earn-list": lambda w: reverse("quality:earn-list"),
    "quality:earn-detail": lambda w: reverse("quality:earn-detail", args=[w.test_type.public_id]),
    "quality:earn-request": lambda w: reverse("quality:earn-request", args=[w.test_type.public_id]),
    "quality:attempt-detail": lambda w: reverse(
        "quality:attempt-detail", args=[w.test_attempt.public_id]
    ),
    "quality:attempt-submit": lambda w: reverse(
        "quality:attempt-submit", args=[w.test_attempt.public_id]
    ),
    "quality:type-requests": lambda w: reverse(
        "quality:type-requests", args=[w.test_type.public_id]
    ),
    "quality:type-test": lambda w: reverse("quality:type-test", args=[w.test_type.public_id]),
    "quality:request-accept": lambda w: reverse(
        "quality:request-accept", args=[w.test_request.public_id]
    ),
    "quality:request-reject": lambda w: reverse(
        "quality:request-reject", args=[w.test_request.public_id]
    ),
    "quality:batch-quality": lambda w: reverse("quality:batch-quality", args=[w.batch.pk]),
    "quality:batch-doubtful-more": lambda w: reverse(
        "quality:batch-doubtful-more", args=[w.batch.pk]
    ),
    "quality:batch-aggregation-request": lambda w: reverse(
        "quality:batch-aggregation-request", args=[w.batch.pk]
    ),
    "quality:batch-export": lambda w: reverse("quality:batch-export", args=[w.batch.pk, "csv"]),
    # fairness
    "fairness:worker-dashboard": lambda w: reverse("fairness:worker-dashboard"),
    "fairness:worker-appeals": lambda w: reverse("fairness:worker-appeals"),
    "fairness:appeal-rejection": lambda w: reverse(
        "fairness:appeal-rejection", args=[w.rejected.public_id]
    ),
    "fairness:appeal-block": lambda w: reverse("fairness:appeal-block", args=[w.blocker.pk]),
    "fairness:appeal-rule-action": lambda w: reverse(
        "fairness:appeal-rule-action", args=[w.action.pk]
    ),
    "fairness:requester-appeals": lambda w: reverse("fairness:requester-appeals"),
    "fairness:appeal-answer": lambda w: reverse(
        "fairness:appeal-answer", args=[w.appeal.public_id]
    ),
    "fairness:staff-appeals": lambda w: reverse("fairness:staff-appeals"),
    "fairness:appeal-arbitrate": lambda w: reverse(
        "fairness:appeal-arbitrate", args=[w.appeal.public_id]
    ),
    "fairness:requester-profile": lambda w: reverse(
        "fairness:requester-profile", args=[w.users["owner"].pk]
    ),
    "fairness:requester-rate": lambda w: reverse(
        "fairness:requester-rate", args=[w.users["owner"].pk]
    ),
    "fairness:my-data": lambda w: reverse("fairness:my-data"),
    "fairness:my-data-download": lambda w: reverse("fairness:my-data-download"),
    "fairness:account-delete": lambda w: reverse("fairness:account-delete"),
    # mturk
    "mturk:endpoint": lambda w: reverse("mturk:endpoint"),
    "mturk:external-submit": lambda w: reverse("mturk:external-submit"),
    "mturk:submit-root": lambda w: reverse(
        "mturk:submit-root", args=[frame_token(w.open_assignment.public_id)]
    ),
    "mturk:external-submit-token": lambda w: reverse(
        "mturk:external-submit-token", args=[frame_token(w.open_assignment.public_id)]
    ),
    # GetFileUploadURL's signed address: the signature is the authority, whoever asks.
    "mturk:file-upload": lambda w: _mturk_file_path(w.photo),
    "mturk:key-list": lambda w: reverse("mturk:key-list"),
    "mturk:key-revoke": lambda w: reverse("mturk:key-revoke", args=[w.access_key.access_key_id]),
    # webhooks
    "webhooks:endpoint-list": lambda w: reverse("webhooks:endpoint-list"),
    "webhooks:endpoint-create": lambda w: reverse("webhooks:endpoint-create"),
    "webhooks:endpoint-detail": lambda w: reverse(
        "webhooks:endpoint-detail", args=[w.webhook_endpoint.pk]
    ),
    "webhooks:endpoint-edit": lambda w: reverse(
        "webhooks:endpoint-edit", args=[w.webhook_endpoint.pk]
    ),
    "webhooks:endpoint-delete": lambda w: reverse(
        "webhooks:endpoint-delete", args=[w.webhook_endpoint.pk]
    ),
    "webhooks:endpoint-rotate": lambda w: reverse(
        "webhooks:endpoint-rotate", args=[w.webhook_endpoint.pk]
    ),
    "webhooks:endpoint-test": lambda w: reverse(
        "webhooks:endpoint-test", args=[w.webhook_endpoint.pk]
    ),
    "webhooks:delivery-detail": lambda w: reverse(
        "webhooks:delivery-detail", args=[w.webhook_endpoint.pk, w.webhook_delivery.pk]
    ),
    "webhooks:delivery-resend": lambda w: reverse(
        "webhooks:delivery-resend", args=[w.webhook_endpoint.pk, w.webhook_delivery.pk]
    ),
    # REST API v1 (ninja's routes; with the session: a GET needs no CSRF token)
    "api-not-found": lambda w: "/api/nothing",
    "api-v1:api-root": lambda w: reverse("api-v1:api-root"),
    "api-v1:openapi-json": lambda w: reverse("api-v1:openapi-json"),
    "api-v1:openapi-view": lambda w: reverse("api-v1:openapi-view"),
    "api-v1:me": lambda w: reverse("api-v1:me"),
    "api-v1:worker-projects": lambda w: reverse("api-v1:worker-projects"),
    "api-v1:worker-project-accept": lambda w: reverse(
        "api-v1:worker-project-accept", args=[w.project.public_id]
    ),
    "api-v1:worker-assignment-submit": lambda w: reverse(
        "api-v1:worker-assignment-submit", args=[w.open_assignment.public_id]
    ),
    "api-v1:worker-assignment-return": lambda w: reverse(
        "api-v1:worker-assignment-return", args=[w.open_assignment.public_id]
    ),
    "api-v1:worker-assignments": lambda w: reverse("api-v1:worker-assignments"),
    "api-v1:worker-earnings": lambda w: reverse("api-v1:worker-earnings"),
    # The requester's REST API (tests/api/requester/ tests each method of these paths).
    **{
        f"api-v1:requester-{name}": _requester_api(name)
        for name in (
            "projects",
            "project-create",
            "balance",
            "statement",
            "qualifications",
            "qualification-create",
        )
    },
    **{
        f"api-v1:requester-{name}": _requester_api(name, lambda w: w.project.public_id)
        for name in (
            "project",
            "project-update",
            "batches",
            "batch-upload",
            "project-rules",
            "project-rules-set",
            "project-requirements",
            "project-requirements-set",
        )
    },
    **{
        f"api-v1:requester-{name}": _requester_api(name, lambda w: w.batch.pk)
        for name in (
            "batch",
            "batch-publish",
            "batch-pause",
            "batch-resume",
            "batch-cancel",
            "batch-tasks",
            "batch-assignments",
            "batch-review",
            "batch-results",
            "batch-dataset",
            "batch-aggregation",
            "batch-doubtful",
            "batch-doubtful-more",
        )
    },
    **{
        f"api-v1:requester-{name}": _requester_api(name, lambda w: w.submitted.public_id)
        for name in ("assignment", "assignment-approve", "assignment-reject", "assignment-bonus")
    },
    **{
        f"api-v1:requester-{name}": _requester_api(name, lambda w: w.qualification_type.public_id)
        for name in (
            "qualification",
            "qualification-update",
            "qualification-delete",
            "qualification-grants",
            "qualification-grant",
        )
    },
    "api-v1:requester-qualification-requests": _requester_api(
        "qualification-requests", lambda w: w.test_type.public_id
    ),
    **{
        f"api-v1:requester-{name}": _requester_api(name, lambda w: w.test_request.public_id)
        for name in ("qualification-request-accept", "qualification-request-reject")
    },
    "api-v1:requester-qualification-revoke": lambda w: reverse(
        "api-v1:requester-qualification-revoke",
        args=[w.qualification_type.public_id, w.submitted.worker.worker_id],
    ),
}


# --- what each role gets -------------------------------------------------------------------

OK = "200"
LOGIN = "login"  # 302 to the login page, back here after it
ADMIN = "admin login"  # 302 to the admin's login page (staff_member_required)
BAD = "400"  # the MTurk endpoint's answer to anything but a signed POST
DENIED = "403"  # the wrong role, or a submission without its frame token
ABSENT = "404"  # another owner's object, or nothing there
UNAUTHENTICATED = "401"  # the REST API, asked with no credential
POST = "405"  # POST only (the method is checked before the role where require_POST is outer)


def to(path: str) -> str:
    """A 302 to `path` (its query left out)."""
    return f"302 {path}"


MARKET, PROJECTS, ROOT = to("/work/"), to("/requester/projects/"), to("/")
ICON = "301"  # /favicon.ico: for good, to the static SVG

# What each role gets, in the order of ROLES:
#     anonymous, worker, other_worker, owner, other_requester, staff
MATRIX: dict[str, tuple[str, ...]] = {
    "source-code": (OK, OK, OK, OK, OK, OK),
    "api-not-found": (ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT),
    "api-v1:api-root": (ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT),
    "api-v1:me": (UNAUTHENTICATED, OK, OK, OK, OK, OK),
    "api-v1:openapi-json": (OK, OK, OK, OK, OK, OK),
    "api-v1:openapi-view": (OK, OK, OK, OK, OK, OK),
    "api-v1:worker-assignment-return": (POST, POST, POST, POST, POST, POST),
    "api-v1:worker-assignment-submit": (POST, POST, POST, POST, POST, POST),
    "api-v1:worker-assignments": (UNAUTHENTICATED, OK, OK, DENIED, DENIED, DENIED),
    "api-v1:worker-earnings": (UNAUTHENTICATED, OK, OK, DENIED, DENIED, DENIED),
    "api-v1:worker-project-accept": (POST, POST, POST, POST, POST, POST),
    "api-v1:worker-projects": (UNAUTHENTICATED, OK, OK, DENIED, DENIED, DENIED),
    # The requester's REST API: lists of one's own, one's own objects, POST-only acts.
    **dict.fromkeys(
        (
            f"api-v1:requester-{name}"
            for name in (
                "projects",
                "project-create",
                "balance",
                "statement",
                "qualifications",
                "qualification-create",
            )
        ),
        (UNAUTHENTICATED, DENIED, DENIED, OK, OK, OK),
    ),
    **dict.fromkeys(
        (
            f"api-v1:requester-{name}"
            for name in (
                "project",
                "project-update",
                "batches",
                "batch-upload",
                "project-rules",
                "project-rules-set",
                "project-requirements",
                "project-requirements-set",
                "batch",
                "batch-tasks",
                "batch-assignments",
                "batch-results",
                "batch-dataset",
                "batch-doubtful",
                "assignment",
                "qualification",
                "qualification-update",
                "qualification-delete",
                "qualification-grants",
                "qualification-grant",
                "qualification-requests",
            )
        ),
        (UNAUTHENTICATED, DENIED, DENIED, OK, ABSENT, ABSENT),
    ),
    **dict.fromkeys(
        (
            f"api-v1:requester-{name}"
            for name in (
                "batch-publish",
                "batch-pause",
                "batch-resume",
                "batch-cancel",
                "batch-review",
                "batch-aggregation",
                "batch-doubtful-more",
                "assignment-approve",
                "assignment-reject",
                "assignment-bonus",
                "qualification-revoke",
                "qualification-request-accept",
                "qualification-request-reject",
            )
        ),
        (POST, POST, POST, POST, POST, POST),
    ),
    "accounts:login": (OK, OK, OK, OK, OK, OK),
    "accounts:logout": (POST, POST, POST, POST, POST, POST),
    "accounts:signup": (OK, OK, OK, OK, OK, OK),
    "accounts:signup-done": (OK, OK, OK, OK, OK, OK),
    "accounts:email-change": (LOGIN, OK, OK, OK, OK, OK),
    # No password given first: the login page; signed in with no authenticator: its settings.
    "accounts:login-code": (LOGIN, *[to("/accounts/two-factor/")] * 5),
    "accounts:two-factor": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "accounts:two-factor-start": (POST, POST, POST, POST, POST, POST),
    "accounts:two-factor-confirm": (POST, POST, POST, POST, POST, POST),
    "accounts:two-factor-disable": (POST, POST, POST, POST, POST, POST),
    "accounts:api-token-revoke": (LOGIN, POST, POST, POST, POST, POST),
    "accounts:api-tokens": (LOGIN, OK, OK, OK, OK, OK),
    "accounts:worker-settings": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "accounts:password-reset": (OK, OK, OK, OK, OK, OK),
    "accounts:password-reset-done": (OK, OK, OK, OK, OK, OK),
    "accounts:password-reset-confirm": (OK, OK, OK, OK, OK, OK),
    "accounts:password-reset-complete": (OK, OK, OK, OK, OK, OK),
    "notifications:list": (LOGIN, OK, OK, OK, OK, OK),
    "notifications:read": (LOGIN, POST, POST, POST, POST, POST),
    "notifications:read-all": (LOGIN, POST, POST, POST, POST, POST),
    "notifications:preferences": (LOGIN, OK, OK, OK, OK, OK),
    "notifications:verify-send": (LOGIN, POST, POST, POST, POST, POST),
    "notifications:verify": (OK, OK, OK, OK, OK, OK),
    "notifications:unsubscribe": (OK, OK, OK, OK, OK, OK),
    "fairness:account-delete": (LOGIN, POST, POST, DENIED, DENIED, DENIED),
    "fairness:appeal-answer": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "fairness:appeal-arbitrate": (LOGIN, DENIED, DENIED, DENIED, DENIED, POST),
    "fairness:appeal-block": (LOGIN, OK, ABSENT, DENIED, DENIED, DENIED),
    "fairness:appeal-rejection": (LOGIN, OK, ABSENT, DENIED, DENIED, DENIED),
    "fairness:appeal-rule-action": (LOGIN, OK, ABSENT, DENIED, DENIED, DENIED),
    "fairness:my-data": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "fairness:my-data-download": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "fairness:requester-appeals": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "fairness:requester-profile": (LOGIN, OK, OK, OK, OK, OK),
    "fairness:requester-rate": (LOGIN, POST, POST, DENIED, DENIED, DENIED),
    "fairness:staff-appeals": (LOGIN, DENIED, DENIED, DENIED, DENIED, OK),
    "fairness:worker-appeals": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "fairness:worker-dashboard": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "home": (OK, MARKET, MARKET, PROJECTS, PROJECTS, PROJECTS),
    "security-txt": (OK, OK, OK, OK, OK, OK),
    "favicon": (ICON, ICON, ICON, ICON, ICON, ICON),
    "mturk:endpoint": (BAD, BAD, BAD, BAD, BAD, BAD),
    "mturk:external-submit": (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),
    "mturk:external-submit-token": (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),
    "mturk:file-upload": (OK, OK, OK, OK, OK, OK),
    "mturk:key-list": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "mturk:key-revoke": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "mturk:submit-root": (ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT),
    "observatory:index": (OK, OK, OK, OK, OK, OK),
    "observatory:method": (OK, OK, OK, OK, OK, OK),
    "terms:index": (OK, OK, OK, OK, OK, OK),
    "terms:detail": (ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT),
    "terms:accept": (LOGIN, *[to("/")] * 5),
    "observatory:survey": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "observatory:survey-withdraw": (LOGIN, POST, POST, DENIED, DENIED, DENIED),
    "observatory:month": (ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT),
    "observatory:package": (ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT),
    "observatory:file": (ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT),
    "payments:bonus-send": (POST, POST, POST, POST, POST, POST),
    "payments:payout-request": (POST, POST, POST, POST, POST, POST),
    "payments:requester-balance": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "payments:requester-statement-csv": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "payments:staff-deposit": (ADMIN, ADMIN, ADMIN, ADMIN, ADMIN, OK),
    "payments:card-deposit": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "payments:card-deposit-detail": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "payments:receipt-list": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "payments:receipt": (LOGIN, DENIED, DENIED, OK, ABSENT, OK),
    "payments:receipt-pdf": (LOGIN, DENIED, DENIED, OK, ABSENT, OK),
    "payments:stripe-webhook": (POST, POST, POST, POST, POST, POST),
    "payments:payout-method": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "payments:staff-payouts": (ADMIN, ADMIN, ADMIN, ADMIN, ADMIN, OK),
    "payments:staff-payouts-csv": (ADMIN, ADMIN, ADMIN, ADMIN, ADMIN, OK),
    "payments:staff-bank": (ADMIN, ADMIN, ADMIN, ADMIN, ADMIN, OK),
    "payments:staff-bank-statement": (ADMIN, ADMIN, ADMIN, ADMIN, ADMIN, OK),
    "payments:staff-bank-line-assign": (POST, POST, POST, POST, POST, POST),
    "payments:staff-bank-line-dismiss": (POST, POST, POST, POST, POST, POST),
    "payments:staff-payout-files": (ADMIN, ADMIN, ADMIN, ADMIN, ADMIN, OK),
    "payments:staff-payout-file-download": (ADMIN, ADMIN, ADMIN, ADMIN, ADMIN, OK),
    "payments:staff-payout-sent-settle": (POST, POST, POST, POST, POST, POST),
    "payments:worker-earnings": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "projects:answer-file": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "projects:batch-cancel": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "projects:batch-detail": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "projects:batch-pause": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "projects:batch-preview": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "projects:batch-preview-frame": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "projects:batch-publish": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "projects:batch-results-coco": (LOGIN, DENIED, DENIED, ABSENT, ABSENT, ABSENT),
    "projects:batch-results-csv": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "projects:batch-results-jsonl": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "projects:batch-resume": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "projects:batch-review": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "projects:batch-upload": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "projects:project-create": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "projects:project-detail": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "projects:project-edit": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "projects:project-list": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "projects:project-sample-csv": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "projects:template-preview": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "projects:template-preview-frame": (LOGIN, DENIED, DENIED, ABSENT, ABSENT, ABSENT),
    "quality:batch-aggregation-request": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:batch-doubtful-more": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:batch-export": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "quality:batch-quality": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "quality:project-gold": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:project-confidence-target": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:project-quality": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "quality:project-requirements": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "quality:project-workers": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "quality:requester-worker-detail": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "quality:rule-action-lift": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:rule-create": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:rule-disable": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:type-create": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "quality:type-delete": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:type-detail": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "quality:type-edit": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "quality:type-grant": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:type-list": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "quality:type-revoke": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:worker-block": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:worker-standing": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "quality:earn-list": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "quality:earn-detail": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "quality:earn-request": (LOGIN, POST, POST, DENIED, DENIED, DENIED),
    "quality:attempt-detail": (LOGIN, OK, ABSENT, DENIED, DENIED, DENIED),
    "quality:attempt-submit": (LOGIN, POST, POST, DENIED, DENIED, DENIED),
    "quality:type-requests": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "quality:type-test": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "quality:request-accept": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:request-reject": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "quality:worker-unblock": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "set_language": (ROOT, ROOT, ROOT, ROOT, ROOT, ROOT),
    "webhooks:delivery-detail": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "webhooks:delivery-resend": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "webhooks:endpoint-create": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "webhooks:endpoint-delete": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "webhooks:endpoint-detail": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "webhooks:endpoint-edit": (LOGIN, DENIED, DENIED, OK, ABSENT, ABSENT),
    "webhooks:endpoint-list": (LOGIN, DENIED, DENIED, OK, OK, OK),
    "webhooks:endpoint-rotate": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "webhooks:endpoint-test": (LOGIN, DENIED, DENIED, POST, POST, POST),
    "work:assignment-active-time": (LOGIN, POST, POST, DENIED, DENIED, DENIED),
    "work:assignment-detail": (LOGIN, OK, ABSENT, DENIED, DENIED, DENIED),
    "work:assignment-frame": (OK, OK, OK, OK, OK, OK),
    "work:assignment-return": (LOGIN, POST, POST, DENIED, DENIED, DENIED),
    "work:assignment-state": (LOGIN, OK, ABSENT, DENIED, DENIED, DENIED),
    "work:history": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "work:marketplace": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "work:project-accept": (LOGIN, POST, POST, DENIED, DENIED, DENIED),
    "work:project-preview": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "work:project-preview-frame": (LOGIN, OK, OK, DENIED, DENIED, DENIED),
    "work:submit": (POST, POST, POST, POST, POST, POST),
}


def outcome(response) -> str:
    if response.status_code != 302:
        return str(response.status_code)
    path = urlsplit(response["Location"]).path
    if path == reverse("accounts:login"):
        return LOGIN
    if path == reverse("admin:login"):
        return ADMIN
    return to(path)


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_matrix_covers_every_route_name():
    assert set(URLS) == route_names()
    assert set(MATRIX) == route_names()
    assert all(len(row) == len(ROLES) for row in MATRIX.values())


@pytest.mark.parametrize("role", ROLES)
def test_every_get_answers_as_the_matrix_says_and_writes_nothing(world, role):
    client = _client(world.users[role])
    column = ROLES.index(role)
    found = {}
    for name, url_of in sorted(URLS.items()):
        url = url_of(world)
        try:
            # A savepoint each: a refused write rolls back that request alone.
            with transaction.atomic(), forbid_writes():
                response = client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)  # a download's rows are read here
        except AssertionError as wrote:
            found[name] = f"wrote: {wrote}"
            continue
        found[name] = outcome(response)

    expected = {name: row[column] for name, row in MATRIX.items()}
    assert found == expected
    _assert_nothing_due_was_settled(world)


def _assert_nothing_due_was_settled(world: World) -> None:
    states = dict(
        Assignment.objects.filter(pk__in=[world.overdue.pk, world.approval_due.pk]).values_list(
            "pk", "state"
        )
    )
    assert states == {
        world.overdue.pk: AssignmentState.ACCEPTED,
        world.approval_due.pk: AssignmentState.SUBMITTED,
    }
    assert Appeal.objects.get(pk=world.appeal.pk).state == AppealState.OPEN
    # The worker's test past its deadline reads as expired but is still recorded in progress.
    assert (
        QualificationRequest.objects.get(pk=world.test_attempt.pk).state
        == QualificationRequestState.IN_PROGRESS
    )
    assert payments.balance(payments.escrow(world.ended_batch)) == world.ended_escrow_cents > 0


# A large batch's pages read where its stored aggregation stands
# (stored.batch_aggregation_status()) and offer a button that asks for it: a POST to
# quality:batch-aggregation-request. The world above is small, so MATRIX does not reach them;
# these cells do.
@pytest.mark.parametrize(
    "name, status",
    [
        ("quality:batch-quality", 200),
        ("quality:batch-export", 202),
        ("quality:project-workers", 200),
    ],
)
def test_a_large_batchs_quality_pages_write_nothing(world, settings, name, status):
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
    client = _client(world.users["owner"])

    with transaction.atomic(), forbid_writes():
        response = client.get(URLS[name](world))
        if response.streaming:
            b"".join(response.streaming_content)

    assert response.status_code == status
    assert b"Compute the aggregation" in response.content
