"""The most open assignments a worker may hold across the site at once
(MICROWORK_MAX_OPEN_ASSIGNMENTS, 3 by default): the next accept is refused and writes nothing,
a resumed one is not a new claim, and a submitted, returned or overdue one frees a place."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from microwork.projects.models import Task
from microwork.work import services
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, make_tasks

pytestmark = pytest.mark.django_db


def _projects(count: int):
    projects = []
    for _ in range(count):
        batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=2))
        make_tasks(batch, 2)
        projects.append(batch.project)
    return projects


def _rows():
    return sorted(Assignment.objects.values_list("pk", "state")), sorted(
        Task.objects.values_list("pk", "open_slots")
    )


def test_a_fourth_open_assignment_is_refused_and_writes_nothing(worker):
    projects = _projects(4)
    held = [services.assignment_claim_next(worker=worker, project=p) for p in projects[:3]]
    before = _rows()

    with pytest.raises(services.TooManyOpen) as refused:
        services.assignment_claim_next(worker=worker, project=projects[3])

    assert refused.value.message == (
        "You have 3 tasks open, the most at once: submit or return one first."
    )
    assert _rows() == before
    # Accepting again in a project where one is open resumes it: not a new claim.
    assert services.assignment_claim_next(worker=worker, project=projects[0]) == held[0]


def test_a_given_task_is_refused_the_same_way(worker):
    projects = _projects(4)
    for project in projects[:3]:
        services.assignment_claim_next(worker=worker, project=project)
    task = Task.objects.filter(batch__project=projects[3]).first()
    before = _rows()

    with pytest.raises(services.TooManyOpen):
        services.assignment_claim(worker=worker, task=task)

    assert _rows() == before


@pytest.mark.parametrize("freed_by", ["submit", "return", "deadline"])
def test_finishing_one_frees_a_place(worker, freed_by):
    projects = _projects(4)
    held = [services.assignment_claim_next(worker=worker, project=p) for p in projects[:3]]
    if freed_by == "submit":
        services.assignment_submit(assignment=held[0], fields={"answer": ["x"]}, worker=worker)
    elif freed_by == "return":
        services.assignment_return(assignment=held[0], worker=worker)
    else:
        Assignment.objects.filter(pk=held[0].pk).update(
            deadline=timezone.now() - timedelta(seconds=1)
        )

    taken = services.assignment_claim_next(worker=worker, project=projects[3])

    assert taken.state == AssignmentState.ACCEPTED
    assert taken.task.batch.project == projects[3]


def test_the_cap_is_a_setting(worker, settings):
    settings.MICROWORK_MAX_OPEN_ASSIGNMENTS = 1
    first, second = _projects(2)
    services.assignment_claim_next(worker=worker, project=first)

    with pytest.raises(services.TooManyOpen) as refused:
        services.assignment_claim_next(worker=worker, project=second)

    assert refused.value.message == (
        "You have 1 task open, the most at once: submit or return it first."
    )


def test_the_accept_page_says_why_and_stays_on_the_marketplace(worker):
    projects = _projects(4)
    for project in projects[:3]:
        services.assignment_claim_next(worker=worker, project=project)
    client = Client()
    client.force_login(worker)

    response = client.post(
        reverse("work:project-accept", args=[projects[3].public_id]), follow=True
    )

    assert response.redirect_chain == [(reverse("work:marketplace"), 302)]
    assert "You have 3 tasks open, the most at once" in response.content.decode()
    assert Assignment.objects.filter(worker=worker).count() == 3
