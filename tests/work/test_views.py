from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from microwork.projects.enums import BatchStatus
from microwork.work.enums import AssignmentState
from microwork.work.frame import frame_token
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import (
    ImageProjectFactory,
    ProjectFactory,
    PublishedBatchFactory,
    make_tasks,
)
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

XSS = '"><script>alert(1)</script>'


def _batch(tasks=1, redundancy=3, **project):
    batch = PublishedBatchFactory(
        project=ProjectFactory(assignments_per_task=redundancy, **project)
    )
    make_tasks(batch, tasks)
    return batch


def _login(client, user):
    client.force_login(user)
    return client


def _submit_data(assignment, **answers):
    return {
        "assignmentId": assignment.public_id,
        "mw_token": frame_token(assignment.public_id),
        **answers,
    }


def _snapshot(assignment):
    assignment.refresh_from_db()
    return (assignment.state, assignment.answers, assignment.submitted_at, assignment.work_seconds)


def _session_views(project, assignment):
    """Every view that needs a worker session, with the method it answers."""
    return [
        ("get", reverse("work:marketplace")),
        ("get", reverse("work:project-preview", args=[project.public_id])),
        ("get", reverse("work:project-preview-frame", args=[project.public_id])),
        ("post", reverse("work:project-accept", args=[project.public_id])),
        ("get", reverse("work:assignment-detail", args=[assignment.public_id])),
        ("post", reverse("work:assignment-return", args=[assignment.public_id])),
        ("post", reverse("work:assignment-active-time", args=[assignment.public_id])),
        ("get", reverse("work:assignment-state", args=[assignment.public_id])),
        ("get", reverse("work:history")),
    ]


# --- roles and ownership ------------------------------------------------------------------


def test_worker_views_send_anonymous_visitors_to_log_in(client):
    assignment = AssignmentFactory()
    project = assignment.task.batch.project

    for method, url in _session_views(project, assignment):
        response = getattr(client, method)(url)

        assert response.status_code == 302, url
        assert response.url == f"{reverse('accounts:login')}?next={url}"
    assert Assignment.objects.count() == 1
    assert _snapshot(assignment)[0] == AssignmentState.ACCEPTED


def test_worker_views_refuse_requesters(client):
    assignment = AssignmentFactory()
    project = assignment.task.batch.project
    _login(client, RequesterFactory())

    for method, url in _session_views(project, assignment):
        response = getattr(client, method)(url)

        assert response.status_code == 403, url
    assert Assignment.objects.count() == 1
    assert _snapshot(assignment)[0] == AssignmentState.ACCEPTED


def test_assignment_detail_of_another_worker_is_404(client, worker):
    assignment = AssignmentFactory()
    _login(client, worker)

    response = client.get(reverse("work:assignment-detail", args=[assignment.public_id]))

    assert response.status_code == 404


def test_assignment_return_of_another_worker_is_404_and_changes_nothing(client, worker):
    assignment = AssignmentFactory()
    _login(client, worker)

    response = client.post(reverse("work:assignment-return", args=[assignment.public_id]))

    assert response.status_code == 404
    assert _snapshot(assignment)[0] == AssignmentState.ACCEPTED
    assignment.task.refresh_from_db()
    assert assignment.task.open_slots == 2


def test_assignment_state_of_another_worker_is_404(client, worker):
    assignment = SubmittedAssignmentFactory()
    _login(client, worker)

    response = client.get(reverse("work:assignment-state", args=[assignment.public_id]))

    assert response.status_code == 404


def test_assignment_state_says_submitted_only_once_the_server_holds_the_answer(client, worker):
    """The work page's check before it moves on (work.js): the frame's word is not enough."""
    assignment = AssignmentFactory(worker=worker)
    url = reverse("work:assignment-state", args=[assignment.public_id])
    _login(client, worker)

    opened = client.get(url)
    client.post(reverse("work:submit"), _submit_data(assignment, answer="yes"))
    submitted = client.get(url)

    assert opened.status_code == 200
    assert opened.json() == {"state": "accepted", "submitted": False, "feedback": False}
    assert opened["Cache-Control"] == "no-store"
    assert submitted.json() == {"state": "submitted", "submitted": True, "feedback": False}


