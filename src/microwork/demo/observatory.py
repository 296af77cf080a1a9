"""A synthetic population for the observatory's demo: a few hundred workers who behave
differently (very active, regular, occasional; fast and slow; careful and sloppy), half a dozen
requesters of different sizes, four months of history, survey answers, and the months' stored
snapshots, so /observatory/ shows realistic figures.

Written in bulk (a few thousand rows) to keep `make run` fast: the assignments, tasks and
balanced reward postings (escrow to the worker's earnings, two entries summing to zero) are
inserted directly rather than through the claim-submit-approve services, which would take
minutes. Nothing here is the demo's main accounts: these are separate users who cannot log in.
Seeded once (a marker user), with a fixed random seed, so every demo shows the same figures.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.common.ids import new_entity_id, new_worker_id
from microwork.observatory import snapshots
from microwork.observatory.consent import CURRENT_VERSION
from microwork.observatory.enums import QUESTIONS, ConsentAction, Reason
from microwork.observatory.models import SurveyConsentEvent, SurveyResponse
from microwork.payments import services as payments
from microwork.payments.enums import PostingKind
from microwork.payments.models import LedgerEntry, Posting
from microwork.projects.enums import BatchStatus, TemplateKind
from microwork.projects.models import Batch, Project, Task
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment

DOMAIN = "observatory.demo.microwork.test"
WORKERS = 300
MONTHS = 4
SEED = 22

# (name, task type, reward in cents, estimated seconds, how much work it posts)
REQUESTERS = (
    ("Big Vision Lab", TemplateKind.IMAGE_CLASSIFICATION, 6, 20, 10),
    ("Big Vision Lab", TemplateKind.BOUNDING_BOXES, 25, 90, 6),
    ("Text Mining Co", TemplateKind.TEXT_CLASSIFICATION, 5, 15, 8),
    ("Archive Project", TemplateKind.TRANSCRIPTION, 30, 120, 3),
    ("Survey Institute", TemplateKind.SURVEY, 80, 300, 2),
    ("Local Shops", TemplateKind.DATA_ENTRY, 12, 45, 1),
    ("Small Startup", TemplateKind.TEXT_CLASSIFICATION, 3, 15, 1),
)


@dataclass
class Population:
    created: bool
    workers: int
    assignments: int
    months: list[str]


def _month_starts(today: date) -> list[date]:
    index = today.year * 12 + today.month - 1
    return [date((index - n) // 12, (index - n) % 12 + 1, 1) for n in range(MONTHS, 0, -1)]


def _aware(day: date, seconds: int) -> datetime:
    midnight = datetime(day.year, day.month, day.day)
    return timezone.make_aware(midnight, timezone.get_default_timezone()) + timedelta(
        seconds=seconds
    )


def observatory_seed() -> Population:
    """Seed the population and store a snapshot of each of its months, once."""
    months = _month_starts(timezone.localdate())
    labels = [f"{month:%Y-%m}" for month in months]
    marker = f"worker-0@{DOMAIN}"
    if User.objects.filter(email=marker).exists():
        return Population(created=False, workers=WORKERS, assignments=0, months=labels)
    with transaction.atomic():
        count = _seed(months)
    for month in months:
        snapshots.snapshot_make(month=month)
    return Population(created=True, workers=WORKERS, assignments=count, months=labels)


def _seed(months: list[date]) -> int:
    rng = random.Random(SEED)  # nosec B311  # seeded demo data, not a secret
    now = timezone.now()
    requesters = {}
    projects = []
    for name, kind, reward, estimate, volume in REQUESTERS:
        if name not in requesters:
            requesters[name] = User.objects.create(
                email=f"requester-{len(requesters)}@{DOMAIN}",
                role=Role.REQUESTER,
                display_name=name,
                password="!",  # cannot log in  # nosec B106  # an unusable password: these accounts cannot log in
            )
        project = Project.objects.create(
            requester=requesters[name],
            title=f"{name}: {kind.label}",
            description="Synthetic work for the observatory's demo.",
            reward_cents=reward,
            currency="EUR",
            assignments_per_task=1,
            time_allotted_seconds=max(600, estimate * 10),
            lifetime_seconds=180 * 24 * 3600,
            auto_approval_delay_seconds=3 * 24 * 3600,
            estimated_seconds=estimate,
            template_kind=kind,
        )
        batch = Batch.objects.create(
            project=project,
            name="Synthetic history",
            status=BatchStatus.CANCELLED,
            columns=["text"],
            published_at=_aware(months[0], 0),
            expires_at=now,
            cancelled_at=now,
        )
        projects.append((batch, project, volume))
    weights = [volume for _batch, _project, volume in projects]

    workers = User.objects.bulk_create(
        User(
            email=f"worker-{n}@{DOMAIN}",
            role=Role.WORKER,
            worker_id=new_worker_id(),
            password="!",  # nosec B106  # an unusable password: these accounts cannot log in
        )
        for n in range(WORKERS)
    )
    plans = []
    for worker in workers:
        # A fifth very active, a third regular, the rest occasional.
        kind = rng.choices(("very_active", "regular", "occasional"), (20, 33, 47))[0]
        speed = rng.choice((0.6, 0.8, 1.0, 1.0, 1.3, 1.8, 2.5))  # times the estimate
        sloppiness = rng.choice((0.0, 0.02, 0.05, 0.1, 0.3))
        plans.append((worker, kind, speed, sloppiness))

    rows = []  # (worker, batch, project, accepted_at, state, seconds)
    first = _aware(months[0], 0)
    days = (_aware(months[-1], 0) + timedelta(days=31)).replace(day=1) - first
    span = days.days
    for worker, kind, speed, sloppiness in plans:
        if kind == "very_active":
            days_worked = sorted(rng.sample(range(span), k=min(span, rng.randint(30, 45))))
        elif kind == "regular":
            days_worked = sorted(
                month_start * 30 + rng.randrange(28)
                for month_start in range(MONTHS)
                for _ in range(rng.randint(1, 4))
            )
        else:
            days_worked = sorted(rng.sample(range(span), k=rng.randint(1, 3)))
        for day in days_worked:
            for _ in range(rng.randint(1, 3)):
                batch, project, _volume = rng.choices(projects, weights)[0]
                seconds = max(5, int(project.estimated_seconds * speed * rng.uniform(0.7, 1.4)))
                roll = rng.random()
                if roll < sloppiness:
                    state = AssignmentState.REJECTED
                elif roll < sloppiness + 0.04:
                    state = AssignmentState.RETURNED
                elif roll < sloppiness + 0.06:
                    state = AssignmentState.EXPIRED
                else:
                    state = AssignmentState.APPROVED
                accepted = first + timedelta(days=day, seconds=rng.randrange(8 * 3600, 22 * 3600))
                if accepted >= now:
                    continue
                rows.append((worker, batch, project, accepted, state, seconds))

    tasks = Task.objects.bulk_create(
        Task(
            public_id=new_entity_id(),
            batch=batch,
            row_number=n + 2,
            input={"text": "synthetic"},
            max_assignments=1,
            open_slots=0,
        )
        for n, (_worker, batch, _project, _accepted, _state, _seconds) in enumerate(rows)
    )
    assignments = []
    for task, (worker, _batch, project, accepted, state, seconds) in zip(tasks, rows, strict=True):
        answered = state in (AssignmentState.APPROVED, AssignmentState.REJECTED)
        submitted = accepted + timedelta(seconds=seconds) if answered else None
        auto = answered and state == AssignmentState.APPROVED and rng.random() < 0.3
        reviewed = None
        if answered:
            wait = timedelta(days=3) if auto else timedelta(hours=rng.choice((1, 5, 20, 50, 200)))
            reviewed = submitted + wait
        assignments.append(
            Assignment(
                public_id=new_entity_id(),
                task=task,
                worker=worker,
                state=state,
                accepted_at=accepted,
                deadline=accepted + timedelta(seconds=project.time_allotted_seconds),
                submitted_at=submitted,
                ended_at=None if answered else accepted + timedelta(seconds=seconds),
                reviewed_at=reviewed,
                is_auto_approved=auto,
                answers={"answer": "synthetic"} if answered else None,
                work_seconds=seconds if answered else None,
                feedback="Answers did not follow the instructions." if state == "rejected" else "",
            )
        )
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    _pay(assignments, rng)
    _survey(workers, rng)
    return len(assignments)


def _pay(assignments: list[Assignment], rng: random.Random) -> None:
    """Balanced reward postings for the approved work: escrow to the worker's earnings, and now
    and then a bonus of the same shape."""
    escrows, earnings = {}, {}
    postings, amounts = [], []
    for assignment in assignments:
        if assignment.state != AssignmentState.APPROVED:
            continue
        batch = assignment.task.batch
        if batch.pk not in escrows:
            escrows[batch.pk] = payments.escrow(batch)
        if assignment.worker_id not in earnings:
            earnings[assignment.worker_id] = payments.worker_available(assignment.worker)
        amount = batch.project.reward_cents
        if rng.random() < 0.05:
            amount += rng.choice((5, 10, 20))  # a bonus, paid with the reward for brevity
        postings.append(
            Posting(
                idempotency_key=f"observatory-demo:{assignment.public_id}",
                kind=PostingKind.REWARD,
                batch=batch,
                assignment=assignment,
                created_at=assignment.reviewed_at,
                memo="synthetic",
            )
        )
        amounts.append((escrows[batch.pk], earnings[assignment.worker_id], amount))
    # Each batch's escrow is first funded with exactly what it pays out, from a deposit, so it
    # ends at zero as a real finished batch's would.
    totals: dict[int, int] = {}
    for escrow, _earning, amount in amounts:
        totals[escrow.pk] = totals.get(escrow.pk, 0) + amount
    outside = payments.external("EUR")
    for escrow in escrows.values():
        total = totals.get(escrow.pk, 0)
        if not total:
            continue
        funds = payments.requester_available(escrow.owner, "EUR")
        payments.post(
            kind=PostingKind.DEPOSIT,
            key=f"observatory-demo-deposit:{escrow.pk}",
            lines=[payments.Line(outside, -total), payments.Line(funds, total)],
        )
        payments.post(
            kind=PostingKind.ESCROW_RESERVE,
            key=f"observatory-demo-escrow:{escrow.pk}",
            lines=[payments.Line(funds, -total), payments.Line(escrow, total)],
            batch=escrow.batch,
        )
    Posting.objects.bulk_create(postings, batch_size=2000)
    LedgerEntry.objects.bulk_create(
        (
            entry
            for posting, (escrow, earning, amount) in zip(postings, amounts, strict=True)
            for entry in (
                LedgerEntry(posting=posting, account=escrow, amount_cents=-amount, currency="EUR"),
                LedgerEntry(
                    posting=posting,
                    account=earning,
                    amount_cents=amount,
                    currency="EUR",
                    assignment=posting.assignment,
                ),
            )
        ),
        batch_size=4000,
    )


def _survey(workers: list[User], rng: random.Random) -> None:
    """About seven workers in ten answer, with answers leaning as the published surveys do."""
    responses = []
    for worker in workers:
        if rng.random() > 0.7:
            continue
        answers = {}
        for name, choices in QUESTIONS:
            values = list(choices.values)
            weights = [1] * len(values)
            weights[0] = 3  # the first answer of each question is the commonest
            answers[name] = rng.choices(values, weights)[0]
        responses.append(
            SurveyResponse(
                worker=worker,
                consent_version=CURRENT_VERSION,
                country=rng.choices(("FR", "MG", "BE", "DE", ""), (70, 10, 8, 5, 7))[0],
                reasons=sorted(set(rng.sample(list(Reason.values), k=rng.randint(1, 3)))),
                **answers,
            )
        )
    SurveyResponse.objects.bulk_create(responses)
    SurveyConsentEvent.objects.bulk_create(
        SurveyConsentEvent(
            worker=response.worker, action=ConsentAction.GIVEN, consent_version=CURRENT_VERSION
        )
        for response in responses
    )
