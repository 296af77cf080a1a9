"""Gold mixing in the claim path: gold tasks reach each worker at the requester's rate, once."""

import io
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from microwork.payments import selectors as payment_selectors
from microwork.projects import services as projects
from microwork.projects.models import Task
from microwork.quality.gold import gold_feedback_message, gold_settings_save
from microwork.quality.models import GoldSettings
from microwork.work import services as work
from microwork.work.frame import frame_token
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory

pytestmark = pytest.mark.django_db


def _draws(*values):
    """A random source that returns `values` in turn, and fails loudly if asked once more."""
    remaining = list(values)
    return lambda: remaining.pop(0)


def _batch(*, ordinary: int, gold: int, rate: int, redundancy: int = 3):
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=redundancy))
    GoldSettings.objects.create(project=batch.project, mixing_rate_percent=rate)
    ordinary_tasks = [TaskFactory(batch=batch) for _ in range(ordinary)]
    gold_tasks = [TaskFactory(batch=batch, gold={"answer": "yes"}) for _ in range(gold)]
    return batch, ordinary_tasks, gold_tasks


def _claim_and_submit(worker, project, draw, answer="yes"):
    assignment = work.assignment_claim_next(worker=worker, project=project, draw=draw)
    work.assignment_submit(assignment=assignment, fields={"answer": [answer]}, worker=worker)
    return assignment


def test_claim_gives_gold_when_the_draw_falls_under_the_rate(worker):
    batch, ordinary, gold = _batch(ordinary=3, gold=3, rate=30)

    first = _claim_and_submit(worker, batch.project, _draws(0.29))
    second = _claim_and_submit(worker, batch.project, _draws(0.30))
    third = _claim_and_submit(worker, batch.project, _draws(0.0))

    assert [first.task_id, second.task_id, third.task_id] == [
        gold[0].pk,
        ordinary[0].pk,
        gold[1].pk,
    ]


def test_claim_mixes_gold_at_the_rate_over_a_stream_of_draws(worker):
    batch, _ordinary, gold = _batch(ordinary=20, gold=20, rate=25)
    draws = [index / 20 for index in range(20)]  # 0.00, 0.05, ... 0.95: five fall under 0.25

    for draw in draws:
        _claim_and_submit(worker, batch.project, _draws(draw))

    gold_ids = {task.pk for task in gold}
    given = Counter(
        task_id in gold_ids
        for task_id in Assignment.objects.filter(worker=worker).values_list("task_id", flat=True)
    )
    assert given == {True: 5, False: 15}


def test_claim_never_offers_a_worker_the_same_gold_task_twice(worker):
    batch, ordinary, gold = _batch(ordinary=2, gold=2, rate=100)

    taken = [_claim_and_submit(worker, batch.project, _draws(0.5)).task_id for _ in range(4)]

    assert taken == [gold[0].pk, gold[1].pk, ordinary[0].pk, ordinary[1].pk]
    assert Assignment.objects.filter(worker=worker).count() == 4


def test_claim_gives_ordinary_tasks_once_the_worker_has_done_every_gold(worker):
    batch, ordinary, gold = _batch(ordinary=1, gold=1, rate=100)
    _claim_and_submit(worker, batch.project, _draws(0.0))

    assignment = _claim_and_submit(worker, batch.project, _draws(0.0))

    assert assignment.task_id == ordinary[0].pk
    with pytest.raises(work.NoTaskAvailable):
        work.assignment_claim_next(worker=worker, project=batch.project, draw=_draws(0.0))
    assert Assignment.objects.filter(worker=worker).count() == 2


def test_claim_gives_each_worker_each_gold_task_once(worker):
    batch, _ordinary, gold = _batch(ordinary=0, gold=1, rate=100, redundancy=3)
    workers = [worker, *WorkerFactory.create_batch(2)]

    for each in workers:
        assert _claim_and_submit(each, batch.project, _draws(0.0)).task_id == gold[0].pk

    assert Task.objects.get(pk=gold[0].pk).open_slots == 0
    late = WorkerFactory()
    with pytest.raises(work.NoTaskAvailable):
        work.assignment_claim_next(worker=late, project=batch.project, draw=_draws(0.0))
    assert not Assignment.objects.filter(worker=late).exists()


def test_claim_with_rate_zero_never_gives_gold_nor_draws(worker):
    batch, ordinary, gold = _batch(ordinary=2, gold=2, rate=0)

    taken = [_claim_and_submit(worker, batch.project, _draws()).task_id for _ in range(2)]

    assert taken == [ordinary[0].pk, ordinary[1].pk]
    with pytest.raises(work.NoTaskAvailable):
        work.assignment_claim_next(worker=worker, project=batch.project, draw=_draws())
    assert not Assignment.objects.filter(task__in=gold).exists()
    assert [Task.objects.get(pk=task.pk).open_slots for task in gold] == [3, 3]


def test_claim_without_gold_settings_gives_no_gold(worker):
    task = TaskFactory(gold={"answer": "yes"})

    with pytest.raises(work.NoTaskAvailable):
        work.assignment_claim_next(worker=worker, project=task.batch.project, draw=_draws())

    assert not Assignment.objects.exists()


