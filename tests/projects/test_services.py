import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from microwork.projects import services
from microwork.projects.enums import BatchStatus, TemplateKind
from microwork.projects.models import Batch, Project, Task
from microwork.projects.upload import RowError
from tests.accounts.factories import WorkerFactory
from tests.payments.factories import fund
from tests.projects.factories import (
    BatchFactory,
    ImageProjectFactory,
    ProjectFactory,
    PublishedBatchFactory,
    make_tasks,
    project_fields,
)

pytestmark = pytest.mark.django_db


# --- projects -------------------------------------------------------------------------


def test_project_create_stores_the_platform_currency(requester):
    project = services.project_create(requester=requester, **project_fields())

    assert project.requester == requester
    assert project.currency == "EUR"
    assert project.template_config == {}
    assert Project.objects.count() == 1


def test_project_create_refuses_workers():
    with pytest.raises(ValidationError):
        services.project_create(requester=WorkerFactory(), **project_fields())

    assert Project.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reward_cents": 0}, "__all__"),
        ({"assignments_per_task": 101}, "__all__"),
        ({"time_allotted_seconds": 29}, "__all__"),
        ({"title": ""}, "title"),
        ({"template_html": "<p>${text}</p>"}, "template_html"),
        ({"template_html": '<form><input name="a"></form>'}, "template_html"),
        (
            {"template_kind": TemplateKind.IMAGE_CLASSIFICATION, "template_config": {}},
            "template_config",
        ),
    ],
)
def test_project_create_refuses_invalid_fields(requester, overrides, field):
    with pytest.raises(ValidationError) as raised:
        services.project_create(requester=requester, **project_fields(**overrides))

    assert field in raised.value.message_dict
    assert Project.objects.count() == 0


def test_project_create_refuses_unknown_fields(requester):
    with pytest.raises(TypeError):
        services.project_create(requester=requester, currency="USD", **project_fields())

    assert Project.objects.count() == 0


def test_project_create_image_classification_normalises_its_config(requester):
    project = services.project_create(
        requester=requester,
        **project_fields(
            template_kind=TemplateKind.IMAGE_CLASSIFICATION,
            template_html="<p>left over</p>",
            template_config={"image_column": " photo ", "labels": [" cat", "dog ", ""]},
        ),
    )

    assert project.template_html == ""
    assert project.template_config == {
        "image_column": "photo",
        "labels": ["cat", "dog"],
        "question": "",
    }
    assert services.project_required_columns(project) == ["photo"]


def test_project_required_columns_in_order_of_first_use():
    project = ProjectFactory(template_html='${b}<img src="${ a }"> ${b} <input name="x">')

    assert services.project_required_columns(project) == ["b", "a"]


def test_project_update_changes_terms_while_only_drafts_exist():
    project = ProjectFactory(reward_cents=50)
    BatchFactory(project=project)

    services.project_update(project=project, reward_cents=80, title="New title")

    project.refresh_from_db()
    assert project.reward_cents == 80
    assert project.title == "New title"


@pytest.mark.parametrize(
    "status", [BatchStatus.PUBLISHED, BatchStatus.PAUSED, BatchStatus.CANCELLED]
)
def test_project_update_of_terms_after_publishing_raises_terms_locked(status):
    project = ProjectFactory(reward_cents=50, template_html='<p>${text}</p><input name="a">')
    PublishedBatchFactory(project=project, status=status)

    with pytest.raises(services.ProjectTermsLocked):
        services.project_update(project=project, reward_cents=10, title="Cheaper")
    with pytest.raises(services.ProjectTermsLocked):
        services.project_update(project=project, template_html='<input name="b">')

    project.refresh_from_db()
    assert project.reward_cents == 50
    assert project.title != "Cheaper"
    assert project.template_html == '<p>${text}</p><input name="a">'
    assert services.project_terms_locked(project)


def test_project_update_after_publishing_allows_unchanged_terms_and_other_fields():
    project = ProjectFactory(reward_cents=50)
    PublishedBatchFactory(project=project)

    services.project_update(
        project=project, reward_cents=50, title="Clearer", lifetime_seconds=3600
    )

    project.refresh_from_db()
    assert project.title == "Clearer"
    assert project.lifetime_seconds == 3600


