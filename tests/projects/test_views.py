import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from microwork.common.money import format_money
from microwork.fairness.settlement import settle_due
from microwork.payments import selectors as payment_selectors
from microwork.payments import services as payments
from microwork.projects import services
from microwork.projects.enums import BatchStatus, TemplateKind
from microwork.projects.models import Batch, Project, Task
from microwork.projects.services import MAX_REPORTED_ERRORS
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory
from tests.payments.factories import fund
from tests.projects.factories import (
    BatchFactory,
    ProjectFactory,
    PublishedBatchFactory,
    TaskFactory,
    make_tasks,
)
from tests.web.guard import forbid_writes
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db

PROJECT_VIEWS = [
    ("projects:project-detail", "get"),
    ("projects:project-edit", "get"),
    ("projects:project-edit", "post"),
    ("projects:project-sample-csv", "get"),
    ("projects:batch-upload", "post"),
]
BATCH_VIEWS = [
    ("projects:batch-detail", "get"),
    ("projects:batch-publish", "post"),
    ("projects:batch-pause", "post"),
    ("projects:batch-resume", "post"),
    ("projects:batch-cancel", "post"),
    ("projects:batch-preview", "get"),
    ("projects:batch-preview-frame", "get"),
    ("projects:batch-review", "get"),
    ("projects:batch-review", "post"),
    ("projects:batch-results-csv", "get"),
    ("projects:batch-results-jsonl", "get"),
]
PLAIN_VIEWS = [
    ("projects:project-list", "get"),
    ("projects:project-create", "get"),
    ("projects:project-create", "post"),
]
ALL_VIEWS = PLAIN_VIEWS + PROJECT_VIEWS + BATCH_VIEWS


def _url(name, batch):
    if (name, "get") in PLAIN_VIEWS or (name, "post") in PLAIN_VIEWS:
        return reverse(name)
    if any(name == view for view, _method in PROJECT_VIEWS):
        return reverse(name, args=[batch.project.pk])
    return reverse(name, args=[batch.pk])


@pytest.fixture
def batch(requester):
    """A draft batch of two tasks in a project of `requester`."""
    batch = BatchFactory(project=ProjectFactory(requester=requester))
    make_tasks(batch, 2)
    return batch


def _project_data(**overrides):
    data = {
        "title": "Sentiment of tweets",
        "description": "Read a tweet, say if it is positive.",
        "instructions": "Neutral counts as negative.",
        "keywords": "text, sentiment",
        "reward": "0.50",
        "assignments_per_task": "3",
        "time_allotted_minutes": "10",
        "lifetime_hours": "168",
        "auto_approval_hours": "72",
        "estimated_minutes": "0.5",
        "template_kind": TemplateKind.CUSTOM_HTML,
        "template_html": '<p>${text}</p><input name="sentiment">',
        "image_column": "image_url",
        "labels": "",
        "question": "",
    }
    data.update(overrides)
    return data


# --- roles and ownership ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "method"), ALL_VIEWS)
def test_requester_pages_send_anonymous_visitors_to_login(client, batch, name, method):
    url = _url(name, batch)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "method"), ALL_VIEWS)
def test_requester_pages_refuse_workers(client, worker, batch, name, method):
    client.force_login(worker)

    response = getattr(client, method)(_url(name, batch))

    assert response.status_code == 403


@pytest.mark.parametrize(("name", "method"), PROJECT_VIEWS + BATCH_VIEWS)
def test_requester_pages_hide_other_requesters_objects(client, batch, name, method):
    client.force_login(RequesterFactory())

    response = getattr(client, method)(_url(name, batch))

    assert response.status_code == 404
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    assert Batch.objects.count() == 1


@pytest.mark.parametrize(
    "name",
    sorted({name for name, method in ALL_VIEWS if method == "get"}),
)
def test_requester_pages_serve_the_owner(client, requester, batch, name):
    client.force_login(requester)

    response = client.get(_url(name, batch))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "projects:batch-publish",
        "projects:batch-pause",
        "projects:batch-resume",
        "projects:batch-cancel",
    ],
)
def test_batch_state_actions_refuse_get(client, requester, batch, name):
    client.force_login(requester)

    response = client.get(reverse(name, args=[batch.pk]))

    assert response.status_code == 405
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT


