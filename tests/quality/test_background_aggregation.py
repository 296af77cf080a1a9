"""Large batches are aggregated by a background job and stored (quality/stored.py): routing by
size, the job, freshness by fingerprint, failures, the pages (which only read) and their button
(a POST that queues), and one computation at a time."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from microwork.quality import agreement, selectors, stored
from microwork.quality.enums import RuleActionKind, RuleCondition
from microwork.quality.exports import export_csv, export_jsonl, export_parquet
from microwork.quality.jobs import batch_aggregation_job
from microwork.quality.models import BatchAggregation, BatchAggregationState
from microwork.quality.services import rule_create
from microwork.quality.stored import batch_aggregation_compute, batch_aggregation_obtain
from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.quality.test_exports import boxes_batch  # noqa: F401 - a fixture used below
from tests.web.guard import forbid_writes
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

METHOD = "dawid_skene"


@pytest.fixture
def background(settings):
    """Every batch with at least one answer counts as large."""
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1


@pytest.fixture
def immediate_queue():
    """huey's immediate mode: a queued job runs at once, in the caller (no worker process)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = False


@pytest.fixture
def batch():
    """A custom template: "answer" (cat 2:1; a gold task; an unanswered task) and "tags", a
    checkbox list, so labels of every JSON type go through the stored file."""
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    workers = WorkerFactory.create_batch(3)
    first = TaskFactory(batch=batch, row_number=2, input={"text": "=1+1"})
    second = TaskFactory(batch=batch, row_number=3, input={"text": "b"}, gold={"answer": "dog"})
    TaskFactory(batch=batch, row_number=4, input={"text": "c"})
    answers = [
        {"answer": "cat", "tags": ["a", "b"], "score": 3},
        {"answer": "cat", "tags": ["a", "b"], "score": 3},
        {"answer": "dog", "tags": ["a"], "score": 1},
    ]
    for worker, answer in zip(workers, answers, strict=True):
        SubmittedAssignmentFactory(task=first, worker=worker, answers=answer)
    SubmittedAssignmentFactory(task=second, worker=workers[0], answers={"answer": "dog"})
    SubmittedAssignmentFactory(
        task=second, worker=workers[1], answers={"answer": "cat"}, state=AssignmentState.APPROVED
    )
    SubmittedAssignmentFactory(
        task=second,
        worker=workers[2],
        answers={"answer": "cat"},
        state=AssignmentState.REJECTED,
        feedback="Off topic.",
        reviewed_at=timezone.now(),
    )
    batch.workers = workers
    return batch


def _computed(batch, *, method=METHOD) -> BatchAggregation:
    """Queue the batch's aggregation (the job not run) and run the job's work."""
    status = batch_aggregation_obtain(batch=batch, method=method)
    assert status.current.state == BatchAggregationState.QUEUED
    return batch_aggregation_compute(aggregation_id=status.current.pk)


def _ask(client, batch, *, next_url="", method=METHOD):
    """Press the button of the batch's aggregation notice, on the page `next_url`."""
    return client.post(
        reverse("quality:batch-aggregation-request", args=[batch.pk]),
        {"method": method, "next": next_url},
    )


def _export_url(batch, file_format, **params):
    query = "&".join(f"{k}={v}" for k, v in {"method": METHOD, **params}.items())
    return f"{reverse('quality:batch-export', args=[batch.pk, file_format])}?{query}"


def _download(response) -> bytes:
    return b"".join(
        part if isinstance(part, bytes) else part.encode() for part in response.streaming_content
    )


# --- routing by size ---------------------------------------------------------------------


def test_small_batch_is_exported_in_the_request_and_nothing_is_stored(client, batch, settings):
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 6  # the batch has 5 answers
    client.force_login(batch.project.requester)

    response = client.get(_export_url(batch, "csv"))

    assert response.status_code == 200
    assert _download(response).decode() == "".join(export_csv(batch, method=METHOD))
    assert not BatchAggregation.objects.exists()