@pytest.mark.parametrize(
    ("answer", "shows_feedback", "feedback"),
    [("no", True, True), ("yes", True, False), ("no", False, False)],
)
def test_assignment_state_says_when_the_frame_shows_training_feedback(
    client, worker, answer, shows_feedback, feedback
):
    """After a wrong answer to a gold task in training mode, the frame shows the right answer
    and the work page waits for the worker to read it (work.js) instead of moving on."""
    from microwork.quality.models import GoldSettings

    assignment = AssignmentFactory(worker=worker, task__gold={"answer": "yes"})
    GoldSettings.objects.create(
        project=assignment.task.batch.project, shows_feedback=shows_feedback
    )
    _login(client, worker)
    client.post(reverse("work:submit"), _submit_data(assignment, answer=answer))

    response = client.get(reverse("work:assignment-state", args=[assignment.public_id]))

    assert response.json() == {"state": "submitted", "submitted": True, "feedback": feedback}


def test_assignment_state_of_overdue_work_says_expired_without_writing(client, worker):
    assignment = AssignmentFactory(worker=worker)
    Assignment.objects.filter(pk=assignment.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )
    _login(client, worker)

    response = client.get(reverse("work:assignment-state", args=[assignment.public_id]))

    assert response.json() == {"state": "expired", "submitted": False, "feedback": False}
    assert _snapshot(assignment)[0] == AssignmentState.ACCEPTED


def test_history_shows_only_own_assignments(client, worker):
    mine = AssignmentFactory(worker=worker, task__batch__project__title="Mine")
    AssignmentFactory(task__batch__project__title="Somebody else's")
    _login(client, worker)

    response = client.get(reverse("work:history"))

    assert [row["assignment"] for row in response.context["rows"]] == [mine]
    assert "Somebody else" not in response.content.decode()


@pytest.mark.parametrize("method", ["post", "put"])
def test_get_only_views_refuse_other_methods(client, worker, method):
    _login(client, worker)

    response = getattr(client, method)(reverse("work:marketplace"))

    assert response.status_code == 405


def test_accept_refuses_get_and_creates_nothing(client, worker):
    batch = _batch()
    _login(client, worker)

    response = client.get(reverse("work:project-accept", args=[batch.project.public_id]))

    assert response.status_code == 405
    assert not Assignment.objects.exists()


# --- marketplace --------------------------------------------------------------------------


def test_marketplace_lists_only_projects_with_work_for_this_worker(client, worker):
    open_batch = _batch(tasks=2, title="Open")
    for status in [BatchStatus.DRAFT, BatchStatus.PAUSED, BatchStatus.CANCELLED]:
        batch = _batch(title=f"Not open: {status}")
        batch.status = status
        batch.save()
    expired = _batch(title="Expired batch")
    expired.expires_at = timezone.now() - timedelta(seconds=1)
    expired.save()
    done = _batch(tasks=1, title="Done by me")
    SubmittedAssignmentFactory(task=done.tasks.get(), worker=worker)
    full = _batch(tasks=1, redundancy=1, title="Full")
    AssignmentFactory(task=full.tasks.get())
    _login(client, worker)

    response = client.get(reverse("work:marketplace"))

    assert response.status_code == 200
    assert [card["project"] for card in response.context["cards"]] == [open_batch.project]
    html = response.content.decode()
    assert "Not open" not in html
    assert "Expired batch" not in html
    assert "Done by me" not in html
    assert ">Full<" not in html