def test_training_feedback_follows_a_mixed_in_gold_task(worker):
    batch, _ordinary, _gold = _batch(ordinary=1, gold=1, rate=100)
    GoldSettings.objects.filter(project=batch.project).update(shows_feedback=True)
    assignment = work.assignment_claim_next(worker=worker, project=batch.project, draw=_draws(0.0))
    data = {
        "assignmentId": assignment.public_id,
        "mw_token": frame_token(assignment.public_id),
        "answer": "no",
    }

    html = Client().post(reverse("work:submit"), data).content.decode()

    feedback = "This was a question with a known answer. The right answer: answer: yes."
    assert feedback in html
    assert gold_feedback_message(assignment) == feedback


def test_gold_and_ordinary_work_pages_carry_no_gold_marker(worker):
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=1))
    GoldSettings.objects.create(project=batch.project, mixing_rate_percent=50)
    TaskFactory(batch=batch, input={"text": "same"})
    TaskFactory(batch=batch, input={"text": "same"}, gold={"answer": "positive-xyz"})
    client = Client()
    client.force_login(worker)
    pages = []
    for draw in (0.0, 0.9):
        assignment = work.assignment_claim_next(
            worker=worker, project=batch.project, draw=_draws(draw)
        )
        frame = client.get(reverse("work:assignment-frame", args=[assignment.public_id]))
        detail = client.get(reverse("work:assignment-detail", args=[assignment.public_id]))
        pages.append(
            (frame.content.decode().replace(assignment.public_id, "ID"), detail.status_code)
        )
        work.assignment_submit(assignment=assignment, fields={"answer": ["a"]}, worker=worker)

    (gold_page, gold_status), (ordinary_page, ordinary_status) = pages
    assert gold_status == ordinary_status == 200
    assert "positive-xyz" not in gold_page
    assert "gold" not in gold_page.lower()


def _upload(project, content: bytes):
    return projects.batch_create_from_upload(
        project=project, file=io.BytesIO(content), filename="rows.csv"
    )


def test_upload_gives_gold_tasks_the_requesters_number_of_workers():
    project = ProjectFactory(assignments_per_task=3)
    gold_settings_save(
        project=project, mixing_rate_percent=10, shows_feedback=False, workers_per_gold_task=40
    )

    batch = _upload(project, b"text,_gold\nfirst,\nsecond,yes\n")

    slots = list(batch.tasks.order_by("row_number").values_list("max_assignments", "open_slots"))
    assert slots == [(3, 3), (40, 40)]
    assert payment_selectors.batch_slots(batch) == 43


def test_gold_settings_save_resizes_gold_tasks_of_draft_batches_only():
    project = ProjectFactory(assignments_per_task=3)
    draft = _upload(project, b"text,_gold\nfirst,\nsecond,yes\n")
    published = PublishedBatchFactory(project=project)
    live_gold = TaskFactory(batch=published, gold={"answer": "yes"})

    gold_settings_save(
        project=project, mixing_rate_percent=20, shows_feedback=True, workers_per_gold_task=10
    )

    slots = list(draft.tasks.order_by("row_number").values_list("max_assignments", "open_slots"))
    assert slots == [(3, 3), (10, 10)]
    live_gold.refresh_from_db()
    assert (live_gold.max_assignments, live_gold.open_slots) == (3, 3)
    settings = GoldSettings.objects.get(project=project)
    assert (settings.mixing_rate_percent, settings.shows_feedback) == (20, True)


@pytest.mark.parametrize(
    ("rate", "workers", "field"),
    [
        (101, None, "mixing_rate_percent"),
        (10, 0, "workers_per_gold_task"),
        (10, 101, "workers_per_gold_task"),
    ],
)
def test_gold_settings_save_refuses_out_of_range_values(rate, workers, field):
    from django.core.exceptions import ValidationError

    project = ProjectFactory()

    with pytest.raises(ValidationError) as raised:
        gold_settings_save(
            project=project,
            mixing_rate_percent=rate,
            shows_feedback=False,
            workers_per_gold_task=workers,
        )

    assert field in raised.value.message_dict
    assert not GoldSettings.objects.filter(project=project).exists()


def test_preview_and_marketplace_never_offer_a_gold_task(worker):
    from microwork.quality.selectors import projects_available_for_worker
    from microwork.work import selectors

    batch, _none, gold = _batch(ordinary=0, gold=1, rate=50)  # the gold task comes first
    ordinary = TaskFactory(batch=batch)
    assert gold[0].pk < ordinary.pk

    assert selectors.task_to_preview_for_worker(worker=worker, project=batch.project) == ordinary
    listed = projects_available_for_worker(worker=worker).get()
    assert listed.slots_available == 3  # the ordinary task's slots, not the gold task's

    _claim_and_submit(worker, batch.project, _draws(0.9))

    assert selectors.task_to_preview_for_worker(worker=worker, project=batch.project) is None
    assert not projects_available_for_worker(worker=worker).exists()