def test_large_batch_export_offers_the_computation_and_its_button_queues_one(
    client, batch, background, django_capture_on_commit_callbacks
):
    client.force_login(batch.project.requester)

    with django_capture_on_commit_callbacks() as queued_by_get:
        offered = client.get(_export_url(batch, "csv"))
    assert offered.status_code == 202
    assert b"are not computed yet" in offered.content
    assert b"Compute the aggregation" in offered.content
    assert b'http-equiv="refresh"' not in offered.content
    assert (queued_by_get, BatchAggregation.objects.exists()) == ([], False)

    with django_capture_on_commit_callbacks() as queued:
        asked = _ask(client, batch, next_url=_export_url(batch, "csv"))
        response = client.get(_export_url(batch, "csv"))
        _ask(client, batch, next_url=_export_url(batch, "jsonl"))
        again = client.get(_export_url(batch, "jsonl"))

    assert (asked.status_code, asked.url) == (302, _export_url(batch, "csv"))
    assert response.status_code == 202
    assert again.status_code == 202
    assert b"are queued to be computed from 5 answers" in response.content
    assert b"Computing\xe2\x80\xa6 (refresh)" in response.content
    assert b"Compute the aggregation" not in response.content
    assert b'http-equiv="refresh"' in response.content
    [row] = BatchAggregation.objects.all()
    assert (row.batch, row.method, row.state, row.n_answers) == (
        batch,
        METHOD,
        BatchAggregationState.QUEUED,
        5,
    )
    assert len(queued) == 1  # the second press found it queued


@pytest.mark.parametrize(
    "url",
    [
        lambda batch: _export_url(batch, "csv"),
        lambda batch: reverse("quality:batch-quality", args=[batch.pk]),
        lambda batch: reverse("quality:project-workers", args=[batch.project.pk]),
    ],
)
def test_refused_visitors_queue_nothing(client, batch, background, url):
    anonymous = client.get(url(batch))
    client.force_login(WorkerFactory())
    worker = client.get(url(batch))
    client.force_login(RequesterFactory())
    other = client.get(url(batch))

    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("accounts:login"))
    assert worker.status_code == 403
    assert other.status_code == 404
    assert not BatchAggregation.objects.exists()


def test_threshold_counts_submitted_and_approved_answers_only(batch, settings):
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 5
    assert not batch_aggregation_obtain(batch=batch, method=METHOD).is_synchronous

    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 6
    assert batch_aggregation_obtain(batch=batch, method=METHOD).is_synchronous


# --- the job -----------------------------------------------------------------------------


def test_job_computes_and_stores_the_result_in_the_private_storage(
    batch, background, private_storage
):
    row = _computed(batch)

    assert row.state == BatchAggregationState.DONE
    assert row.error == ""
    assert row.started_at <= row.computed_at
    assert row.result_name.startswith(f"aggregations/batch-{batch.pk}/{METHOD}-")
    assert (private_storage / row.result_name).is_file()
    assert batch_aggregation_obtain(batch=batch, method=METHOD).is_fresh
    assert BatchAggregation.objects.count() == 1


def test_job_run_twice_computes_once(batch, background):
    row = _computed(batch)

    assert batch_aggregation_compute(aggregation_id=row.pk) is None
    assert BatchAggregation.objects.get().computed_at == row.computed_at


def test_job_queued_in_immediate_mode_runs_without_a_worker(
    client, batch, background, immediate_queue, django_capture_on_commit_callbacks
):
    client.force_login(batch.project.requester)

    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, batch, next_url=_export_url(batch, "csv"))
    # The job ran in the POST once its row was committed (in a test, once the captured
    # callbacks run): the page it goes back to finds the result fresh.
    response = client.get(_export_url(batch, "csv"))

    assert BatchAggregation.objects.get().state == BatchAggregationState.DONE
    assert response.status_code == 200
    assert _download(response).decode() == "".join(export_csv(batch, method=METHOD))


