"""The requester's progress pages count a HIT's own MaxAssignments, not the HIT type's
project's one assignment per task."""

from django.test import Client
from django.urls import reverse

from microwork.projects.models import Task
from microwork.work import selectors
from microwork.work import services as work
from tests.accounts.factories import WorkerFactory
from tests.mturk.test_endpoint import HIT


def _submit(task, count):
    for _ in range(count):
        worker = WorkerFactory()
        assignment = work.assignment_claim(worker=worker, task=task)
        work.assignment_submit(assignment=assignment, fields={"answer": ["ok"]}, worker=worker)


def test_batch_progress_counts_the_slots_of_a_hit(mturk, funded):
    hit = mturk.create_hit(**{**HIT, "MaxAssignments": 5})["HIT"]
    task = Task.objects.get(public_id=hit["HITId"])
    _submit(task, 1)

    progress = selectors.batch_progress(task.batch)

    assert (progress["slots_total"], progress["answered"], progress["percent_done"]) == (5, 1, 20)
    assert progress["tasks_completed"] == 0
    _submit(task, 4)
    progress = selectors.batch_progress(task.batch)
    assert (progress["slots_total"], progress["answered"], progress["percent_done"]) == (5, 5, 100)
    assert progress["tasks_completed"] == 1


def test_progress_pages_show_each_hits_slots(mturk, funded, requester):
    hit_type = mturk.create_hit_type(
        **{k: HIT[k] for k in ("AssignmentDurationInSeconds", "Reward", "Title", "Description")}
    )["HITTypeId"]
    five, two = (
        mturk.create_hit_with_hit_type(
            HITTypeId=hit_type, LifetimeInSeconds=600, MaxAssignments=n, Question=HIT["Question"]
        )["HIT"]
        for n in (5, 2)
    )
    five_task = Task.objects.get(public_id=five["HITId"])
    two_task = Task.objects.get(public_id=two["HITId"])
    _submit(five_task, 1)
    _submit(two_task, 2)
    client = Client()
    client.force_login(requester)

    project_page = client.get(
        reverse("projects:project-detail", args=[five_task.batch.project_id])
    ).content.decode()
    five_page = client.get(reverse("projects:batch-detail", args=[five_task.batch_id]))
    two_page = client.get(reverse("projects:batch-detail", args=[two_task.batch_id]))

    assert '<span class="muted num">1/5</span>' in project_page
    assert '<span class="muted num">2/2</span>' in project_page
    assert "1 of 5 answers received (20%)." in five_page.content.decode()
    assert "2 of 2 answers received (100%)." in two_page.content.decode()
    batches = selectors.project_batches_with_progress(project=five_task.batch.project)
    assert sorted((b.answered, b.slots_total) for b in batches) == [(1, 5), (2, 2)]