def test_project_update_refuses_invalid_values_and_keeps_the_old_ones():
    project = ProjectFactory(title="Kept")

    with pytest.raises(ValidationError):
        services.project_update(project=project, title="", estimated_seconds=0)

    project.refresh_from_db()
    assert project.title == "Kept"
    assert project.estimated_seconds == 60


# --- uploads -------------------------------------------------------------------------


def _upload(project, content: bytes, filename="rows.csv", name=""):
    return services.batch_create_from_upload(
        project=project, file=io.BytesIO(content), filename=filename, name=name
    )


def _refused(project, content: bytes, filename="rows.csv") -> services.BatchUploadInvalid:
    with pytest.raises(services.BatchUploadInvalid) as raised:
        _upload(project, content, filename)
    assert Batch.objects.count() == 0
    assert Task.objects.count() == 0
    return raised.value


def _inputs(batch):
    return [(t.row_number, t.input) for t in batch.tasks.order_by("row_number")]


def test_batch_upload_creates_a_draft_batch_with_one_task_per_row():
    project = ProjectFactory(assignments_per_task=2)

    batch = _upload(project, b"text\none\ntwo\n", name="  First  ")

    assert batch.name == "First"
    assert batch.status == BatchStatus.DRAFT
    assert batch.columns == ["text"]
    assert batch.task_count == 2
    assert _inputs(batch) == [(1, {"text": "one"}), (2, {"text": "two"})]
    assert {(t.max_assignments, t.open_slots) for t in batch.tasks.all()} == {(2, 2)}


def test_batch_upload_is_named_after_the_file_by_default():
    batch = _upload(ProjectFactory(), b"text\nx\n", filename="march.csv")

    assert batch.name == "march.csv"


def test_batch_upload_reads_bom_quotes_newlines_and_crlf():
    content = '\ufefftext,extra\r\n"a, b","x"\r\n"line 1\r\nline 2",=1+1\r\n'.encode()

    batch = _upload(ProjectFactory(), content)

    assert batch.columns == ["text", "extra"]
    assert _inputs(batch) == [
        (1, {"text": "a, b", "extra": "x"}),
        (2, {"text": "line 1\r\nline 2", "extra": "=1+1"}),
    ]


def test_batch_upload_reads_jsonl():
    content = b'{"text": "a"}\n{"text": "b", "id": 7}\n'

    batch = _upload(ProjectFactory(), content, filename="rows.jsonl")

    assert batch.columns == ["text", "id"]
    assert _inputs(batch) == [(1, {"text": "a"}), (2, {"text": "b", "id": "7"})]


def test_batch_upload_refuses_a_row_with_the_wrong_cell_count_naming_it():
    invalid = _refused(ProjectFactory(), b"text,id\na,1\nb\nc,3\n")

    assert invalid.errors == [RowError(3, None, "has 1 cells, but the header has 2")]
    assert invalid.error_count == 1
    assert invalid.rows_read == 3


def test_batch_upload_refuses_a_file_without_a_template_column_at_row_1():
    project = ProjectFactory(template_html='${text} <img src="${url}"> <input name="a">')

    invalid = _refused(project, b"id,other\n1,2\n")

    assert invalid.errors == [
        RowError(1, "text, url", "the template needs this column, the file lacks it")
    ]


def test_batch_upload_refuses_an_empty_template_cell_naming_row_and_column():
    invalid = _refused(ProjectFactory(), b"text,id\nok,1\n  ,2\n")

    assert invalid.errors == [RowError(3, "text", "empty, but the template uses it")]


def test_batch_upload_of_jsonl_refuses_a_line_without_the_template_column():
    invalid = _refused(ProjectFactory(), b'{"text": "a"}\n{"id": 2}\n', filename="r.jsonl")

    assert invalid.errors == [RowError(2, "text", "missing, but the template uses it")]