def test_the_huey_task_reports_the_state_it_left(batch, background, immediate_queue):
    status = batch_aggregation_obtain(batch=batch, method=METHOD)

    assert batch_aggregation_job(status.current.pk)() == "done"


# --- the same file whichever path ---------------------------------------------------------


@pytest.mark.parametrize("writer", [export_csv, export_jsonl])
def test_stored_result_gives_byte_identical_files(batch, background, writer):
    synchronous = "".join(writer(batch, method=METHOD)).encode()
    row = _computed(batch)

    from_store = "".join(
        writer(batch, method=METHOD, aggregated=stored.stored_result(row).aggregated)
    ).encode()

    assert from_store == synchronous
    assert b"a;b" in synchronous or b'["a", "b"]' in synchronous


def test_stored_result_gives_byte_identical_parquet(batch, background):
    pytest.importorskip("pyarrow")
    synchronous = b"".join(export_parquet(batch, method=METHOD))
    row = _computed(batch)

    from_store = b"".join(
        export_parquet(batch, method=METHOD, aggregated=stored.stored_result(row).aggregated)
    )

    assert from_store == synchronous


def test_stored_boxes_and_numbers_give_byte_identical_files(boxes_batch, background):  # noqa: F811
    expected = [
        "".join(writer(boxes_batch, method=METHOD)) for writer in (export_csv, export_jsonl)
    ]
    row = _computed(boxes_batch)
    aggregated = stored.stored_result(row).aggregated

    assert [
        "".join(writer(boxes_batch, method=METHOD, aggregated=aggregated))
        for writer in (export_csv, export_jsonl)
    ] == expected


@pytest.mark.parametrize("file_format", ["csv", "jsonl"])
def test_download_view_serves_the_stored_file_identical_to_the_synchronous_one(
    client, batch, settings, file_format
):
    client.force_login(batch.project.requester)
    synchronous = _download(client.get(_export_url(batch, file_format)))
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
    _computed(batch)

    response = client.get(_export_url(batch, file_format))

    assert response.status_code == 200
    assert _download(response) == synchronous


def test_stored_report_equals_the_synchronous_report(batch, background):
    row = _computed(batch)

    assert stored.stored_result(row).report == agreement.batch_report(batch, method=METHOD)
    assert stored.stored_report(row) == stored.stored_result(row).report


# --- freshness ------------------------------------------------------------------------------


def test_a_new_answer_makes_the_result_stale_and_the_button_queues_a_recomputation(
    client, batch, background, private_storage, django_capture_on_commit_callbacks
):
    first = _computed(batch)
    SubmittedAssignmentFactory(
        task=TaskFactory(batch=batch, row_number=9), answers={"answer": "cow"}
    )
    client.force_login(batch.project.requester)

    response = client.get(_export_url(batch, "csv"))

    assert response.status_code == 202
    assert b"The answers changed since the labels of" in response.content
    assert b"it now has 6 answers" in response.content
    assert b"Compute the aggregation" in response.content
    assert b"Shown meanwhile: the last result" in response.content
    assert f"result={first.pk}".encode() in response.content
    assert list(BatchAggregation.objects.all()) == [first]

    with django_capture_on_commit_callbacks() as jobs:
        _ask(client, batch, next_url=_export_url(batch, "csv"))

    assert len(jobs) == 1
    queued = BatchAggregation.objects.get(state=BatchAggregationState.QUEUED)
    assert (queued.n_answers, queued.fingerprint != first.fingerprint) == (6, True)
    # The last result stays downloadable meanwhile, without the new task's label.
    earlier = _download(client.get(_export_url(batch, "csv", result=first.pk))).decode()
    assert "cow" not in earlier

    with django_capture_on_commit_callbacks(execute=True):
        second = batch_aggregation_compute(aggregation_id=queued.pk)

    assert second.state == BatchAggregationState.DONE
    assert list(BatchAggregation.objects.all()) == [second]  # the stale one and its file went
    assert not (private_storage / first.result_name).exists()
    assert "cow" in _download(client.get(_export_url(batch, "csv"))).decode()


