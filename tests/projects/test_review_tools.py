"""The review page's tools (issue 16): a decision per row, one worker's answers, the row's
picture beside its answer, pages that keep the filters."""

import pytest
from django.urls import reverse

from microwork.projects import services
from microwork.projects.enums import TemplateKind
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, make_tasks
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

PICTURE = "https://images.example.org/cat.jpg"


@pytest.fixture
def batch(requester):
    batch = BatchFactory(project=ProjectFactory(requester=requester))
    make_tasks(batch, 3)
    fund(requester, 100_00)
    services.batch_publish(batch=batch)
    return batch


@pytest.fixture
def rows(batch):
    return [SubmittedAssignmentFactory(task=task) for task in batch.tasks.order_by("row_number")]


def _review_url(batch, query=""):
    return reverse("projects:batch-review", args=[batch.pk]) + query


def _states(assignments):
    return [Assignment.objects.get(pk=a.pk).state for a in assignments]


def test_a_rows_approve_button_decides_that_row_alone(client, requester, batch, rows):
    client.force_login(requester)

    response = client.post(
        _review_url(batch, "?state=submitted"),
        {"row": f"approve:{rows[1].pk}", "selected": [rows[0].pk, rows[2].pk], "reason": ""},
    )

    assert response.status_code == 302
    assert response["Location"] == _review_url(batch, "?state=submitted")
    assert _states(rows) == [
        AssignmentState.SUBMITTED,
        AssignmentState.APPROVED,
        AssignmentState.SUBMITTED,
    ]


def test_a_rows_reject_button_needs_the_reason_and_refuses_without_it(
    client, requester, batch, rows
):
    client.force_login(requester)

    refused = client.post(_review_url(batch), {"row": f"reject:{rows[0].pk}", "reason": " "})
    done = client.post(_review_url(batch), {"row": f"reject:{rows[0].pk}", "reason": "Blank."})

    assert refused.status_code == 200
    assert "A rejection needs a reason" in refused.content.decode()
    assert done.status_code == 302
    assert _states(rows) == [
        AssignmentState.REJECTED,
        AssignmentState.SUBMITTED,
        AssignmentState.SUBMITTED,
    ]
    assert Assignment.objects.get(pk=rows[0].pk).feedback == "Blank."


@pytest.mark.parametrize("row", ["approve:abc", "delete:1", "approve:"])
def test_a_malformed_row_decision_is_refused_and_changes_nothing(
    client, requester, batch, rows, row
):
    client.force_login(requester)

    response = client.post(_review_url(batch), {"row": row})

    assert response.status_code == 200
    assert _states(rows) == [AssignmentState.SUBMITTED] * 3


def test_a_row_of_another_requesters_batch_cannot_be_decided(client, requester, batch, rows):
    other_batch = BatchFactory()
    make_tasks(other_batch, 1)
    theirs = SubmittedAssignmentFactory(task=other_batch.tasks.get())
    client.force_login(requester)

    response = client.post(_review_url(batch), {"row": f"approve:{theirs.pk}"})

    assert response.status_code == 200
    assert Assignment.objects.get(pk=theirs.pk).state == AssignmentState.SUBMITTED


def test_the_review_shows_one_workers_answers(client, requester, batch, rows):
    client.force_login(requester)
    worker_id = rows[2].worker.worker_id

    response = client.get(_review_url(batch), {"worker": worker_id})

    assert list(response.context["submissions"]) == [rows[2]]
    assert f'value="{worker_id}"' in response.content.decode()
    assert list(client.get(_review_url(batch), {"worker": "NOBODY"}).context["submissions"]) == []


def test_the_rows_picture_is_shown_and_allowed_by_the_pages_policy(client, requester, batch, rows):
    task = rows[0].task
    task.input = {"image_url": PICTURE, "note": "https://example.org/page.html"}
    task.save()
    client.force_login(requester)

    response = client.get(_review_url(batch))

    html = response.content.decode()
    assert html.count(f'<img class="thumb" src="{PICTURE}"') == 1
    assert "img-src 'self' data: https:;" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]


