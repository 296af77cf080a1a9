"""The review page's filter by agreement with the aggregated label (issue 16): the labels its
batch's quality page compares answers with, computed in the request for a small batch, read
from the stored aggregation for a large one, never computed on a GET."""

import pytest
from django.db import transaction
from django.urls import reverse

from microwork.quality import agreement, stored
from microwork.quality.aggregation import DEFAULT_METHOD
from microwork.quality.models import BatchAggregation
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.web.guard import forbid_writes
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


@pytest.fixture
def batch(requester):
    """Task 1: cat, cat, dog (the third disagrees); task 2: dog three times; task 3: one
    answer with nothing to compare (its field left empty)."""
    batch = PublishedBatchFactory(project=ProjectFactory(requester=requester))
    workers = WorkerFactory.create_batch(3)
    first, second, third = (TaskFactory(batch=batch, row_number=n) for n in (1, 2, 3))
    rows = {}
    for worker, answer in zip(workers, ["cat", "cat", "dog"], strict=True):
        rows[("first", worker.worker_id)] = SubmittedAssignmentFactory(
            task=first, worker=worker, answers={"answer": answer}
        )
    for worker in workers:
        rows[("second", worker.worker_id)] = SubmittedAssignmentFactory(
            task=second, worker=worker, answers={"answer": "dog"}
        )
    rows["third"] = SubmittedAssignmentFactory(
        task=third, worker=workers[0], answers={"answer": ""}
    )
    batch.workers, batch.rows = workers, rows
    return batch


def _listed(client, batch, **query):
    response = client.get(reverse("projects:batch-review", args=[batch.pk]), query)
    assert response.status_code == 200
    return response, list(response.context["submissions"])


def _row(batch, task, index):
    return batch.rows[(task, batch.workers[index].worker_id)]


def test_the_labels_are_those_the_quality_page_compares_with(batch):
    labels = stored.batch_labels(batch=batch, method=DEFAULT_METHOD)

    first, second = (batch.tasks.get(row_number=n).public_id for n in (1, 2))
    assert labels == {(first, "answer"): "cat", (second, "answer"): "dog"}
    assert labels == agreement.batch_labels(batch)


def test_answers_that_agree_and_those_that_disagree(client, requester, batch):
    client.force_login(requester)

    _response, agreeing = _listed(client, batch, agreement="agrees")
    response, disagreeing = _listed(client, batch, agreement="disagrees")

    assert agreeing == [
        _row(batch, "first", 0),
        _row(batch, "first", 1),
        *(_row(batch, "second", index) for index in range(3)),
    ]
    assert disagreeing == [_row(batch, "first", 2)]
    html = response.content.decode()
    assert 'href="?agreement=disagrees" aria-current="page">Disagrees with' in html
    assert '<input type="hidden" name="agreement" value="disagrees">' in html


def test_the_agreement_filter_combines_with_the_worker_and_state_filters(client, requester, batch):
    client.force_login(requester)
    worker_id = batch.workers[2].worker_id

    _response, agreeing = _listed(client, batch, agreement="agrees", worker=worker_id)
    _response, disagreeing = _listed(
        client, batch, agreement="disagrees", worker=worker_id, state="approved"
    )

    assert agreeing == [_row(batch, "second", 2)]
    assert disagreeing == []


def test_an_unknown_agreement_value_lists_every_answer(client, requester, batch):
    client.force_login(requester)

    _response, listed = _listed(client, batch, agreement="maybe")

    assert len(listed) == 7


def test_pages_keep_the_agreement_filter(client, requester, batch, monkeypatch):
    monkeypatch.setattr("microwork.web.projects.views.REVIEW_PAGE_SIZE", 2)
    client.force_login(requester)

    response, first_page = _listed(client, batch, agreement="agrees", state="submitted")
    _response, third_page = _listed(client, batch, agreement="agrees", page="3")

    html = response.content.decode()
    assert 'href="?agreement=agrees&amp;state=submitted&amp;page=2"' in html
    assert "Page 1 of 3" in html
    assert first_page == [_row(batch, "first", 0), _row(batch, "first", 1)]
    assert third_page == [_row(batch, "second", 2)]


def test_a_large_batch_never_aggregated_lists_nothing_and_computes_nothing(
    client, requester, batch, settings
):
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
    client.force_login(requester)

    with transaction.atomic(), forbid_writes():
        response, listed = _listed(client, batch, agreement="agrees")

    assert listed == []
    assert "The aggregated labels of this batch are not computed yet" in response.content.decode()
    assert not BatchAggregation.objects.exists()


def test_a_large_batch_is_filtered_by_its_stored_labels(client, requester, batch, settings):
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
    status = stored.batch_aggregation_obtain(batch=batch, method=DEFAULT_METHOD)
    stored.batch_aggregation_compute(aggregation_id=status.current.pk)
    client.force_login(requester)

    with transaction.atomic(), forbid_writes():
        _response, disagreeing = _listed(client, batch, agreement="disagrees")

    assert disagreeing == [_row(batch, "first", 2)]


def test_a_batch_without_labels_says_so(client, requester):
    """A text answer has no aggregated label to compare with."""
    batch = PublishedBatchFactory(
        project=ProjectFactory(
            requester=requester,
            template_kind="transcription",
            template_html="",
            template_config={"image_column": "img"},
        )
    )
    SubmittedAssignmentFactory(task=TaskFactory(batch=batch), answers={"text": "hello"})
    client.force_login(requester)

    response, listed = _listed(client, batch, agreement="agrees")

    assert listed == []
    assert "No answer of this batch has an aggregated label" in response.content.decode()


def test_another_requesters_batch_is_not_found_and_a_worker_is_refused(client, batch, worker):
    url = reverse("projects:batch-review", args=[batch.pk])

    client.force_login(RequesterFactory())
    assert client.get(url, {"agreement": "agrees"}).status_code == 404
    client.force_login(worker)
    assert client.get(url, {"agreement": "agrees"}).status_code == 403
    client.logout()
    assert client.get(url, {"agreement": "agrees"}).status_code == 302