def test_a_review_or_a_rule_weight_changes_the_fingerprint(batch):
    before, _n = stored.batch_fingerprint(batch, METHOD)
    assignment = batch.workers[0].assignments.first()
    assignment.state, assignment.reviewed_at = AssignmentState.APPROVED, timezone.now()
    assignment.save()
    reviewed, n = stored.batch_fingerprint(batch, METHOD)
    rule = rule_create(
        project=batch.project,
        condition=RuleCondition.GOLD_ACCURACY_BELOW,
        threshold_percent=70,
        min_observations=1,
        action=RuleActionKind.LOWER_WEIGHT,
        weight_percent=50,
    )
    rule.actions.create(
        project=batch.project,
        worker=batch.workers[0],
        action=RuleActionKind.LOWER_WEIGHT,
        reason="low",
        observed_percent=0,
        observations=1,
    )
    weighted, _n = stored.batch_fingerprint(batch, METHOD)

    assert n == 5
    assert len({before, reviewed, weighted, stored.batch_fingerprint(batch, "wawa")[0]}) == 4


def test_no_second_computation_starts_while_one_is_in_progress(batch, background):
    status = batch_aggregation_obtain(batch=batch, method=METHOD)
    SubmittedAssignmentFactory(
        task=TaskFactory(batch=batch, row_number=9), answers={"answer": "cow"}
    )

    again = batch_aggregation_obtain(batch=batch, method=METHOD)

    assert again.current is None
    assert again.in_progress == status.current
    assert BatchAggregation.objects.count() == 1


def test_a_job_starting_after_new_answers_labels_its_result_with_them(batch, background):
    status = batch_aggregation_obtain(batch=batch, method=METHOD)
    SubmittedAssignmentFactory(
        task=TaskFactory(batch=batch, row_number=9), answers={"answer": "cow"}
    )

    row = batch_aggregation_compute(aggregation_id=status.current.pk)

    assert row.n_answers == 6
    assert batch_aggregation_obtain(batch=batch, method=METHOD).is_fresh


def test_a_computation_lost_mid_way_is_marked_failed_and_can_be_retried(batch, background):
    status = batch_aggregation_obtain(batch=batch, method=METHOD)
    BatchAggregation.objects.filter(pk=status.current.pk).update(
        state=BatchAggregationState.RUNNING,
        started_at=timezone.now() - stored.LOST_AFTER - timedelta(minutes=1),
    )

    row = stored.batch_aggregation_retry(batch=batch, method=METHOD)

    assert row.pk == status.current.pk
    assert row.state == BatchAggregationState.QUEUED
    assert batch_aggregation_compute(aggregation_id=row.pk).state == BatchAggregationState.DONE


# --- failures -------------------------------------------------------------------------------


@pytest.fixture
def failing_batch(boxes_batch):  # noqa: F811
    """A numeric answer that is not a number: the median cannot be computed."""
    task = TaskFactory(batch=boxes_batch, row_number=3, input={"img": "https://example.org/b.jpg"})
    SubmittedAssignmentFactory(task=task, answers={"image_width": "wide", "boxes": []})
    return boxes_batch


