"""The requirements and blocks where workers meet them: the claim, the marketplace, the
preview."""

import pytest
from django.urls import reverse

from microwork.quality import selectors as quality_selectors
from microwork.quality.enums import ActionsGuarded, Comparator, SystemQualification
from microwork.quality.refusals import RequirementNotMet, WorkerBlocked
from microwork.work import services as work
from microwork.work.models import Assignment
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, make_tasks
from tests.quality.factories import (
    ProjectRequirementFactory,
    WorkerBlockFactory,
    WorkerProfileFactory,
    WorkerQualificationFactory,
)

pytestmark = pytest.mark.django_db


def _live_project(**project):
    batch = PublishedBatchFactory(project=ProjectFactory(**project))
    make_tasks(batch, 2)
    return batch.project


def _us_only(project, actions_guarded):
    return ProjectRequirementFactory(
        project=project,
        qualification_type=None,
        system_key=SystemQualification.LOCALE,
        comparator=Comparator.EQUAL_TO,
        locale_values=[{"Country": "US"}],
        actions_guarded=actions_guarded,
    )


def _slots(project):
    return sorted(project.batches.get().tasks.values_list("open_slots", flat=True))


def test_assignment_claim_next_refuses_a_blocked_worker_with_the_reason(worker):
    project = _live_project()
    WorkerBlockFactory(requester=project.requester, worker=worker, reason="Random clicking.")

    with pytest.raises(WorkerBlocked) as refusal:
        work.assignment_claim_next(worker=worker, project=project)

    assert isinstance(refusal.value, work.NoTaskAvailable)
    assert refusal.value.message.endswith(": Random clicking.")
    assert not Assignment.objects.exists()
    assert _slots(project) == [3, 3]


def test_assignment_claim_refuses_an_unqualified_worker_saying_which_requirement(worker):
    project = _live_project()
    grant = WorkerQualificationFactory(worker=worker, integer_value=40)
    ProjectRequirementFactory(
        project=project,
        qualification_type=grant.qualification_type,
        comparator=Comparator.GREATER_THAN_OR_EQUAL_TO,
        integer_values=[50],
    )
    task = project.batches.get().tasks.first()

    with pytest.raises(RequirementNotMet) as refusal:
        work.assignment_claim(worker=worker, task=task)

    assert refusal.value.message == (
        "You do not meet this project's requirements: "
        f"Qualification “{grant.qualification_type.name}” at least 50 (yours is 40)."
    )
    assert not Assignment.objects.exists()
    assert _slots(project) == [3, 3]


def test_assignment_claim_next_accepts_a_qualified_worker(worker):
    project = _live_project()
    _us_only(project, ActionsGuarded.DISCOVER_PREVIEW_AND_ACCEPT)
    WorkerProfileFactory(user=worker, country="US")

    assignment = work.assignment_claim_next(worker=worker, project=project)

    assert assignment.worker == worker
    assert _slots(project) == [2, 3]


def test_marketplace_hides_projects_of_requesters_who_blocked_the_worker(worker):
    blocked = _live_project()
    other = _live_project()
    WorkerBlockFactory(requester=blocked.requester, worker=worker)
    WorkerBlockFactory(requester=other.requester)  # someone else's block

    shown = list(quality_selectors.projects_available_for_worker(worker=worker))

    assert shown == [other]


def test_marketplace_hides_only_projects_whose_discover_requirements_fail(worker):
    hidden = _live_project()
    _us_only(hidden, ActionsGuarded.DISCOVER_PREVIEW_AND_ACCEPT)
    preview_guarded = _live_project()
    _us_only(preview_guarded, ActionsGuarded.PREVIEW_AND_ACCEPT)
    WorkerProfileFactory(user=worker, country="FR", subdivision="")

    shown = set(quality_selectors.projects_available_for_worker(worker=worker))

    assert shown == {preview_guarded}


def test_marketplace_shows_discover_guarded_projects_to_qualified_workers(worker):
    project = _live_project()
    _us_only(project, ActionsGuarded.DISCOVER_PREVIEW_AND_ACCEPT)
    WorkerProfileFactory(user=worker, country="US")

    assert list(quality_selectors.projects_available_for_worker(worker=worker)) == [project]


def test_preview_explains_an_unmet_preview_requirement(client, worker):
    project = _live_project()
    _us_only(project, ActionsGuarded.PREVIEW_AND_ACCEPT)
    client.force_login(worker)

    response = client.get(reverse("work:project-preview", args=[project.public_id]))
    frame = client.get(reverse("work:project-preview-frame", args=[project.public_id]))

    assert response.status_code == 403
    assert "Location equal to US (you have not set your country in Settings)" in (
        response.content.decode()
    )
    assert frame.status_code == 404


def test_preview_is_open_when_only_accept_is_guarded(client, worker):
    project = _live_project()
    _us_only(project, ActionsGuarded.ACCEPT)
    client.force_login(worker)

    response = client.get(reverse("work:project-preview", args=[project.public_id]))

    assert response.status_code == 200


def test_accept_view_shows_the_block_reason(client, worker):
    project = _live_project()
    WorkerBlockFactory(requester=project.requester, worker=worker, reason="Too fast.")
    client.force_login(worker)

    response = client.post(reverse("work:project-accept", args=[project.public_id]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("work:marketplace")
    assert "Too fast." in response.content.decode()
    assert not Assignment.objects.exists()