def test_marketplace_card_shows_pay_facts_and_actions(client, worker):
    batch = _batch(
        tasks=2,
        redundancy=3,
        reward_cents=50,
        estimated_seconds=60,
        time_allotted_seconds=600,
        keywords="text, sentiment",
    )
    project = batch.project
    _login(client, worker)

    response = client.get(reverse("work:marketplace"))

    html = response.content.decode()
    assert project.title in html
    assert project.requester.public_name in html
    assert "0.50 EUR" in html
    assert "10 min" in html
    assert "30.00 EUR / hour" in html
    assert "(requester’s estimate)" in html
    assert response.context["cards"][0]["project"].slots_available == 6
    assert '<span class="badge">text</span>' in html
    assert '<span class="badge">sentiment</span>' in html
    assert reverse("work:project-preview", args=[project.public_id]) in html
    assert f'action="{reverse("work:project-accept", args=[project.public_id])}"' in html


def test_marketplace_hourly_rate_is_measured_after_enough_submissions(client, worker):
    batch = _batch(tasks=5, redundancy=1, reward_cents=50, estimated_seconds=60)
    make_tasks(batch, 1)
    for task in batch.tasks.order_by("pk")[:5]:
        SubmittedAssignmentFactory(task=task, work_seconds=120)
    _login(client, worker)

    response = client.get(reverse("work:marketplace"))

    html = response.content.decode()
    assert "15.00 EUR / hour" in html
    assert "(measured: median time of 5 submissions)" in html


def test_marketplace_offers_continue_for_an_open_assignment(client, worker):
    batch = _batch(tasks=2)
    assignment = AssignmentFactory(task=batch.tasks.order_by("pk").first(), worker=worker)
    _login(client, worker)

    response = client.get(reverse("work:marketplace"))

    html = response.content.decode()
    assert response.context["cards"][0]["open_assignment"] == assignment
    assert reverse("work:assignment-detail", args=[assignment.public_id]) in html
    assert reverse("work:project-accept", args=[batch.project.public_id]) not in html


def test_marketplace_shows_an_empty_message_when_there_is_no_work(client, worker):
    _login(client, worker)

    response = client.get(reverse("work:marketplace"))

    assert response.context["cards"] == []
    assert "There is no work for you right now." in response.content.decode()


# --- preview ------------------------------------------------------------------------------