def test_a_failure_is_recorded_and_shown_to_the_requester_with_a_retry(
    client, failing_batch, background, django_capture_on_commit_callbacks
):
    row = _computed(failing_batch)
    client.force_login(failing_batch.project.requester)

    page = client.get(
        reverse("quality:batch-quality", args=[failing_batch.pk]) + f"?method={METHOD}"
    )
    download = client.get(
        reverse("quality:batch-export", args=[failing_batch.pk, "csv"]) + f"?method={METHOD}"
    )

    assert row.state == BatchAggregationState.FAILED
    assert row.error == "ValueError: could not convert string to float: 'wide'"
    assert row.result_name == ""
    assert page.status_code == 200
    assert b"could not convert string to float: &#x27;wide&#x27;" in page.content
    assert b"Try again" in page.content
    assert download.status_code == 202
    assert b"The aggregation of this batch failed" in download.content

    page_url = reverse("quality:batch-quality", args=[failing_batch.pk])
    with django_capture_on_commit_callbacks() as queued:
        response = _ask(client, failing_batch, next_url=page_url)

    assert response.status_code == 302
    assert response.url == reverse("quality:batch-quality", args=[failing_batch.pk]) + (
        f"?method={METHOD}"
    )
    assert len(queued) == 1
    row.refresh_from_db()
    assert (row.state, row.error) == (BatchAggregationState.QUEUED, "")


# --- the pages ------------------------------------------------------------------------------


def test_batch_quality_page_offers_waits_then_shows_the_stored_report(client, batch, background):
    client.force_login(batch.project.requester)
    url = reverse("quality:batch-quality", args=[batch.pk]) + f"?method={METHOD}"

    offered = client.get(url)
    asked = _ask(client, batch, next_url=url)
    waiting = client.get(url)
    row = BatchAggregation.objects.get()
    batch_aggregation_compute(aggregation_id=row.pk)
    ready = client.get(url)

    assert b"Compute the aggregation" in offered.content
    assert offered.context["report"] is None
    assert asked.url == url
    assert b"are queued to be computed" in waiting.content
    assert b"Compute the aggregation" not in waiting.content
    assert b"The downloads appear here once the labels are computed." in waiting.content
    assert waiting.context["report"] is None
    assert b'http-equiv="refresh"' not in ready.content
    assert ready.context["report"] == agreement.batch_report(batch, method=METHOD)
    assert b"Computed in the background on" in ready.content
    assert b"Compute the aggregation" not in ready.content


def test_an_earlier_result_of_another_batch_is_not_served(client, batch, background):
    other = _computed(_another_requesters_batch())
    client.force_login(batch.project.requester)

    response = client.get(_export_url(batch, "csv", result=other.pk))

    assert response.status_code == 202  # this batch's own notice, with its button
    assert b"Compute the aggregation" in response.content
    assert not BatchAggregation.objects.filter(batch=batch).exists()


def _another_requesters_batch():
    other = PublishedBatchFactory(project=ProjectFactory(requester=RequesterFactory()))
    SubmittedAssignmentFactory(task=TaskFactory(batch=other), answers={"answer": "cat"})
    return other


def test_project_workers_page_uses_stored_labels_of_large_batches(client, batch, settings):
    synchronous = selectors.project_worker_figures(project=batch.project, method=METHOD)
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
    client.force_login(batch.project.requester)
    url = reverse("quality:project-workers", args=[batch.project.pk]) + f"?method={METHOD}"

    offered = client.get(url)
    asked = _ask(client, batch, next_url=url)
    waiting = client.get(url)
    batch_aggregation_compute(aggregation_id=BatchAggregation.objects.get().pk)
    ready = client.get(url)

    assert b"are not computed yet" in offered.content
    assert b'http-equiv="refresh"' not in offered.content
    assert asked.url == url
    assert b"are queued to be computed" in waiting.content
    assert b'http-equiv="refresh"' in waiting.content
    # Without labels yet, nobody's agreement is measured on this batch.
    assert all(row.stats.agreement.n == 0 for row in waiting.context["workers"])
    assert ready.context["pending"] == []
    assert ready.context["workers"] == synchronous["workers"]
    assert any(row.stats.agreement.n for row in ready.context["workers"])


