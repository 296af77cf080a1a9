"""Dynamic overlap: tasks stop when answers agree, get more workers while they disagree, and
the escrow of slots they will not use goes back to the requester, exactly once (ADR 0012)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from microwork.payments import selectors as payment_selectors
from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import LedgerEntry, Posting
from microwork.projects import services as projects
from microwork.projects.forms import ProjectForm
from microwork.projects.models import Batch, Project, Task
from microwork.quality import overlap
from microwork.quality.enums import RuleActionKind, RuleCondition
from microwork.quality.models import Rule, RuleAction
from microwork.work import services as work
from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory, project_fields
from tests.threads import run_in_threads

pytestmark = pytest.mark.django_db

# reward 0.50 with 3 workers per task (the minimum): fee 0.10, so one slot costs 0.60.
SLOT = 60
FUNDS = 10_000


def _project(**overrides):
    fields = {
        "assignments_per_task": 3,
        "overlap_dynamic": True,
        "overlap_max": 5,
        "overlap_threshold_percent": 80,
    }
    fields.update(overrides)
    return ProjectFactory(**fields)


def _published(project=None, *, tasks=1, gold=None):
    project = project or _project()
    batch = BatchFactory(project=project)
    for row in range(tasks):
        TaskFactory(
            batch=batch,
            row_number=row + 2,
            max_assignments=project.assignments_per_task,
            open_slots=project.assignments_per_task,
            gold=gold,
        )
    batch.task_count = tasks
    batch.save()
    fund(project.requester, FUNDS)
    return projects.batch_publish(batch=batch)


def _answer(batch, value, worker=None):
    worker = worker or WorkerFactory()
    assignment = work.assignment_claim_next(worker=worker, project=batch.project)
    return work.assignment_submit(assignment=assignment, fields={"answer": [value]}, worker=worker)


def _funds(batch):
    return payments.balance(payments.requester_available(batch.project.requester))


def _escrow(batch):
    return payments.balance(payments.escrow(batch))


def _releases(batch):
    return list(
        Posting.objects.filter(
            batch=batch, idempotency_key__startswith=overlap.RELEASE_KEY_PREFIX
        ).order_by("pk")
    )


def _task(batch):
    return Task.objects.get(batch=batch)


# --- publication ---------------------------------------------------------------------------


def test_batch_publish_reserves_every_task_up_to_the_maximum_overlap():
    batch = _published(tasks=2)

    assert payment_selectors.batch_cost(batch)["slots"] == 2 * 5
    assert _escrow(batch) == 2 * 5 * SLOT
    assert _funds(batch) == FUNDS - 2 * 5 * SLOT
    assert set(batch.tasks.values_list("max_assignments", "open_slots")) == {(3, 3)}
    assert ledger_problems() == []


def test_batch_publish_without_dynamic_overlap_reserves_the_fixed_overlap():
    batch = _published(_project(overlap_dynamic=False), tasks=2)

    assert _escrow(batch) == 2 * 3 * SLOT
    assert ledger_problems() == []


# --- stopping ------------------------------------------------------------------------------


def test_task_stops_at_the_minimum_when_answers_agree_and_its_unused_escrow_goes_back():
    batch = _published()

    for _ in range(3):
        _answer(batch, "yes")

    task = _task(batch)
    assert (task.max_assignments, task.open_slots, task.overlap_extended) == (3, 0, 0)
    assert task.overlap_stopped_at is not None
    [release] = _releases(batch)
    assert [(e.account.kind, e.amount_cents) for e in release.entries.order_by("amount_cents")] == [
        ("escrow", -2 * SLOT),
        ("requester_available", 2 * SLOT),
    ]
    assert _escrow(batch) == 3 * SLOT
    assert _funds(batch) == FUNDS - 5 * SLOT + 2 * SLOT
    assert ledger_problems() == []
    with pytest.raises(work.NoTaskAvailable):
        _answer(batch, "yes")


def test_task_keeps_collecting_until_the_minimum_even_when_the_first_answers_agree():
    batch = _published()

    _answer(batch, "yes")
    _answer(batch, "yes")

    task = _task(batch)
    assert (task.max_assignments, task.open_slots, task.overlap_stopped_at) == (3, 1, None)
    assert _releases(batch) == []
    assert ledger_problems() == []


def test_stopped_task_releases_its_escrow_exactly_once():
    batch = _published()
    for _ in range(3):
        _answer(batch, "yes")
    task = _task(batch)
    funds = _funds(batch)

    again = overlap.task_overlap_after_submit(task_id=task.pk)
    retried = payments.overlap_release(task=task, slots=2)

    assert again is None
    assert retried == _releases(batch)[0]
    assert len(_releases(batch)) == 1
    assert _funds(batch) == funds
    assert ledger_problems() == []


def test_stopped_task_is_paid_from_escrow_and_the_batch_end_returns_only_the_rest():
    batch = _published(tasks=2)
    for _ in range(3):
        _answer(batch, "yes")  # the first task stops: 2 slots back
    submitted = list(batch.tasks.get(row_number=2).assignments.all())
    for assignment in submitted:
        work.assignment_approve(assignment=assignment, requester=batch.project.requester)
    assert ledger_problems() == []

    projects.batch_cancel(batch=batch)

    assert _escrow(batch) == 0
    # Paid: 3 answers of the first task; the second task's 5 reserved slots all came back.
    assert _funds(batch) == FUNDS - 3 * SLOT
    assert ledger_problems() == []


def test_stop_after_a_pay_floor_raise_returns_the_slots_at_the_raised_price():
    batch = _published()
    with transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(reward_override_cents=70)  # fee 0.14
        batch.refresh_from_db()
        payments.escrow_top_up(batch=batch)
    assert _escrow(batch) == 5 * 84

    for _ in range(3):
        _answer(batch, "yes")

    [release] = _releases(batch)
    assert release.entries.get(account__kind="requester_available").amount_cents == 2 * 84
    assert _escrow(batch) == 3 * 84
    assert ledger_problems() == []


# --- extending -----------------------------------------------------------------------------


def test_task_extends_one_slot_at_a_time_on_disagreement_and_stops_at_the_maximum():
    batch = _published()
    for value in ("yes", "no", "yes"):
        _answer(batch, value)  # 2 of 3 agree: 67% < 80%

    task = _task(batch)
    assert (task.max_assignments, task.open_slots, task.overlap_extended) == (4, 1, 1)
    assert task.overlap_stopped_at is None

    _answer(batch, "no")  # 2 of 4
    task.refresh_from_db()
    assert (task.max_assignments, task.open_slots, task.overlap_extended) == (5, 1, 2)

    _answer(batch, "yes")  # 3 of 5 = 60%, and the maximum is reached
    task.refresh_from_db()
    assert (task.max_assignments, task.open_slots, task.overlap_extended) == (5, 0, 2)
    assert task.overlap_stopped_at is not None
    assert _releases(batch) == []
    assert _escrow(batch) == 5 * SLOT
    assert ledger_problems() == []
    with pytest.raises(work.NoTaskAvailable):
        _answer(batch, "yes")


def test_extended_task_stops_when_agreement_reaches_the_threshold_and_returns_the_rest():
    batch = _published(_project(overlap_threshold_percent=75))
    for value in ("yes", "yes", "no"):
        _answer(batch, value)  # 67% < 75%: one more

    _answer(batch, "yes")  # 3 of 4 = 75%

    task = _task(batch)
    assert (task.max_assignments, task.open_slots, task.overlap_extended) == (4, 0, 1)
    assert task.overlap_stopped_at is not None
    [release] = _releases(batch)
    assert release.entries.get(account__kind="requester_available").amount_cents == SLOT
    assert _escrow(batch) == 4 * SLOT
    assert ledger_problems() == []


def test_task_does_not_extend_while_an_accepted_answer_is_still_to_come():
    batch = _published(_project(assignments_per_task=2, overlap_max=4))
    first, second = WorkerFactory(), WorkerFactory()
    a = work.assignment_claim_next(worker=first, project=batch.project)
    b = work.assignment_claim_next(worker=second, project=batch.project)
    work.assignment_submit(assignment=a, fields={"answer": ["yes"]}, worker=first)
    task = _task(batch)
    assert (task.max_assignments, task.open_slots) == (2, 0)

    work.assignment_submit(assignment=b, fields={"answer": ["no"]}, worker=second)

    task.refresh_from_db()
    assert (task.max_assignments, task.open_slots, task.overlap_extended) == (3, 1, 1)
    assert ledger_problems() == []


def test_lowered_weight_counts_less_in_the_confidence():
    project = _project()
    batch = _published(project)
    doubtful = WorkerFactory()
    rule = Rule.objects.create(
        project=project,
        condition=RuleCondition.AGREEMENT_BELOW,
        threshold_percent=50,
        min_observations=100,
        action=RuleActionKind.LOWER_WEIGHT,
        weight_percent=20,
    )
    RuleAction.objects.create(
        rule=rule,
        project=project,
        worker=doubtful,
        action=RuleActionKind.LOWER_WEIGHT,
        reason="Agreement 10% over 20 answers.",
        observed_percent=10,
        observations=20,
    )

    _answer(batch, "no", worker=doubtful)
    _answer(batch, "yes")
    _answer(batch, "yes")  # 200 of 220 = 91% >= 80%; unweighted it would be 67%

    task = _task(batch)
    assert (task.max_assignments, task.overlap_extended) == (3, 0)
    assert task.overlap_stopped_at is not None
    confidence = overlap.task_confidence(task=task, project=project, field="answer")
    assert (confidence.label, confidence.weight, confidence.total_weight) == ("yes", 200, 220)


def test_rejected_answers_do_not_count():
    project = _project()
    batch = _published(project)
    task = _task(batch)
    rejected = _answer(batch, "no")
    work.assignment_reject(assignment=rejected, requester=project.requester, reason="Spam.")
    _answer(batch, "yes")

    confidence = overlap.task_confidence(task=task, project=project, field="answer")

    assert (confidence.label, confidence.answers, confidence.percent) == ("yes", 1, 100.0)


def test_fixed_overlap_never_extends_or_stops_early():
    batch = _published(_project(overlap_dynamic=False))
    for value in ("yes", "no", "maybe"):
        _answer(batch, value)

    task = _task(batch)
    assert (task.max_assignments, task.open_slots, task.overlap_extended) == (3, 0, 0)
    assert task.overlap_stopped_at is None
    assert _releases(batch) == []
    assert ledger_problems() == []


def test_gold_task_keeps_its_own_redundancy():
    batch = _published(gold={"answer": "yes"})
    task = _task(batch)

    for value in ("yes", "yes", "yes"):
        worker = WorkerFactory()
        assignment = work.assignment_claim(worker=worker, task=task)
        work.assignment_submit(assignment=assignment, fields={"answer": [value]}, worker=worker)

    task.refresh_from_db()
    assert (task.max_assignments, task.open_slots, task.overlap_stopped_at) == (3, 0, None)
    assert _escrow(batch) == 3 * SLOT
    assert ledger_problems() == []


def test_submit_after_the_batch_ended_changes_no_slots_and_moves_no_overlap_money():
    batch = _published()
    workers = WorkerFactory.create_batch(3)
    accepted = [work.assignment_claim_next(worker=w, project=batch.project) for w in workers]
    projects.batch_cancel(batch=batch)

    for worker, assignment in zip(workers, accepted, strict=True):
        work.assignment_submit(assignment=assignment, fields={"answer": ["yes"]}, worker=worker)

    task = _task(batch)
    assert (task.max_assignments, task.open_slots, task.overlap_stopped_at) == (3, 0, None)
    assert _releases(batch) == []
    assert _escrow(batch) == 3 * SLOT
    assert ledger_problems() == []


def test_deciding_field_defaults_to_the_first_categorical_field():
    assert overlap.deciding_field(ProjectFactory()) == "answer"
    assert overlap.deciding_field(ProjectFactory(overlap_field="other")) == "other"


# --- configuration -------------------------------------------------------------------------


def _create(requester, **overrides):
    fields = project_fields(overlap_dynamic=True, overlap_max=5, overlap_threshold_percent=80)
    fields.update(overrides)
    return projects.project_create(requester=requester, **fields)


@pytest.mark.parametrize(
    "overrides",
    [
        {"assignments_per_task": 4, "overlap_max": 3},  # min > max
        {"overlap_max": 101},
        {"overlap_threshold_percent": 50},
        {"overlap_threshold_percent": 101},
    ],
)
def test_project_create_refuses_an_invalid_overlap_and_creates_nothing(overrides):
    requester = RequesterFactory()

    with pytest.raises(ValidationError):
        _create(requester, **overrides)

    assert not Project.objects.filter(requester=requester).exists()


def test_project_update_refuses_an_invalid_overlap_and_changes_nothing():
    requester = RequesterFactory()
    project = _create(requester)

    with pytest.raises(ValidationError):
        projects.project_update(project=project, overlap_max=2)
    with pytest.raises(ValidationError):
        projects.project_update(project=project, overlap_threshold_percent=0)

    project.refresh_from_db()
    assert (project.overlap_max, project.overlap_threshold_percent) == (5, 80)


def test_project_update_refuses_a_new_maximum_once_published_and_changes_nothing():
    batch = _published()
    project = batch.project

    with pytest.raises(projects.ProjectTermsLocked):
        projects.project_update(project=project, overlap_max=8)
    with pytest.raises(projects.ProjectTermsLocked):
        projects.project_update(project=project, overlap_dynamic=False)

    project.refresh_from_db()
    assert (project.overlap_dynamic, project.overlap_max) == (True, 5)
    assert _escrow(batch) == 5 * SLOT
    assert ledger_problems() == []


def test_project_update_may_change_the_threshold_of_a_published_project():
    batch = _published()

    projects.project_update(project=batch.project, overlap_threshold_percent=90)

    batch.project.refresh_from_db()
    assert batch.project.overlap_threshold_percent == 90


def _form_data(**overrides):
    data = {
        "title": "Sentiment",
        "description": "Say if it is positive.",
        "reward": "0.50",
        "assignments_per_task": "3",
        "time_allotted_minutes": "10",
        "lifetime_hours": "168",
        "auto_approval_hours": "72",
        "estimated_minutes": "1",
        "template_kind": "custom_html",
        "template_html": '<p>${text}</p><input name="answer">',
        "overlap_dynamic": "on",
        "overlap_max": "5",
        "overlap_threshold_percent": "80",
        "overlap_field": "",
    }
    data.update(overrides)
    return data


def test_project_form_passes_the_overlap_settings_to_the_services():
    form = ProjectForm(data=_form_data(overlap_field="answer"))

    assert form.is_valid(), form.errors
    fields = form.project_fields()
    assert {name: fields[name] for name in fields if name.startswith("overlap")} == {
        "overlap_dynamic": True,
        "overlap_max": 5,
        "overlap_threshold_percent": 80,
        "overlap_field": "answer",
    }


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"assignments_per_task": "4", "overlap_max": "3"}, "overlap_max"),
        ({"overlap_threshold_percent": "50"}, "overlap_threshold_percent"),
        ({"overlap_threshold_percent": "101"}, "overlap_threshold_percent"),
        ({"overlap_field": "colour"}, "overlap_field"),
    ],
)
def test_project_form_refuses_an_invalid_overlap_on_its_field(overrides, field):
    form = ProjectForm(data=_form_data(**overrides))

    assert not form.is_valid()
    assert list(form.errors) == [field]


def test_project_form_ignores_the_maximum_without_dynamic_overlap():
    form = ProjectForm(data=_form_data(overlap_dynamic="", assignments_per_task="8"))

    assert form.is_valid(), form.errors


def test_project_create_page_refuses_min_above_max_and_creates_nothing(client, requester):
    client.force_login(requester)

    response = client.post(
        reverse("projects:project-create"),
        _form_data(assignments_per_task="6", overlap_max="4"),
    )

    assert response.status_code == 200
    assert "At least the workers per task (6)." in response.content.decode()
    assert not Project.objects.filter(requester=requester).exists()


# --- the progress page ---------------------------------------------------------------------


def test_batch_detail_shows_answers_and_money_saved_and_tasks_extended(client):
    batch = _published(tasks=2)
    for _ in range(3):
        _answer(batch, "yes")  # first task: stops at 3, 2 slots saved
    for value in ("yes", "no", "yes"):
        _answer(batch, value)  # second task: extended to 4
    client.force_login(batch.project.requester)

    response = client.get(reverse("projects:batch-detail", args=[batch.pk]))

    summary = response.context["overlap"]
    assert summary["tasks_stopped"] == 1
    assert summary["tasks_extended"] == 1
    assert summary["slots_added"] == 1
    assert summary["answers_saved"] == 2
    assert summary["money_saved_cents"] == 2 * SLOT
    html = response.content.decode()
    assert "Answers saved" in html
    assert "1.20 EUR" in html


def test_batch_detail_without_dynamic_overlap_has_no_overlap_section(client):
    batch = _published(_project(overlap_dynamic=False))
    client.force_login(batch.project.requester)

    response = client.get(reverse("projects:batch-detail", args=[batch.pk]))

    assert response.context["overlap"] is None
    assert 'id="dynamic-overlap"' not in response.content.decode()


def test_batch_detail_with_overlap_is_for_its_requester_only(client, worker):
    batch = _published()
    url = reverse("projects:batch-detail", args=[batch.pk])

    anonymous = client.get(url)
    client.force_login(worker)
    as_worker = client.get(url)
    client.force_login(RequesterFactory())
    as_other = client.get(url)

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("accounts:login"))
    assert as_worker.status_code == 403
    assert as_other.status_code == 404


def test_batch_overlap_summary_counts_only_released_money_of_its_batch():
    first, second = _published(), _published()
    for _ in range(3):
        _answer(first, "yes")

    assert overlap.batch_overlap_summary(first)["money_saved_cents"] == 2 * SLOT
    assert overlap.batch_overlap_summary(second)["money_saved_cents"] == 0
    assert LedgerEntry.objects.filter(posting__in=_releases(first)).count() == 2


# --- concurrency (PostgreSQL, real threads) ------------------------------------------------


def _claimed_by(batch, count):
    workers = WorkerFactory.create_batch(count)
    return [
        (worker, work.assignment_claim_next(worker=worker, project=batch.project))
        for worker in workers
    ]


@pytest.mark.parametrize("_run", range(3))
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_disagreeing_submits_extend_a_task_exactly_once(_run):
    batch = _published()
    claimed = _claimed_by(batch, 3)

    def submit(index: int) -> None:
        worker, assignment = claimed[index]
        value = ("yes", "no", "maybe")[index]
        work.assignment_submit(assignment=assignment, fields={"answer": [value]}, worker=worker)

    errors = run_in_threads(3, submit)

    assert errors == []
    task = _task(batch)
    assert (task.max_assignments, task.open_slots, task.overlap_extended) == (4, 1, 1)
    assert task.overlap_stopped_at is None
    assert _releases(batch) == []
    assert ledger_problems() == []


@pytest.mark.parametrize("_run", range(3))
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_agreeing_submits_release_the_escrow_exactly_once(_run):
    batch = _published()
    claimed = _claimed_by(batch, 3)

    def submit(index: int) -> None:
        worker, assignment = claimed[index]
        work.assignment_submit(assignment=assignment, fields={"answer": ["yes"]}, worker=worker)

    errors = run_in_threads(3, submit)

    assert errors == []
    task = _task(batch)
    assert (task.max_assignments, task.open_slots, task.overlap_extended) == (3, 0, 0)
    [release] = _releases(batch)
    assert release.entries.get(account__kind="requester_available").amount_cents == 2 * SLOT
    assert _funds(batch) == FUNDS - 5 * SLOT + 2 * SLOT
    assert ledger_problems() == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_threads_claiming_and_submitting_never_over_extend_or_double_release():
    threads, tasks = 16, 6
    batch = _published(tasks=tasks)
    workers = WorkerFactory.create_batch(threads)

    def work_until_empty(index: int) -> None:
        worker = workers[index]
        # Two camps that disagree, so some tasks stop early and others run to the maximum.
        value = "yes" if index % 3 else "no"
        for _attempt in range(tasks + 1):
            try:
                assignment = work.assignment_claim_next(worker=worker, project=batch.project)
            except work.NoTaskAvailable:
                return
            work.assignment_submit(assignment=assignment, fields={"answer": [value]}, worker=worker)

    errors = run_in_threads(threads, work_until_empty)

    assert errors == []
    assert ledger_problems() == []
    # A worker who found every slot held leaves; a slot an extension opened after that waits for
    # the next worker. Finish the batch one worker at a time.
    for index in range(tasks * 5):
        try:
            _answer(batch, "yes" if index % 2 else "no")
        except work.NoTaskAvailable:
            break
    for task in batch.tasks.all():
        answered = task.assignments.filter(state=AssignmentState.SUBMITTED).count()
        assert 3 <= answered == task.max_assignments <= 5
        assert task.max_assignments == 3 + task.overlap_extended
        assert task.open_slots == 0
        assert task.overlap_stopped_at is not None
        releases = Posting.objects.filter(
            idempotency_key__startswith=f"{overlap.RELEASE_KEY_PREFIX}{task.pk}:"
        )
        saved = 5 - task.max_assignments
        assert releases.count() == (1 if saved else 0)
        if saved:
            assert (
                releases.get().entries.get(account__kind="requester_available").amount_cents
                == saved * SLOT
            )
    answered_total = sum(t.max_assignments for t in batch.tasks.all())
    assert _escrow(batch) == answered_total * SLOT
    assert _funds(batch) == FUNDS - answered_total * SLOT


def test_project_detail_shows_the_overlap_range(client):
    project = _project()
    client.force_login(project.requester)

    response = client.get(reverse("projects:project-detail", args=[project.pk]))

    assert "3 to 5: a task stops when 80% of its answers agree" in response.content.decode()