def test_project_list_shows_only_own_projects_with_batch_counts(client, requester, batch):
    BatchFactory(project=batch.project)
    other = ProjectFactory(title="Someone else's")
    client.force_login(requester)

    response = client.get(reverse("projects:project-list"))

    assert [(p.pk, p.batch_count) for p in response.context["projects"]] == [(batch.project.pk, 2)]
    assert other.title not in response.content.decode()


# --- projects -------------------------------------------------------------------------


def test_project_create_stores_the_project_in_seconds_and_cents(client, requester):
    client.force_login(requester)

    response = client.post(reverse("projects:project-create"), _project_data())

    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:project-detail", args=[project.pk])
    assert project.requester == requester
    assert project.reward_cents == 50
    assert project.currency == "EUR"
    assert project.assignments_per_task == 3
    assert project.time_allotted_seconds == 600
    assert project.lifetime_seconds == 7 * 24 * 3600
    assert project.auto_approval_delay_seconds == 3 * 24 * 3600
    assert project.estimated_seconds == 30
    assert project.template_html == '<p>${text}</p><input name="sentiment">'
    assert project.template_config == {}


def test_project_create_form_has_sensible_defaults(client, requester):
    client.force_login(requester)

    response = client.get(reverse("projects:project-create"))

    form = response.context["form"]
    assert form["assignments_per_task"].value() == 3
    assert form["time_allotted_minutes"].value() == 10
    assert form["lifetime_hours"].value() == 168
    assert form["auto_approval_hours"].value() == 72
    assert form["estimated_minutes"].value() == 1
    assert form["image_column"].value() == "image_url"


def test_project_create_image_classification(client, requester):
    client.force_login(requester)
    data = _project_data(
        template_kind=TemplateKind.IMAGE_CLASSIFICATION,
        template_html="",
        image_column="photo",
        labels="cat\n  dog \n\nbird\n",
        question="Which animal?",
    )

    client.post(reverse("projects:project-create"), data)

    project = Project.objects.get()
    assert project.template_kind == TemplateKind.IMAGE_CLASSIFICATION
    assert project.template_html == ""
    assert project.template_config == {
        "image_column": "photo",
        "labels": ["cat", "dog", "bird"],
        "question": "Which animal?",
    }


@pytest.mark.parametrize("reward", ["0.505", "abc", "-1", ""])
def test_project_create_bad_reward_is_an_error_on_the_field(client, requester, reward):
    client.force_login(requester)

    response = client.post(reverse("projects:project-create"), _project_data(reward=reward))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["reward"]
    assert Project.objects.count() == 0


def test_project_create_zero_reward_is_an_error_on_the_field(client, requester):
    client.force_login(requester)

    response = client.post(reverse("projects:project-create"), _project_data(reward="0"))

    assert response.context["form"].errors["reward"] == ["A reward must be at least 0.01."]
    assert Project.objects.count() == 0


def test_project_create_template_error_from_the_service_shows_on_the_template_field(
    client, requester
):
    client.force_login(requester)
    data = _project_data(template_html='<form><input name="a"></form>')

    response = client.post(reverse("projects:project-create"), data)

    assert response.context["form"].errors["template_html"] == [
        "Leave out the <form> tag: the platform wraps your fields in its own form."
    ]
    assert Project.objects.count() == 0


def test_project_create_with_one_label_shows_the_error_on_labels(client, requester):
    client.force_login(requester)
    data = _project_data(template_kind=TemplateKind.IMAGE_CLASSIFICATION, labels="cat")

    response = client.post(reverse("projects:project-create"), data)

    assert response.context["form"].errors["labels"] == ["Give at least two labels."]
    assert Project.objects.count() == 0


def test_project_detail_shows_hourly_rate_and_required_columns(client, requester):
    project = ProjectFactory(requester=requester, reward_cents=50, estimated_seconds=60)
    client.force_login(requester)

    response = client.get(reverse("projects:project-detail", args=[project.pk]))

    assert ("Estimated hourly rate", "30.00 EUR") in response.context["facts"]
    assert response.context["required_columns"] == ["text"]