def test_stored_labels_are_the_stored_results_categorical_ones_of_the_tasks_asked(
    batch, background
):
    aggregation = _computed(batch)
    first, second, third = batch.tasks.order_by("row_number").values_list("public_id", flat=True)
    stored_labels = {
        (task_id, field.name): agreement._label(values[0])
        for field, results in stored.stored_result(aggregation).aggregated
        if field.kind == "categorical"
        for task_id, values in results.items()
    }

    every = stored.categorical_labels(aggregation)
    some = stored.categorical_labels(aggregation, tasks={first, third})

    assert every == stored_labels
    assert every == {
        (first, "answer"): "cat",
        (first, "score"): 3,
        (first, "tags"): ("a", "b"),
        (second, "answer"): "dog",
    }
    assert some == {(first, "answer"): "cat", (first, "score"): 3, (first, "tags"): ("a", "b")}
    assert stored.categorical_labels(aggregation, tasks=set()) == {}


def test_project_workers_page_shows_the_last_labels_while_recomputing(client, batch, background):
    _computed(batch)
    before = selectors.project_worker_figures(
        project=batch.project, method=METHOD, precomputed={batch.pk: None}
    )
    SubmittedAssignmentFactory(
        task=TaskFactory(batch=batch, row_number=9), answers={"answer": "cow"}
    )
    client.force_login(batch.project.requester)

    response = client.get(
        reverse("quality:project-workers", args=[batch.project.pk]) + f"?method={METHOD}"
    )

    assert b"Shown meanwhile: the last result" in response.content
    assert response.context["workers"] != before["workers"]  # the last labels are used


# --- the button: a POST queues, a page only reads --------------------------------------------


def test_the_button_queues_one_row_and_one_job_and_a_second_press_nothing_more(
    client, batch, background, django_capture_on_commit_callbacks
):
    client.force_login(batch.project.requester)
    page = reverse("quality:batch-quality", args=[batch.pk]) + f"?method={METHOD}"

    with django_capture_on_commit_callbacks() as first_jobs:
        first = _ask(client, batch, next_url=page)
    [row] = BatchAggregation.objects.all()
    with django_capture_on_commit_callbacks() as second_jobs:
        second = _ask(client, batch, next_url=page)

    assert (first.status_code, first.url) == (302, page)
    assert (second.status_code, second.url) == (302, page)
    assert len(first_jobs) == 1
    assert second_jobs == []
    assert list(BatchAggregation.objects.all()) == [row]
    assert (row.method, row.state, row.n_answers) == (METHOD, BatchAggregationState.QUEUED, 5)
    assert b"The aggregation is being computed" in client.get(page).content


def test_the_button_of_another_requesters_batch_is_404_and_changes_nothing(
    client, batch, background, django_capture_on_commit_callbacks
):
    client.force_login(RequesterFactory())

    with django_capture_on_commit_callbacks() as jobs:
        response = _ask(client, batch)

    assert response.status_code == 404
    assert jobs == []
    assert not BatchAggregation.objects.exists()


def test_the_button_refuses_anonymous_workers_and_a_get_and_changes_nothing(
    client, batch, background, django_capture_on_commit_callbacks
):
    url = reverse("quality:batch-aggregation-request", args=[batch.pk])

    with django_capture_on_commit_callbacks() as jobs:
        anonymous = _ask(client, batch)
        client.force_login(batch.workers[0])
        worker = _ask(client, batch)
        client.force_login(batch.project.requester)
        get = client.get(url, {"method": METHOD})

    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("accounts:login"))
    assert worker.status_code == 403
    assert get.status_code == 405
    assert jobs == []
    assert not BatchAggregation.objects.exists()


def test_the_button_queues_a_failed_computation_again(
    client, failing_batch, background, django_capture_on_commit_callbacks
):
    row = _computed(failing_batch)
    client.force_login(failing_batch.project.requester)
    page = _export_url(failing_batch, "jsonl")

    with django_capture_on_commit_callbacks() as jobs:
        response = _ask(client, failing_batch, next_url=page)

    assert (response.status_code, response.url) == (302, page)
    assert len(jobs) == 1
    assert list(BatchAggregation.objects.all()) == [row]
    row.refresh_from_db()
    assert (row.state, row.error) == (BatchAggregationState.QUEUED, "")


