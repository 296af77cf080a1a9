"""The work page's flow (issue 16): the session's tally and the message after a submission,
counted once as the work page confirms it; instructions open until a first task is done."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from microwork.web.work.views import TALLY_KEY
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, make_tasks
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    return WorkerFactory()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _state_url(assignment) -> str:
    return reverse("work:assignment-state", args=[assignment.public_id])


def _detail(client, assignment) -> str:
    response = client.get(reverse("work:assignment-detail", args=[assignment.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_confirmed_submission_is_counted_once_and_said_on_the_next_page(worker):
    submitted = SubmittedAssignmentFactory(
        worker=worker, task__batch__project__title="Tone", task__batch__project__reward_cents=4
    )
    client = _client(worker)

    first = client.post(_state_url(submitted))
    again = client.post(_state_url(submitted))

    next_page = client.get(reverse("work:history"))

    assert first.json()["submitted"] is True
    assert again.json()["submitted"] is True
    assert [str(m) for m in get_messages(next_page.wsgi_request)] == ["Submitted: Tone, 0.04 EUR"]
    tally = client.session[TALLY_KEY]
    assert (tally["tasks"], tally["earned"]) == (1, {"EUR": 4})


def test_the_work_bar_shows_the_sessions_tally_in_the_active_language(worker):
    client = _client(worker)
    for reward in (4, 10):
        client.post(
            _state_url(
                SubmittedAssignmentFactory(worker=worker, task__batch__project__reward_cents=reward)
            )
        )
    open_one = AssignmentFactory(worker=worker)

    assert '<span class="work-tally" id="work-tally">This session: 2 tasks, 0.14 EUR</span>' in (
        _detail(client, open_one)
    )
    client.cookies["django_language"] = "fr"
    with translation.override("fr"):
        assert "Cette session\u00a0: 2 tâches, 0,14\u00a0€" in _detail(client, open_one)


def test_reading_the_state_or_an_open_assignment_counts_nothing(worker):
    submitted = SubmittedAssignmentFactory(worker=worker)
    still_open = AssignmentFactory(worker=worker)
    client = _client(worker)

    read = client.get(_state_url(submitted))  # a GET never writes
    not_yet = client.post(_state_url(still_open))

    assert read.json()["submitted"] is True
    assert not_yet.json()["submitted"] is False
    assert TALLY_KEY not in client.session
    assert [str(m) for m in get_messages(not_yet.wsgi_request)] == []
    assert 'id="work-tally"' not in _detail(client, still_open)


def test_another_workers_assignment_is_404_and_counts_nothing(worker):
    theirs = SubmittedAssignmentFactory()
    client = _client(worker)

    response = client.post(_state_url(theirs))

    assert response.status_code == 404
    assert TALLY_KEY not in client.session


def test_the_confirmation_post_needs_the_csrf_token(worker):
    submitted = SubmittedAssignmentFactory(worker=worker)
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker)

    response = client.post(_state_url(submitted))

    assert response.status_code == 403
    assert TALLY_KEY not in client.session


def test_instructions_are_open_until_the_worker_has_answered_a_task_of_the_project(worker):
    batch = PublishedBatchFactory(project=ProjectFactory(instructions="Read it all."))
    first, second, elsewhere = make_tasks(batch, 3)
    client = _client(worker)
    opened = AssignmentFactory(worker=worker, task=first)
    # Work in another project does not count.
    SubmittedAssignmentFactory(worker=worker)

    assert '<details class="work-instructions" open>' in _detail(client, opened)

    SubmittedAssignmentFactory(worker=worker, task=second)

    html = _detail(client, opened)
    assert '<details class="work-instructions">' in html
    assert '<details class="work-instructions" open>' not in html