def test_batch_upload_refuses_invalid_utf8():
    invalid = _refused(ProjectFactory(), "text\ncafé\n".encode("latin-1"))

    assert len(invalid.errors) == 1
    assert invalid.errors[0].message in {
        "the file is not UTF-8 text",
        "not UTF-8 text from here on",
    }


def test_batch_upload_refuses_an_empty_file():
    invalid = _refused(ProjectFactory(), b"")

    assert invalid.errors == [RowError(None, None, "the file is empty")]


@pytest.mark.parametrize(
    ("content", "filename"),
    [(b"text\n", "rows.csv"), (b"text\n\n\n", "rows.csv"), (b"", "r.jsonl")],
)
def test_batch_upload_refuses_a_file_without_rows(content, filename):
    invalid = _refused(ProjectFactory(), content, filename)

    assert invalid.errors == [RowError(None, None, "the file has no rows after the header")]


def test_batch_upload_refuses_duplicate_column_names():
    invalid = _refused(ProjectFactory(), b"text,id,text\na,1,b\n")

    assert invalid.errors == [RowError(1, "text", "the column name appears twice")]


def test_batch_upload_reports_every_bad_row_up_to_the_cap():
    bad_rows = services.MAX_REPORTED_ERRORS + 50
    content = b"text\n" + b"ok\n" * 10 + b"a,b\n" * bad_rows + b"ok\n"

    invalid = _refused(ProjectFactory(), content)

    assert invalid.error_count == bad_rows
    assert len(invalid.errors) == services.MAX_REPORTED_ERRORS
    assert invalid.errors[0] == RowError(12, None, "has 2 cells, but the header has 1")
    assert invalid.errors[-1].row == 12 + services.MAX_REPORTED_ERRORS - 1
    assert invalid.rows_read == 10 + bad_rows + 1


def test_batch_upload_refused_after_a_full_chunk_leaves_no_task_behind():
    # Bad rows after more than INSERT_CHUNK good ones: the chunks already written roll back.
    good = services.INSERT_CHUNK + 5
    content = b"text\n" + b"ok\n" * good + b"   \n" + b"x,y\n"

    invalid = _refused(ProjectFactory(), content)

    assert invalid.errors == [
        RowError(good + 2, "text", "empty, but the template uses it"),
        RowError(good + 3, None, "has 2 cells, but the header has 1"),
    ]