def test_project_preview_shows_facts_and_a_sandboxed_frame(client, worker):
    batch = _batch(instructions="Read carefully.")
    project = batch.project
    _login(client, worker)

    response = client.get(reverse("work:project-preview", args=[project.public_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert project.description in html
    assert "Read carefully." in html
    assert "0.50 EUR" in html
    frame_url = reverse("work:project-preview-frame", args=[project.public_id])
    assert (
        f'<iframe class="task-frame" sandbox="allow-forms allow-scripts" src="{frame_url}"' in html
    )
    assert "allow-same-origin" not in html


def test_project_preview_frame_shows_the_first_task_disabled(client, worker):
    batch = _batch(tasks=2)
    first = batch.tasks.order_by("pk").first()
    _login(client, worker)

    response = client.get(reverse("work:project-preview-frame", args=[batch.project.public_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox allow-forms allow-scripts")
    assert f"<p>{first.input['text']}</p>" in html
    assert 'value="ASSIGNMENT_ID_NOT_AVAILABLE"' in html
    assert '<button type="submit" disabled>' in html
    assert not Assignment.objects.exists()


def test_project_preview_is_404_without_work_for_this_worker(client, worker):
    batch = _batch(tasks=1)
    SubmittedAssignmentFactory(task=batch.tasks.get(), worker=worker)
    paused = _batch(tasks=1)
    paused.status = BatchStatus.PAUSED
    paused.save()
    _login(client, worker)

    for project in [batch.project, paused.project]:
        for name in ["work:project-preview", "work:project-preview-frame"]:
            response = client.get(reverse(name, args=[project.public_id]))

            assert response.status_code == 404


# --- accept -------------------------------------------------------------------------------


def test_project_accept_creates_one_assignment_and_opens_it(client, worker):
    batch = _batch(tasks=2)
    _login(client, worker)

    response = client.post(reverse("work:project-accept", args=[batch.project.public_id]))

    assignment = Assignment.objects.get()
    assert assignment.worker == worker
    assert assignment.task == batch.tasks.order_by("pk").first()
    assert assignment.state == AssignmentState.ACCEPTED
    assert response.status_code == 302
    assert response.url == reverse("work:assignment-detail", args=[assignment.public_id])


def test_project_accept_refuses_paused_batch_with_a_message(client, worker):
    batch = _batch(tasks=1)
    batch.status = BatchStatus.PAUSED
    batch.save()
    _login(client, worker)

    response = client.post(
        reverse("work:project-accept", args=[batch.project.public_id]), follow=True
    )

    assert response.redirect_chain == [(reverse("work:marketplace"), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "There is no task left for you in this project."
    ]
    assert not Assignment.objects.exists()
    assert batch.tasks.get().open_slots == 3


def test_project_accept_refuses_when_worker_did_every_task(client, worker):
    batch = _batch(tasks=1)
    done = SubmittedAssignmentFactory(task=batch.tasks.get(), worker=worker)
    _login(client, worker)

    response = client.post(
        reverse("work:project-accept", args=[batch.project.public_id]), follow=True
    )

    assert response.redirect_chain == [(reverse("work:marketplace"), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "There is no task left for you in this project."
    ]
    assert list(Assignment.objects.all()) == [done]


def test_project_accept_of_unknown_project_is_404(client, worker):
    _login(client, worker)

    response = client.post(reverse("work:project-accept", args=["NOSUCHPROJECT"]))

    assert response.status_code == 404
    assert not Assignment.objects.exists()


# --- the work page ------------------------------------------------------------------------


def test_assignment_detail_shows_the_task_in_a_sandboxed_frame(client, worker):
    assignment = AssignmentFactory(worker=worker)
    _login(client, worker)

    response = client.get(reverse("work:assignment-detail", args=[assignment.public_id]))

    html = response.content.decode()
    assert response.status_code == 200
    frame_url = "{}?token={}".format(
        reverse("work:assignment-frame", args=[assignment.public_id]),
        frame_token(assignment.public_id),
    )
    assert (
        '<iframe class="task-frame" id="task-frame" sandbox="allow-forms allow-scripts" '
        f'src="{frame_url}"'
    ) in html
    assert "allow-same-origin" not in html
    assert 'data-seconds-left="' in html
    assert f'data-deadline="{assignment.deadline.isoformat()}"' in html
    assert '<input type="checkbox" id="submit-and-next" checked>' in html
    assert f'action="{reverse("work:assignment-return", args=[assignment.public_id])}"' in html
    accept_url = reverse("work:project-accept", args=[assignment.task.batch.project.public_id])
    assert f'<form method="post" action="{accept_url}" id="accept-next-form" hidden>' in html
    assert html.count('name="csrfmiddlewaretoken"') >= 3
    assert "/static/work/work.js" in html


def test_platform_pages_have_a_strict_csp_and_no_inline_code(client, worker):
    assignment = AssignmentFactory(worker=worker)
    SubmittedAssignmentFactory(worker=worker)
    _login(client, worker)
    urls = [
        reverse("work:marketplace"),
        reverse("work:project-preview", args=[assignment.task.batch.project.public_id]),
        reverse("work:assignment-detail", args=[assignment.public_id]),
        reverse("work:history"),
    ]

    for url in urls:
        response = client.get(url)

        policy = response["Content-Security-Policy"]
        html = response.content.decode()
        assert "script-src 'self';" in policy, url
        assert "unsafe-inline" not in policy, url
        assert "<script>" not in html, url
        assert " style=" not in html, url
        assert " onclick=" not in html and " onload=" not in html, url


def test_assignment_detail_shows_the_state_once_not_open(client, worker):
    submitted = SubmittedAssignmentFactory(worker=worker)
    overdue = AssignmentFactory(worker=worker, deadline=timezone.now() - timedelta(seconds=1))
    _login(client, worker)

    for assignment, state in [(submitted, "Submitted"), (overdue, "Expired")]:
        response = client.get(reverse("work:assignment-detail", args=[assignment.public_id]))

        html = response.content.decode()
        assert response.status_code == 200
        assert f"it is <strong>{state}</strong>" in html
        assert "<iframe" not in html


# --- the frame ----------------------------------------------------------------------------


def test_assignment_frame_needs_no_session_and_is_sandboxed():
    assignment = AssignmentFactory(task__input={"text": "Hello"})
    url = reverse("work:assignment-frame", args=[assignment.public_id])

    response = Client().get(url, {"token": frame_token(assignment.public_id)})

    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert response.status_code == 200
    assert policy.startswith("sandbox allow-forms allow-scripts")
    assert "connect-src 'none'" in policy
    assert "allow-same-origin" not in policy
    assert f'<form method="post" action="{reverse("work:submit")}"' in html
    assert f'name="assignmentId" value="{assignment.public_id}"' in html
    assert f'name="mw_token" value="{frame_token(assignment.public_id)}"' in html
    assert "<p>Hello</p>" in html


@pytest.mark.parametrize("token", ["", "0" * 64, "wrong"])
def test_assignment_frame_with_a_wrong_token_is_404(token):
    assignment = AssignmentFactory()
    url = reverse("work:assignment-frame", args=[assignment.public_id])

    response = Client().get(url, {"token": token})

    assert response.status_code == 404


def test_assignment_frame_with_another_assignments_token_is_404():
    assignment, other = AssignmentFactory.create_batch(2)
    url = reverse("work:assignment-frame", args=[assignment.public_id])

    response = Client().get(url, {"token": frame_token(other.public_id)})

    assert response.status_code == 404


def test_assignment_frame_of_a_signed_but_unknown_assignment_is_404():
    url = reverse("work:assignment-frame", args=["NOSUCHASSIGNMENT0000"])

    response = Client().get(url, {"token": frame_token("NOSUCHASSIGNMENT0000")})

    assert response.status_code == 404


def test_assignment_frame_escapes_input_values():
    assignment = AssignmentFactory(task__input={"text": XSS})
    url = reverse("work:assignment-frame", args=[assignment.public_id])

    response = Client().get(url, {"token": frame_token(assignment.public_id)})

    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<p>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>" in html


def test_assignment_frame_says_when_the_assignment_is_no_longer_open():
    assignment = SubmittedAssignmentFactory()
    url = reverse("work:assignment-frame", args=[assignment.public_id])

    response = Client().get(url, {"token": frame_token(assignment.public_id)})

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox allow-forms allow-scripts")
    assert "This assignment is no longer open" in html
    assert "It is submitted." in html
    assert "<form" not in html
    assert "<script" not in html


# --- submit -------------------------------------------------------------------------------


def test_submit_stores_the_answer_without_session_or_csrf():
    assignment = AssignmentFactory()
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("work:submit"), _submit_data(assignment, answer="positive"))

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox allow-forms allow-scripts")
    assert "Submitted, thank you" in html
    assert 'data-type="microwork:submitted"' in html
    assert f'data-assignment-id="{assignment.public_id}"' in html
    assert '<script src="/static/work/frame-done.js"></script>' in html
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.SUBMITTED
    assert assignment.answers == {"answer": "positive"}
    assert assignment.submitted_at is not None


def test_submit_stores_repeated_fields_as_lists():
    assignment = AssignmentFactory()

    Client().post(
        reverse("work:submit"),
        _submit_data(assignment, answer="positive", tags=["a", "b"]),
    )

    assignment.refresh_from_db()
    assert assignment.answers == {"answer": "positive", "tags": ["a", "b"]}


@pytest.mark.parametrize("token", [None, "", "0" * 64])
def test_submit_with_a_wrong_token_is_403_and_stores_nothing(token):
    assignment = AssignmentFactory()
    before = _snapshot(assignment)
    data = {"assignmentId": assignment.public_id, "answer": "positive"}
    if token is not None:
        data["mw_token"] = token

    response = Client().post(reverse("work:submit"), data)

    assert response.status_code == 403
    assert 'data-type="microwork:refused"' in response.content.decode()
    assert response["Content-Security-Policy"].startswith("sandbox allow-forms allow-scripts")
    assert _snapshot(assignment) == before


def test_submit_with_another_assignments_token_is_403_and_stores_nothing():
    assignment, other = AssignmentFactory.create_batch(2)
    before, other_before = _snapshot(assignment), _snapshot(other)

    response = Client().post(
        reverse("work:submit"),
        {
            "assignmentId": assignment.public_id,
            "mw_token": frame_token(other.public_id),
            "answer": "positive",
        },
    )

    assert response.status_code == 403
    assert _snapshot(assignment) == before
    assert _snapshot(other) == other_before


def test_submit_for_an_assignment_that_is_gone_is_403():
    # A valid token whose assignment was deleted (its HIT deleted through the MTurk API).
    assignment = AssignmentFactory()
    public_id = assignment.public_id
    assignment.delete()

    response = Client().post(
        reverse("work:submit"),
        {"assignmentId": public_id, "mw_token": frame_token(public_id), "answer": "positive"},
    )

    assert response.status_code == 403
    assert 'data-type="microwork:refused"' in response.content.decode()
    assert not Assignment.objects.filter(public_id=public_id).exists()


def test_submit_twice_is_refused_and_keeps_the_first_answer():
    assignment = AssignmentFactory()
    client = Client()
    client.post(reverse("work:submit"), _submit_data(assignment, answer="first"))
    first = _snapshot(assignment)

    response = client.post(reverse("work:submit"), _submit_data(assignment, answer="second"))

    html = response.content.decode()
    assert response.status_code == 409
    assert 'data-type="microwork:refused"' in html
    assert 'data-message="This assignment is already submitted."' in html
    assert _snapshot(assignment) == first
    assert assignment.answers == {"answer": "first"}


def test_submit_after_the_deadline_is_refused_and_expires_the_assignment():
    assignment = AssignmentFactory(
        accepted_at=timezone.now() - timedelta(seconds=700),
        deadline=timezone.now() - timedelta(seconds=100),
    )

    response = Client().post(reverse("work:submit"), _submit_data(assignment, answer="late"))

    assert response.status_code == 409
    assert "the answer was not kept" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.EXPIRED
    assert assignment.answers is None
    assert assignment.submitted_at is None
    assignment.task.refresh_from_db()
    assert assignment.task.open_slots == 3


def test_submit_of_an_invalid_answer_is_400_keeps_it_open_and_offers_retry():
    assignment = AssignmentFactory(
        task__batch__project=ImageProjectFactory(), task__input={"image_url": "x.jpg"}
    )

    response = Client().post(reverse("work:submit"), _submit_data(assignment, label="horse"))

    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose exactly one of the labels." in html
    retry_url = "{}?token={}".format(
        reverse("work:assignment-frame", args=[assignment.public_id]),
        frame_token(assignment.public_id),
    )
    assert f'href="{retry_url}"' in html
    assert _snapshot(assignment) == (AssignmentState.ACCEPTED, None, None, None)


def test_submit_refuses_get():
    assignment = AssignmentFactory()

    response = Client().get(reverse("work:submit"), _submit_data(assignment, answer="x"))

    assert response.status_code == 405
    assert _snapshot(assignment)[0] == AssignmentState.ACCEPTED


def test_submit_escapes_the_refusal_message():
    assignment = AssignmentFactory()

    response = Client().post(
        reverse("work:submit"), {"assignmentId": XSS, "mw_token": frame_token(XSS)}
    )

    assert response.status_code == 403
    assert "<script>alert" not in response.content.decode()
    assert _snapshot(assignment)[0] == AssignmentState.ACCEPTED


# --- return and history -------------------------------------------------------------------


def test_assignment_return_gives_the_slot_back(client, worker):
    assignment = AssignmentFactory(worker=worker)
    _login(client, worker)

    response = client.post(
        reverse("work:assignment-return", args=[assignment.public_id]), follow=True
    )

    assert response.redirect_chain == [(reverse("work:marketplace"), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Task returned; it is open for other workers again."
    ]
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.RETURNED
    assignment.task.refresh_from_db()
    assert assignment.task.open_slots == 3


def test_assignment_return_of_a_submitted_assignment_is_refused(client, worker):
    assignment = SubmittedAssignmentFactory(worker=worker)
    before = _snapshot(assignment)
    _login(client, worker)

    response = client.post(
        reverse("work:assignment-return", args=[assignment.public_id]), follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "This assignment is already submitted."
    ]
    assert _snapshot(assignment) == before
    assignment.task.refresh_from_db()
    assert assignment.task.open_slots == 2


def test_history_lists_states_reward_and_feedback(client, worker):
    accepted = AssignmentFactory(worker=worker)
    overdue = AssignmentFactory(worker=worker, deadline=timezone.now() - timedelta(seconds=1))
    rejected = SubmittedAssignmentFactory(
        worker=worker, state=AssignmentState.REJECTED, feedback="Answers were random."
    )
    returned = AssignmentFactory(worker=worker, state=AssignmentState.RETURNED)
    _login(client, worker)

    response = client.get(reverse("work:history"))

    html = response.content.decode()
    states = {row["assignment"]: row["state"] for row in response.context["rows"]}
    assert states == {
        accepted: AssignmentState.ACCEPTED,
        overdue: AssignmentState.EXPIRED,
        rejected: AssignmentState.REJECTED,
        returned: AssignmentState.RETURNED,
    }
    assert '<span class="badge accepted">Accepted</span>' in html
    assert '<span class="badge expired">Expired</span>' in html
    assert '<span class="badge rejected">Rejected</span>' in html
    assert '<span class="badge returned">Returned</span>' in html
    assert "Answers were random." in html
    assert "0.50 EUR" in html
    assert "42 s" in html
    assert '<div class="table-wrap" tabindex="0">' in html


def test_history_shows_work_and_active_time(client, worker):
    SubmittedAssignmentFactory(worker=worker, work_seconds=605, active_seconds=125)
    _login(client, worker)

    html = client.get(reverse("work:history")).content.decode()

    assert "10 min 5 s" in html
    assert "2 min 5 s" in html
    assert "Active time" in html


def test_history_is_paginated_by_50(client, worker):
    AssignmentFactory.create_batch(51, worker=worker)
    _login(client, worker)

    first = client.get(reverse("work:history"))
    second = client.get(reverse("work:history"), {"page": 2})

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 1
    assert "Page 1 of 2" in first.content.decode()


def test_submit_and_next_flow_accepts_the_next_task(client, worker):
    batch = _batch(tasks=2)
    _login(client, worker)
    client.post(reverse("work:project-accept", args=[batch.project.public_id]))
    first = Assignment.objects.get()

    Client().post(reverse("work:submit"), _submit_data(first, answer="ok"))
    response = client.post(reverse("work:project-accept", args=[batch.project.public_id]))

    second = Assignment.objects.exclude(pk=first.pk).get()
    assert response.url == reverse("work:assignment-detail", args=[second.public_id])
    assert second.task != first.task
    assert _snapshot(first)[0] == AssignmentState.SUBMITTED


def test_marketplace_slots_count_down_when_another_worker_accepts(client):
    batch = _batch(tasks=1, redundancy=2)
    first, second = WorkerFactory.create_batch(2)
    _login(client, first)
    client.post(reverse("work:project-accept", args=[batch.project.public_id]))
    _login(client, second)

    response = client.get(reverse("work:marketplace"))

    assert response.context["cards"][0]["project"].slots_available == 1


# --- admin --------------------------------------------------------------------------------


def test_assignment_admin_shows_assignments_read_only(client):
    assignment = SubmittedAssignmentFactory()
    _login(client, RequesterFactory(is_staff=True, is_superuser=True))

    listing = client.get(reverse("admin:work_assignment_changelist"))
    change = client.get(reverse("admin:work_assignment_change", args=[assignment.pk]))
    add = client.get(reverse("admin:work_assignment_add"))

    assert listing.status_code == 200
    assert assignment.public_id in listing.content.decode()
    assert change.status_code == 200
    assert 'name="state"' not in change.content.decode()
    assert add.status_code == 403


def test_assignment_admin_action_expires_overdue_assignments(client):
    overdue = AssignmentFactory(deadline=timezone.now() - timedelta(seconds=1))
    _login(client, RequesterFactory(is_staff=True, is_superuser=True))

    client.post(
        reverse("admin:work_assignment_changelist"),
        {"action": "expire_overdue", "_selected_action": [overdue.pk]},
    )

    overdue.refresh_from_db()
    assert overdue.state == AssignmentState.EXPIRED
    overdue.task.refresh_from_db()
    assert overdue.task.open_slots == 3


# --- active time --------------------------------------------------------------------------


def _active_time_url(assignment):
    return reverse("work:assignment-active-time", args=[assignment.public_id])


def test_assignment_active_time_stores_the_seconds(client, worker):
    assignment = AssignmentFactory(
        worker=worker, accepted_at=timezone.now() - timedelta(seconds=100)
    )
    _login(client, worker)

    response = client.post(_active_time_url(assignment), {"seconds": "31"})

    assert response.status_code == 204
    assignment.refresh_from_db()
    assert assignment.active_seconds == 31


@pytest.mark.parametrize("seconds", [None, "", "abc", "-1", "1.5"])
def test_assignment_active_time_with_a_bad_value_is_400_and_stores_nothing(client, worker, seconds):
    assignment = AssignmentFactory(worker=worker)
    _login(client, worker)

    response = client.post(
        _active_time_url(assignment), {} if seconds is None else {"seconds": seconds}
    )

    assert response.status_code == 400
    assignment.refresh_from_db()
    assert assignment.active_seconds is None


def test_assignment_active_time_of_another_worker_is_404_and_changes_nothing(client, worker):
    assignment = AssignmentFactory(accepted_at=timezone.now() - timedelta(seconds=100))
    _login(client, worker)

    response = client.post(_active_time_url(assignment), {"seconds": "31"})

    assert response.status_code == 404
    assignment.refresh_from_db()
    assert assignment.active_seconds is None


def test_assignment_active_time_of_a_closed_assignment_is_409_and_changes_nothing(client, worker):
    assignment = AssignmentFactory(
        worker=worker, state=AssignmentState.RETURNED, ended_at=timezone.now()
    )
    _login(client, worker)

    response = client.post(_active_time_url(assignment), {"seconds": "31"})

    assert response.status_code == 409
    assignment.refresh_from_db()
    assert assignment.active_seconds is None


def test_assignment_active_time_refuses_get(client, worker):
    assignment = AssignmentFactory(worker=worker)
    _login(client, worker)

    assert client.get(_active_time_url(assignment)).status_code == 405


def test_assignment_active_time_needs_the_csrf_token_of_the_work_page(worker):
    assignment = AssignmentFactory(
        worker=worker, accepted_at=timezone.now() - timedelta(seconds=100)
    )
    client = _login(Client(enforce_csrf_checks=True), worker)
    page = client.get(reverse("work:assignment-detail", args=[assignment.public_id]))
    html = page.content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    refused = client.post(_active_time_url(assignment), {"seconds": "31"})
    accepted = client.post(
        _active_time_url(assignment), {"seconds": "31", "csrfmiddlewaretoken": token}
    )

    assert f'data-active-time-url="{_active_time_url(assignment)}"' in html
    assert refused.status_code == 403
    assert accepted.status_code == 204
    assignment.refresh_from_db()
    assert assignment.active_seconds == 31