def test_the_button_queues_nothing_for_a_fresh_result_or_a_small_batch(
    client, batch, settings, django_capture_on_commit_callbacks
):
    client.force_login(batch.project.requester)
    with django_capture_on_commit_callbacks() as small_jobs:
        small = _ask(client, batch)
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
    row = _computed(batch)

    with django_capture_on_commit_callbacks() as fresh_jobs:
        fresh = _ask(client, batch)

    assert (small.status_code, fresh.status_code) == (302, 302)
    assert (small_jobs, fresh_jobs) == ([], [])
    assert list(BatchAggregation.objects.all()) == [row]
    assert BatchAggregation.objects.get().state == BatchAggregationState.DONE


@pytest.mark.parametrize(
    "page, back",
    [
        ("", "quality"),
        ("/quality/batches/{pk}/?method=ds_mace&result=3", "quality"),
        ("/quality/projects/{project}/workers/?page=2&evil=1", "workers?page=2"),
        ("/quality/projects/{project}/workers/?page=x", "workers"),
        ("/quality/batches/{pk}/aggregated.parquet", "parquet"),
    ],
)
def test_the_button_goes_back_to_the_page_it_came_from_with_the_method_asked(
    client, batch, background, page, back
):
    client.force_login(batch.project.requester)
    pages = {
        "quality": reverse("quality:batch-quality", args=[batch.pk]),
        "workers": reverse("quality:project-workers", args=[batch.project.pk]),
        "parquet": reverse("quality:batch-export", args=[batch.pk, "parquet"]),
    }
    path, _sep, query = back.partition("?")
    expected = f"{pages[path]}?method={METHOD}" + (f"&{query}" if query else "")

    response = _ask(client, batch, next_url=page.format(pk=batch.pk, project=batch.project.pk))

    assert (response.status_code, response.url) == (302, expected)
    assert BatchAggregation.objects.get().state == BatchAggregationState.QUEUED


@pytest.mark.parametrize(
    "page",
    [
        "https://evil.example/quality/batches/{pk}/",
        "//evil.example/quality/batches/{pk}/",
        "/quality/batches/{other}/",
        "/quality/projects/{other_project}/workers/",
        "/requester/projects/",
    ],
)
def test_the_button_refuses_a_page_that_is_not_the_batchs_and_changes_nothing(
    client, batch, background, page, django_capture_on_commit_callbacks
):
    other = PublishedBatchFactory(project=ProjectFactory(requester=batch.project.requester))
    client.force_login(batch.project.requester)
    wanted = page.format(pk=batch.pk, other=other.pk, other_project=other.project.pk)

    with django_capture_on_commit_callbacks() as jobs:
        response = _ask(client, batch, next_url=wanted)
        unknown_method = _ask(client, batch, method="majority_of_one")

    quality_page = reverse("quality:batch-quality", args=[batch.pk])
    assert (response.status_code, response.url) == (302, quality_page)
    assert (unknown_method.status_code, unknown_method.url) == (302, quality_page)
    assert jobs == []
    assert not BatchAggregation.objects.exists()