def test_project_detail_of_a_hit_type_shows_its_hits_max_assignments(client, requester):
    project = ProjectFactory(
        requester=requester,
        assignments_per_task=1,
        template_kind=TemplateKind.MTURK_QUESTION,
        template_html="",
    )
    client.force_login(requester)
    url = reverse("projects:project-detail", args=[project.pk])

    def workers_per_task():
        return dict(client.get(url).context["facts"])["Workers per task"]

    assert workers_per_task() == "set by each HIT (MaxAssignments)"
    TaskFactory(batch=BatchFactory(project=project), max_assignments=5, open_slots=5)
    assert workers_per_task() == "5, set by each HIT (MaxAssignments)"
    TaskFactory(batch=BatchFactory(project=project), max_assignments=12, open_slots=12)
    assert workers_per_task() == "5 to 12, set by each HIT (MaxAssignments)"


def test_project_sample_csv_is_the_template_header(client, requester):
    project = ProjectFactory(
        requester=requester, template_html='<p>${a}</p><img src="${b}"><input name="x">'
    )
    client.force_login(requester)

    response = client.get(reverse("projects:project-sample-csv", args=[project.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(response.streaming_content) == b"a,b\r\n"


def test_project_edit_changes_title_and_pay_while_only_drafts_exist(client, requester, batch):
    client.force_login(requester)
    data = _project_data(title="Renamed", reward="0.75", template_html=batch.project.template_html)

    response = client.post(reverse("projects:project-edit", args=[batch.project.pk]), data)

    assert response.status_code == 302
    batch.project.refresh_from_db()
    assert batch.project.title == "Renamed"
    assert batch.project.reward_cents == 75


def test_project_edit_form_starts_from_the_project(client, requester):
    project = ProjectFactory(requester=requester, reward_cents=5, estimated_seconds=90)
    client.force_login(requester)

    response = client.get(reverse("projects:project-edit", args=[project.pk]))

    form = response.context["form"]
    assert form["reward"].value() == "0.05"
    assert str(form["estimated_minutes"].value()) == "1.50"
    assert form["lifetime_hours"].value() == 168


def test_project_edit_of_pay_after_publishing_is_refused_with_a_clear_error(client, requester):
    project = ProjectFactory(requester=requester, reward_cents=50)
    PublishedBatchFactory(project=project)
    client.force_login(requester)
    data = _project_data(reward="0.10", template_html=project.template_html)

    response = client.post(reverse("projects:project-edit", args=[project.pk]), data)

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1
    assert errors[0].startswith("Pay, time and template are frozen once a batch")
    project.refresh_from_db()
    assert project.reward_cents == 50
    assert project.title != "Sentiment of tweets"


def test_project_edit_of_title_after_publishing_is_allowed(client, requester):
    project = ProjectFactory(requester=requester)
    PublishedBatchFactory(project=project)
    client.force_login(requester)
    data = _project_data(
        title="Renamed",
        reward="0.50",
        estimated_minutes="2",
        template_html=project.template_html,
    )

    response = client.post(reverse("projects:project-edit", args=[project.pk]), data)

    assert response.status_code == 302
    project.refresh_from_db()
    assert project.title == "Renamed"
    assert project.estimated_seconds == 120


# --- uploads -------------------------------------------------------------------------


def _upload(client, project, content: bytes, filename="rows.csv", name=""):
    return client.post(
        reverse("projects:batch-upload", args=[project.pk]),
        {"file": SimpleUploadedFile(filename, content), "name": name},
    )


def test_batch_upload_of_a_good_csv_creates_the_batch_and_its_tasks(client, requester):
    project = ProjectFactory(requester=requester, assignments_per_task=2)
    client.force_login(requester)

    response = _upload(client, project, b'text,id\nhello,1\n"a, b",2\n', name="First")

    batch = Batch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:batch-detail", args=[batch.pk])
    assert batch.name == "First"
    assert batch.status == BatchStatus.DRAFT
    assert batch.columns == ["text", "id"]
    assert batch.task_count == 2
    assert [(t.row_number, t.input, t.open_slots) for t in batch.tasks.order_by("row_number")] == [
        (1, {"text": "hello", "id": "1"}, 2),
        (2, {"text": "a, b", "id": "2"}, 2),
    ]


def test_batch_upload_of_jsonl_is_named_after_the_file(client, requester):
    project = ProjectFactory(requester=requester)
    client.force_login(requester)

    _upload(client, project, b'{"text": "x"}\n{"text": "y"}\n', filename="rows.jsonl")

    batch = Batch.objects.get()
    assert batch.name == "rows.jsonl"
    assert batch.task_count == 2


def test_batch_upload_of_a_bad_csv_reports_rows_and_columns_and_creates_nothing(client, requester):
    project = ProjectFactory(requester=requester)
    client.force_login(requester)

    response = _upload(client, project, b"text,id\n,1\nok\nfine,3\n")

    assert response.status_code == 400
    report = response.context["upload_error"]
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "text", "empty, but the template uses it"),
        (3, None, "has 1 cells, but the header has 2"),
    ]
    html = response.content.decode()
    assert "empty, but the template uses it" in html
    assert "has 1 cells, but the header has 2" in html
    assert "It has 2 errors" in html
    assert Batch.objects.count() == 0
    assert Task.objects.count() == 0


def test_batch_upload_report_says_how_many_more_errors_were_left_out(client, requester):
    project = ProjectFactory(requester=requester)
    client.force_login(requester)
    content = b"text\n" + b"x,y\n" * (MAX_REPORTED_ERRORS + 7)

    response = _upload(client, project, content)

    assert response.status_code == 400
    assert len(response.context["upload_error"].errors) == MAX_REPORTED_ERRORS
    assert "… and 7 more errors." in response.content.decode()
    assert Batch.objects.count() == 0
    assert Task.objects.count() == 0


def test_batch_upload_without_a_file_is_refused(client, requester):
    project = ProjectFactory(requester=requester)
    client.force_login(requester)

    response = client.post(reverse("projects:batch-upload", args=[project.pk]), {"name": "x"})

    assert response.status_code == 400
    assert list(response.context["upload_form"].errors) == ["file"]
    assert Batch.objects.count() == 0


def test_batch_upload_of_a_spreadsheet_file_is_refused(client, requester):
    project = ProjectFactory(requester=requester)
    client.force_login(requester)

    response = _upload(client, project, b"PK\x03\x04", filename="rows.xlsx")

    assert response.status_code == 400
    assert list(response.context["upload_form"].errors) == ["file"]
    assert Batch.objects.count() == 0


# --- batch state -----------------------------------------------------------------------


def _post(client, name, batch):
    return client.post(reverse(name, args=[batch.pk]), follow=True)


def test_batch_publish_opens_a_draft(client, requester, batch):
    fund(requester, 100_00)
    client.force_login(requester)

    response = _post(client, "projects:batch-publish", batch)

    assert response.redirect_chain == [(reverse("projects:batch-detail", args=[batch.pk]), 302)]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PUBLISHED
    assert batch.expires_at == batch.published_at + timedelta(days=7)
    assert [str(m) for m in response.context["messages"]] == [
        "Batch published: workers can now accept its tasks."
    ]


def test_batch_publish_twice_is_refused_with_a_message(client, requester, batch):
    fund(requester, 100_00)
    client.force_login(requester)
    _post(client, "projects:batch-publish", batch)
    batch.refresh_from_db()
    published_at = batch.published_at

    response = _post(client, "projects:batch-publish", batch)

    assert [str(m) for m in response.context["messages"]] == [
        "Only a draft batch can be published."
    ]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PUBLISHED
    assert batch.published_at == published_at


def test_batch_publish_without_funds_is_refused_with_the_missing_amount(client, requester, batch):
    client.force_login(requester)
    cost = payments.slots_cost(project=batch.project, slots=2 * 3)

    response = _post(client, "projects:batch-publish", batch)

    assert [str(m) for m in response.context["messages"]] == [
        f"Not enough funds: {format_money(cost, 'EUR')} more is needed."
    ]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    assert batch.published_at is None


def test_batch_publish_of_an_empty_batch_is_refused(client, requester):
    batch = BatchFactory(project=ProjectFactory(requester=requester))
    client.force_login(requester)

    response = _post(client, "projects:batch-publish", batch)

    assert [str(m) for m in response.context["messages"]] == ["The batch has no tasks."]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT


def test_batch_pause_resume_and_cancel(client, requester):
    batch = PublishedBatchFactory(project=ProjectFactory(requester=requester))
    client.force_login(requester)

    _post(client, "projects:batch-pause", batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PAUSED

    _post(client, "projects:batch-resume", batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PUBLISHED

    _post(client, "projects:batch-cancel", batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert batch.cancelled_at is not None


def test_batch_pause_of_a_draft_is_refused(client, requester, batch):
    client.force_login(requester)

    response = _post(client, "projects:batch-pause", batch)

    assert [str(m) for m in response.context["messages"]] == ["Only a live batch can be paused."]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT


def test_batch_resume_of_an_expired_batch_is_refused(client, requester):
    batch = PublishedBatchFactory(
        project=ProjectFactory(requester=requester),
        status=BatchStatus.PAUSED,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    client.force_login(requester)

    response = _post(client, "projects:batch-resume", batch)

    assert [str(m) for m in response.context["messages"]] == [
        "Only a paused batch that has not expired can be resumed."
    ]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PAUSED


def test_batch_cancel_twice_is_refused(client, requester, batch):
    client.force_login(requester)
    _post(client, "projects:batch-cancel", batch)
    batch.refresh_from_db()
    cancelled_at = batch.cancelled_at

    response = _post(client, "projects:batch-cancel", batch)

    assert [str(m) for m in response.context["messages"]] == ["The batch is already cancelled."]
    batch.refresh_from_db()
    assert batch.cancelled_at == cancelled_at


def test_batch_detail_offers_only_allowed_actions(client, requester, batch):
    client.force_login(requester)

    response = client.get(reverse("projects:batch-detail", args=[batch.pk]))

    assert response.context["actions"] == {"publish", "cancel"}
    html = response.content.decode()
    assert reverse("projects:batch-publish", args=[batch.pk]) in html
    assert reverse("projects:batch-pause", args=[batch.pk]) not in html


def _overdue_beside_a_submission(requester):
    """A batch whose one task (two slots) holds an accepted assignment past its deadline and a
    submission of 60 s: no slot open until the overdue one expires."""
    batch = PublishedBatchFactory(project=ProjectFactory(requester=requester, reward_cents=50))
    task = TaskFactory(batch=batch, max_assignments=2)
    overdue = AssignmentFactory(
        task=task,
        accepted_at=timezone.now() - timedelta(hours=1),
        deadline=timezone.now() - timedelta(minutes=1),
    )
    SubmittedAssignmentFactory(task=task, work_seconds=60)
    return batch, task, overdue


def test_batch_detail_counts_overdue_work_as_expired_without_writing(client, requester):
    batch, task, overdue = _overdue_beside_a_submission(requester)
    client.force_login(requester)

    with forbid_writes():
        response = client.get(reverse("projects:batch-detail", args=[batch.pk]))

    progress = response.context["progress"]
    assert progress["assignments"]["expired"] == 1
    assert progress["assignments"]["accepted"] == 0
    assert progress["due"] == {"expired": 1, "approved": 0}
    assert progress["tasks_with_open_slots"] == 1
    assert progress["answered"] == 1
    assert response.context["hourly"] == "30.00 EUR"
    assert response.context["median"] == "1\xa0minute"
    assert (
        "1 accepted assignment is past its deadline: it counts as expired, and its slot as open."
        in response.content.decode()
    )
    overdue.refresh_from_db()
    task.refresh_from_db()
    assert (overdue.state, overdue.ended_at, task.open_slots) == (AssignmentState.ACCEPTED, None, 0)


def test_sweep_expires_the_overdue_work_the_batch_page_counted_once(client, requester):
    batch, task, overdue = _overdue_beside_a_submission(requester)

    assert settle_due().expired == 1
    assert settle_due().expired == 0

    overdue.refresh_from_db()
    task.refresh_from_db()
    assert (overdue.state, task.open_slots) == (AssignmentState.EXPIRED, 1)
    client.force_login(requester)
    progress = client.get(reverse("projects:batch-detail", args=[batch.pk])).context["progress"]
    assert (progress["assignments"]["expired"], progress["assignments"]["accepted"]) == (1, 0)
    assert progress["due"] == {"expired": 0, "approved": 0}
    assert progress["tasks_with_open_slots"] == 1


# --- preview ---------------------------------------------------------------------------


def test_batch_preview_frames_the_first_task_in_a_sandbox(client, requester, batch):
    client.force_login(requester)

    response = client.get(reverse("projects:batch-preview", args=[batch.pk]))

    assert response.context["task"] == batch.tasks.order_by("row_number").first()
    frame_url = reverse("projects:batch-preview-frame", args=[batch.pk])
    assert f'sandbox="allow-forms allow-scripts" src="{frame_url}"' in response.content.decode()


def test_batch_preview_frame_has_the_sandbox_policy_and_escapes_inputs(client, requester):
    batch = BatchFactory(project=ProjectFactory(requester=requester))
    TaskFactory(batch=batch, row_number=2, input={"text": "second"})
    TaskFactory(batch=batch, row_number=1, input={"text": "<script>alert(1)</script>"})
    client.force_login(requester)

    response = client.get(reverse("projects:batch-preview-frame", args=[batch.pk]))

    assert response.status_code == 200
    assert "sandbox allow-forms allow-scripts" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "second" not in html
    assert "ASSIGNMENT_ID_NOT_AVAILABLE" in html


# --- review ----------------------------------------------------------------------------


@pytest.fixture
def submissions(requester, batch):
    """Three submissions in a batch published through the services, so its escrow holds the
    rewards that approvals pay out."""
    make_tasks(batch, 1)
    fund(requester, 100_00)
    services.batch_publish(batch=batch)
    return [SubmittedAssignmentFactory(task=task) for task in batch.tasks.order_by("row_number")]


def _review(client, batch, **data):
    return client.post(reverse("projects:batch-review", args=[batch.pk]), data)


def _states(assignments):
    return [Assignment.objects.get(pk=a.pk).state for a in assignments]


def test_batch_review_lists_submissions_waiting_first(client, requester, submissions):
    batch = submissions[0].task.batch
    submissions[0].state = AssignmentState.APPROVED
    submissions[0].save()
    AssignmentFactory(task=submissions[1].task)  # accepted, no answer yet: not listed
    client.force_login(requester)

    response = client.get(reverse("projects:batch-review", args=[batch.pk]))

    listed = list(response.context["submissions"])
    assert listed == [submissions[1], submissions[2], submissions[0]]
    assert listed[0].answer_items == [("answer", "positive")]
    assert response.context["waiting"] == 2


def test_batch_review_shows_boxes_and_checkbox_lists_as_text(client, requester, submissions):
    """Structured answers (bounding boxes) made the review page answer 500 (issue 16)."""
    boxes = [{"label": "car", "x1": 1, "y1": 2, "x2": 30, "y2": 40}]
    Assignment.objects.filter(pk=submissions[0].pk).update(
        answers={"boxes": boxes, "image_width": 640, "tags": ["a", "b"], "note": None}
    )
    client.force_login(requester)

    response = client.get(reverse("projects:batch-review", args=[submissions[0].task.batch.pk]))

    assert response.status_code == 200
    items = dict(
        next(a for a in response.context["submissions"] if a == submissions[0]).answer_items
    )
    assert items == {
        "boxes": '[{"label":"car","x1":1,"x2":30,"y1":2,"y2":40}]',
        "image_width": "640",
        "tags": "a; b",
        "note": "",
    }
    assert "[{&quot;label&quot;:&quot;car&quot;" in response.content.decode()
    worker_page = reverse("quality:requester-worker-detail", args=[submissions[0].worker.worker_id])
    assert f'<a href="{worker_page}">{submissions[0].worker.worker_id}</a>' in (
        response.content.decode()
    )


def test_batch_review_filters_by_state(client, requester, submissions):
    batch = submissions[0].task.batch
    submissions[0].state = AssignmentState.APPROVED
    submissions[0].save()
    client.force_login(requester)

    response = client.get(reverse("projects:batch-review", args=[batch.pk]), {"state": "approved"})

    assert list(response.context["submissions"]) == [submissions[0]]


def test_batch_review_pages_by_fifty(client, requester):
    batch = PublishedBatchFactory(project=ProjectFactory(requester=requester))
    for task in TaskFactory.create_batch(51, batch=batch):
        SubmittedAssignmentFactory(task=task)
    client.force_login(requester)

    first = client.get(reverse("projects:batch-review", args=[batch.pk]))
    second = client.get(reverse("projects:batch-review", args=[batch.pk]), {"page": 2})

    assert len(first.context["submissions"]) == 50
    assert len(second.context["submissions"]) == 1


def test_batch_review_approves_selected(client, requester, submissions):
    batch = submissions[0].task.batch
    client.force_login(requester)

    response = _review(
        client, batch, action="approve", selected=[submissions[0].pk, submissions[2].pk]
    )

    assert response.status_code == 302
    assert _states(submissions) == ["approved", "submitted", "approved"]


def test_batch_review_rejects_selected_with_the_reason(client, requester, submissions):
    batch = submissions[0].task.batch
    client.force_login(requester)

    _review(client, batch, action="reject", selected=[submissions[1].pk], reason="Blank answer")

    rejected = Assignment.objects.get(pk=submissions[1].pk)
    assert rejected.state == AssignmentState.REJECTED
    assert rejected.feedback == "Blank answer"
    assert _states(submissions) == ["submitted", "rejected", "submitted"]


def test_batch_review_reject_without_reason_is_refused_and_changes_nothing(
    client, requester, submissions
):
    batch = submissions[0].task.batch
    client.force_login(requester)

    response = _review(client, batch, action="reject", selected=[submissions[0].pk], reason=" ")

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [
        "A rejection needs a reason; the worker will see it."
    ]
    assert _states(submissions) == ["submitted", "submitted", "submitted"]
    assert Assignment.objects.get(pk=submissions[0].pk).reviewed_at is None


def test_batch_review_refuses_ids_from_another_batch(client, requester, submissions):
    batch = submissions[0].task.batch
    elsewhere = SubmittedAssignmentFactory(
        task=TaskFactory(batch=PublishedBatchFactory(project=batch.project))
    )
    client.force_login(requester)

    response = _review(client, batch, action="approve", selected=[submissions[0].pk, elsewhere.pk])

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["selected"]
    assert _states([*submissions, elsewhere]) == ["submitted"] * 4


def test_batch_review_approve_all_approves_only_this_batchs_submitted_work(
    client, requester, submissions
):
    batch = submissions[0].task.batch
    submissions[0].state = AssignmentState.REJECTED
    submissions[0].feedback = "No"
    submissions[0].reviewed_at = timezone.now()
    submissions[0].save()
    elsewhere = SubmittedAssignmentFactory(
        task=TaskFactory(batch=PublishedBatchFactory(project=batch.project))
    )
    client.force_login(requester)

    _review(client, batch, action="approve_all")

    assert _states([*submissions, elsewhere]) == ["rejected", "approved", "approved", "submitted"]


def test_batch_review_approve_without_selection_is_refused(client, requester, submissions):
    client.force_login(requester)

    response = _review(client, submissions[0].task.batch, action="approve")

    assert list(response.context["form"].errors) == ["selected"]
    assert _states(submissions) == ["submitted"] * 3


def test_batch_review_refused_by_the_service_changes_nothing(client, requester, submissions):
    batch = submissions[0].task.batch
    submissions[0].state = AssignmentState.APPROVED
    submissions[0].save()
    client.force_login(requester)

    response = _review(
        client,
        batch,
        action="reject",
        selected=[submissions[0].pk, submissions[1].pk],
        reason="Wrong",
    )

    assert response.context["form"].non_field_errors() == [
        "Only submitted work can be rejected; this one is approved."
    ]
    assert _states(submissions) == ["approved", "submitted", "submitted"]


# --- results ---------------------------------------------------------------------------


def _answered_batch(requester):
    project = ProjectFactory(requester=requester, public_id="P" * 30)
    batch = PublishedBatchFactory(project=project, columns=["text"])
    task = TaskFactory(batch=batch, public_id="T" * 30, row_number=1, input={"text": "=1+1"})
    accepted = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    SubmittedAssignmentFactory(
        task=task,
        public_id="A" * 30,
        worker__worker_id="AWORKER0000001",
        accepted_at=accepted,
        deadline=accepted + timedelta(minutes=10),
        submitted_at=accepted + timedelta(seconds=42),
        answers={"answer": "positive", "tags": ["a", "b"]},
    )
    return batch


def test_batch_results_csv_is_mturk_shaped(client, requester):
    batch = _answered_batch(requester)
    client.force_login(requester)

    response = client.get(reverse("projects:batch-results-csv", args=[batch.pk]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="batch-{batch.pk}-results.csv"'
    assert b"".join(response.streaming_content).decode() == (
        "HITId,HITTypeId,AssignmentId,WorkerId,AssignmentStatus,AcceptTime,SubmitTime,"
        "WorkTimeInSeconds,Input.text,Answer.answer,Answer.tags,RequesterFeedback\r\n"
        f"{'T' * 30},{'P' * 30},{'A' * 30},AWORKER0000001,Submitted,"
        "2025-01-02T03:04:05+00:00,2025-01-02T03:04:47+00:00,42,'=1+1,positive,a;b,\r\n"
    )


def test_batch_results_jsonl_is_one_object_per_answer(client, requester):
    batch = _answered_batch(requester)
    client.force_login(requester)

    response = client.get(reverse("projects:batch-results-jsonl", args=[batch.pk]))

    assert response["Content-Type"] == "application/x-ndjson"
    assert (
        response["Content-Disposition"] == f'attachment; filename="batch-{batch.pk}-results.jsonl"'
    )
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0])["Answer"] == {"answer": "positive", "tags": ["a", "b"]}


# --- admin ------------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    return RequesterFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", ["project", "batch", "task"])
def test_admin_lists_and_shows_projects_batches_and_tasks(client, staff, batch, model):
    obj = {"project": batch.project, "batch": batch, "task": batch.tasks.first()}[model]
    client.force_login(staff)

    listing = client.get(reverse(f"admin:projects_{model}_changelist"))
    page = client.get(reverse(f"admin:projects_{model}_change", args=[obj.pk]))
    adding = client.get(reverse(f"admin:projects_{model}_add"))

    assert (listing.status_code, page.status_code, adding.status_code) == (200, 200, 403)


def test_admin_edits_only_the_wording_of_a_project(client, staff, batch):
    project = batch.project
    client.force_login(staff)

    client.post(
        reverse("admin:projects_project_change", args=[project.pk]),
        {
            "title": "Fixed typo",
            "description": project.description,
            "instructions": "",
            "keywords": "",
            "reward_cents": "1",
        },
    )

    project.refresh_from_db()
    assert project.title == "Fixed typo"
    assert project.reward_cents == 50


def test_admin_cancel_action_goes_through_the_service(client, staff, batch):
    client.force_login(staff)

    client.post(
        reverse("admin:projects_batch_changelist"),
        {"action": "cancel_batches", "_selected_action": [batch.pk]},
    )

    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert batch.cancelled_at is not None


def test_batch_detail_of_a_draft_shows_what_publishing_costs(client, requester, batch):
    client.force_login(requester)
    cost = payment_selectors.batch_cost(batch)

    response = client.get(reverse("projects:batch-detail", args=[batch.pk]))

    assert response.context["cost"] == {
        "slots": 6,
        "rewards": "3.00 EUR",
        "fees": format_money(cost["fees_cents"], "EUR"),
        "total": format_money(cost["total_cents"], "EUR"),
    }
    assert f"Publishing moves {format_money(cost['total_cents'], 'EUR')}" in (
        response.content.decode()
    )


def test_batch_review_shows_work_past_its_auto_approval_delay_as_approved_without_writing(
    client, requester, submissions
):
    batch = submissions[0].task.batch
    due = timezone.now() - timedelta(minutes=1)
    Assignment.objects.filter(pk=submissions[0].pk).update(auto_approval_due_at=due)
    client.force_login(requester)

    with forbid_writes():
        response = client.get(reverse("projects:batch-review", args=[batch.pk]))

    assert response.context["waiting"] == 2
    listed = list(response.context["submissions"])
    assert listed == [submissions[1], submissions[2], submissions[0]]
    assert [(a.state_due, a.is_approval_due) for a in listed] == [
        ("submitted", False),
        ("submitted", False),
        ("approved", True),
    ]
    page = response.content.decode()
    assert page.count('name="selected"') == 2
    assert f'value="{submissions[0].pk}" id="pick-' not in page
    assert "Approved automatically" in page
    assert _states(submissions) == ["submitted", "submitted", "submitted"]
    assert not Assignment.objects.filter(is_auto_approved=True).exists()
    approved = client.get(reverse("projects:batch-review", args=[batch.pk]), {"state": "approved"})
    assert list(approved.context["submissions"]) == [submissions[0]]


def test_sweep_approves_the_work_the_review_page_showed_as_due_once(client, requester, submissions):
    batch = submissions[0].task.batch
    due = timezone.now() - timedelta(minutes=1)
    Assignment.objects.filter(pk=submissions[0].pk).update(auto_approval_due_at=due)

    assert settle_due().auto_approved == 1
    assert settle_due().auto_approved == 0

    assert _states(submissions) == ["approved", "submitted", "submitted"]
    approved = Assignment.objects.get(pk=submissions[0].pk)
    assert (approved.is_auto_approved, approved.reviewed_at) == (True, due)
    assert payments.reward_received(approved) == 50
    client.force_login(requester)
    assert client.get(reverse("projects:batch-review", args=[batch.pk])).context["waiting"] == 2