def test_pages_keep_the_state_and_worker_filters(client, requester, batch, rows, monkeypatch):
    monkeypatch.setattr("microwork.web.projects.views.REVIEW_PAGE_SIZE", 1)
    worker = WorkerFactory()
    for task in batch.tasks.order_by("row_number")[:2]:
        SubmittedAssignmentFactory(task=task, worker=worker)
    client.force_login(requester)

    html = client.get(
        _review_url(batch), {"state": "submitted", "worker": worker.worker_id}
    ).content.decode()

    assert f'href="?state=submitted&amp;worker={worker.worker_id}&amp;page=2"' in html


@pytest.fixture
def boxes_batch(requester):
    project = ProjectFactory(
        requester=requester,
        template_kind=TemplateKind.BOUNDING_BOXES,
        template_html="",
        template_config={"image_column": "img", "labels": ["car", "person"], "min_boxes": 0},
    )
    batch = BatchFactory(project=project, columns=["note", "img"])
    make_tasks(batch, 1)
    fund(requester, 100_00)
    services.batch_publish(batch=batch)
    task = batch.tasks.get()
    task.input = {"note": "https://images.example.org/other.png", "img": PICTURE}
    task.save()
    return batch


def test_a_boxes_answer_is_drawn_over_its_picture_in_image_pixels(client, requester, boxes_batch):
    SubmittedAssignmentFactory(
        task=boxes_batch.tasks.get(),
        answers={
            "boxes": [
                {"label": "person", "x1": 10, "y1": 20, "x2": 110.5, "y2": 80},
                {"label": "car", "x1": 300, "y1": 0, "x2": 640, "y2": 480},
            ],
            "image_width": 640,
            "image_height": 480,
        },
    )
    client.force_login(requester)

    response = client.get(_review_url(boxes_batch))

    html = response.content.decode()
    # The image column's picture, not the first picture of the row, with the boxes over it.
    assert (
        f'<a href="{PICTURE}" rel="noreferrer noopener" target="_blank" class="box-overlay">'
        f'<img class="thumb" src="{PICTURE}" alt="The picture of the task" loading="lazy" '
        'referrerpolicy="no-referrer">'
        '<svg class="box-overlay-drawing" viewBox="0 0 640 480" preserveAspectRatio="none" '
        'role="img" aria-label="2 boxes drawn: person, car">'
        '<g class="box box-c1"><rect x="10" y="20" width="100.5" height="60"/>'
        '<text x="20" y="62" font-size="40" stroke-width="8">person</text></g>'
        '<g class="box box-c0"><rect x="300" y="0" width="340" height="480"/>'
        '<text x="310" y="42" font-size="40" stroke-width="8">car</text></g>'
        "</svg></a>"
    ) in html
    # Beside the answer, the same boxes as a list instead of their JSON.
    assert (
        '<dt>boxes</dt><dd><ol class="box-list">'
        '<li><span class="box-swatch box-c1" aria-hidden="true"></span>person '
        '<span class="muted">at 10, 20, 100.5 × 60 px</span></li>'
        '<li><span class="box-swatch box-c0" aria-hidden="true"></span>car '
        '<span class="muted">at 300, 0, 340 × 480 px</span></li></ol></dd>'
    ) in html
    assert "&quot;label&quot;" not in html
    assert "projects/review.css" in html
    assert 'style="' not in html.split("<main", 1)[-1]


def test_a_boxes_answer_without_its_image_size_shows_the_picture_alone(
    client, requester, boxes_batch
):
    SubmittedAssignmentFactory(
        task=boxes_batch.tasks.get(),
        answers={"boxes": [{"label": "car", "x1": 1, "y1": 2, "x2": 30, "y2": 40}]},
    )
    client.force_login(requester)

    html = client.get(_review_url(boxes_batch)).content.decode()

    assert f'target="_blank"><img class="thumb" src="{PICTURE}"' in html
    assert "box-overlay-drawing" not in html


def test_another_requesters_boxes_batch_review_is_not_found(client, boxes_batch):
    SubmittedAssignmentFactory(
        task=boxes_batch.tasks.get(),
        answers={"boxes": [], "image_width": 640, "image_height": 480},
    )
    client.force_login(RequesterFactory())

    assert client.get(_review_url(boxes_batch)).status_code == 404