def test_batch_upload_of_5000_rows_is_inserted_in_chunks(monkeypatch):
    rows = 5000
    content = b"text,n\n" + b"".join(b"row %d,%d\n" % (i, i) for i in range(1, rows + 1))
    chunk_sizes = []
    bulk_create = Task.objects.bulk_create

    def recording_bulk_create(objs, *args, **kwargs):
        chunk_sizes.append(len(objs))
        return bulk_create(objs, *args, **kwargs)

    monkeypatch.setattr(Task.objects, "bulk_create", recording_bulk_create)

    batch = _upload(ProjectFactory(), content)

    assert chunk_sizes == [services.INSERT_CHUNK] * (rows // services.INSERT_CHUNK) + [0]
    assert batch.task_count == rows
    assert Task.objects.filter(batch=batch).count() == rows
    numbers = list(batch.tasks.order_by("row_number").values_list("row_number", flat=True))
    assert numbers == list(range(1, rows + 1))
    assert batch.tasks.get(row_number=4321).input == {"text": "row 4321", "n": "4321"}


def test_batch_upload_for_image_classification_needs_the_image_column():
    project = ImageProjectFactory()

    invalid = _refused(project, b"url\nhttps://example.org/a.png\n")

    assert invalid.errors == [
        RowError(1, "image_url", "the template needs this column, the file lacks it")
    ]
    batch = _upload(project, b"image_url\nhttps://example.org/a.png\n")
    assert batch.task_count == 1


# --- batch state machine -------------------------------------------------------------


def _draft(tasks=2):
    batch = BatchFactory()
    make_tasks(batch, tasks)
    return batch


def test_batch_publish_opens_a_draft_for_the_project_lifetime():
    batch = _draft()
    fund(batch.project.requester, 100_00)

    services.batch_publish(batch=batch)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.PUBLISHED
    assert batch.expires_at - batch.published_at == timedelta(days=7)
    assert batch.is_live()


def test_batch_publish_refuses_an_empty_batch():
    batch = BatchFactory()

    with pytest.raises(services.BatchStateError, match="no tasks"):
        services.batch_publish(batch=batch)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    assert batch.published_at is None


@pytest.mark.parametrize(
    "status", [BatchStatus.PUBLISHED, BatchStatus.PAUSED, BatchStatus.CANCELLED]
)
def test_batch_publish_refuses_anything_but_a_draft(status):
    batch = PublishedBatchFactory(status=status, task_count=1)
    published_at = batch.published_at

    with pytest.raises(services.BatchStateError):
        services.batch_publish(batch=batch)

    batch.refresh_from_db()
    assert batch.status == status
    assert batch.published_at == published_at


def test_batch_pause_and_resume():
    batch = PublishedBatchFactory()

    services.batch_pause(batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PAUSED
    assert not batch.is_live()

    services.batch_resume(batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PUBLISHED


@pytest.mark.parametrize("status", [BatchStatus.DRAFT, BatchStatus.PAUSED, BatchStatus.CANCELLED])
def test_batch_pause_refuses_a_batch_that_is_not_live(status):
    batch = PublishedBatchFactory(status=status)

    with pytest.raises(services.BatchStateError):
        services.batch_pause(batch=batch)

    batch.refresh_from_db()
    assert batch.status == status


def test_batch_pause_and_resume_refuse_an_expired_batch():
    past = timezone.now() - timedelta(seconds=1)
    published = PublishedBatchFactory(expires_at=past)
    paused = PublishedBatchFactory(status=BatchStatus.PAUSED, expires_at=past)

    with pytest.raises(services.BatchStateError):
        services.batch_pause(batch=published)
    with pytest.raises(services.BatchStateError):
        services.batch_resume(batch=paused)

    published.refresh_from_db()
    paused.refresh_from_db()
    assert (published.status, paused.status) == (BatchStatus.PUBLISHED, BatchStatus.PAUSED)


def test_batch_cancel_of_a_draft_sets_its_dates():
    batch = _draft()

    services.batch_cancel(batch=batch)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert batch.published_at == batch.cancelled_at == batch.expires_at


def test_batch_cancel_of_a_published_batch_keeps_its_publication_dates():
    batch = PublishedBatchFactory()
    published_at, expires_at = batch.published_at, batch.expires_at

    services.batch_cancel(batch=batch)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert (batch.published_at, batch.expires_at) == (published_at, expires_at)
    assert batch.cancelled_at is not None


def test_batch_cancel_twice_is_refused():
    batch = PublishedBatchFactory(status=BatchStatus.CANCELLED, cancelled_at=timezone.now())
    cancelled_at = batch.cancelled_at

    with pytest.raises(services.BatchStateError, match="already cancelled"):
        services.batch_cancel(batch=batch)

    batch.refresh_from_db()
    assert batch.cancelled_at == cancelled_at


@pytest.mark.parametrize(
    ("status", "tasks", "expired", "actions"),
    [
        (BatchStatus.DRAFT, 1, False, {"publish", "cancel"}),
        (BatchStatus.DRAFT, 0, False, {"cancel"}),
        (BatchStatus.PUBLISHED, 1, False, {"pause", "cancel"}),
        (BatchStatus.PUBLISHED, 1, True, {"cancel"}),
        (BatchStatus.PAUSED, 1, False, {"resume", "cancel"}),
        (BatchStatus.PAUSED, 1, True, {"cancel"}),
        (BatchStatus.CANCELLED, 1, False, set()),
    ],
)
def test_batch_available_actions_follow_the_state_machine(status, tasks, expired, actions):
    now = timezone.now()
    dated = status != BatchStatus.DRAFT
    batch = BatchFactory(
        status=status,
        task_count=tasks,
        published_at=now - timedelta(days=1) if dated else None,
        expires_at=(now - timedelta(seconds=1) if expired else now + timedelta(days=1))
        if dated
        else None,
    )

    assert services.batch_available_actions(batch) == actions