def _pages(batch):
    return [
        reverse("quality:batch-quality", args=[batch.pk]) + f"?method={METHOD}",
        _export_url(batch, "csv"),
        reverse("quality:project-workers", args=[batch.project.pk]) + f"?method={METHOD}",
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_a_get_after_the_answers_changed_says_so_and_writes_nothing(
    client, batch, background, index, django_capture_on_commit_callbacks
):
    first = _computed(batch)
    SubmittedAssignmentFactory(
        task=TaskFactory(batch=batch, row_number=9), answers={"answer": "cow"}
    )
    client.force_login(batch.project.requester)

    with django_capture_on_commit_callbacks() as jobs:
        with transaction.atomic(), forbid_writes():
            response = client.get(_pages(batch)[index])
            if response.streaming:
                b"".join(response.streaming_content)

    assert response.status_code == (202 if index == 1 else 200)
    assert b"The answers changed since the labels of" in response.content
    assert b"Compute the aggregation" in response.content
    assert b'http-equiv="refresh"' not in response.content
    assert jobs == []
    assert list(BatchAggregation.objects.all()) == [first]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_a_lost_computation_is_shown_failed_without_writing_and_its_button_retries_it(
    client, batch, background, index, django_capture_on_commit_callbacks
):
    status = batch_aggregation_obtain(batch=batch, method=METHOD)
    started = timezone.now() - stored.LOST_AFTER - timedelta(minutes=1)
    BatchAggregation.objects.filter(pk=status.current.pk).update(
        state=BatchAggregationState.RUNNING, started_at=started
    )
    client.force_login(batch.project.requester)
    page = _pages(batch)[index]

    with transaction.atomic(), forbid_writes():
        response = client.get(page)
    row = BatchAggregation.objects.get()
    assert (row.state, row.error) == (BatchAggregationState.RUNNING, "")
    assert response.status_code == (202 if index == 1 else 200)
    assert b"The aggregation of this batch failed on" in response.content
    assert b"was the job worker stopped?" in response.content
    assert b"Try again" in response.content
    assert b'http-equiv="refresh"' not in response.content

    with django_capture_on_commit_callbacks() as jobs:
        asked = _ask(client, batch, next_url=page)

    assert (asked.status_code, asked.url) == (302, page)
    assert len(jobs) == 1
    row.refresh_from_db()
    assert (row.pk, row.state, row.started_at) == (status.current.pk, "queued", None)


def test_a_lost_computation_of_earlier_answers_gives_way_to_a_new_one(
    batch, background, django_capture_on_commit_callbacks
):
    lost = batch_aggregation_obtain(batch=batch, method=METHOD).current
    BatchAggregation.objects.filter(pk=lost.pk).update(
        state=BatchAggregationState.RUNNING,
        started_at=timezone.now() - stored.LOST_AFTER - timedelta(minutes=1),
    )
    SubmittedAssignmentFactory(
        task=TaskFactory(batch=batch, row_number=9), answers={"answer": "cow"}
    )

    shown = stored.batch_aggregation_status(batch=batch, method=METHOD)
    with django_capture_on_commit_callbacks() as jobs:
        after = stored.batch_aggregation_request(batch=batch, method=METHOD)

    assert (shown.current, shown.in_progress, shown.lost, shown.failure) == (None, None, lost, None)
    assert len(jobs) == 1
    assert after.in_progress == after.current
    assert (after.current.n_answers, after.current.state) == (6, BatchAggregationState.QUEUED)
    lost.refresh_from_db()
    assert (lost.state, lost.error) == (BatchAggregationState.FAILED, stored.LOST_ERROR)


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_start_one_computation(settings, immediate_queue):
    from tests.threads import run_in_threads

    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
    batch = PublishedBatchFactory()
    for row_number in range(2, 12):
        SubmittedAssignmentFactory(
            task=TaskFactory(batch=batch, row_number=row_number), answers={"answer": "cat"}
        )

    from huey.signals import SIGNAL_ENQUEUED

    enqueued = []

    def count(signal, task):
        enqueued.append(task.name)

    immediate_queue.signal(SIGNAL_ENQUEUED)(count)

    def request(_index):
        batch_aggregation_obtain(batch=batch, method=METHOD)

    try:
        errors = run_in_threads(12, request)
    finally:
        immediate_queue.disconnect_signal(count, SIGNAL_ENQUEUED)

    assert errors == []
    assert enqueued == ["batch_aggregation_job"]
    [row] = BatchAggregation.objects.all()
    assert (row.state, row.n_answers) == (BatchAggregationState.DONE, 10)
    stored_csv = "".join(
        export_csv(batch, method=METHOD, aggregated=stored.stored_result(row).aggregated)
    )
    assert stored_csv == "".join(export_csv(batch, method=METHOD))
