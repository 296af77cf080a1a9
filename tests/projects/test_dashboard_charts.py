"""The requester dashboard's charts (issue 16): progress over time and each live batch's
agreement with its aggregated labels, drawn as SVG with a sentence and a table."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from microwork.quality import stored
from microwork.quality.aggregation import DEFAULT_METHOD
from microwork.quality.models import BatchAggregation
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.web.guard import forbid_writes
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]


def _voted(requester, name, votes):
    """A live batch of one task per list of `votes`, each vote a worker's answer."""
    batch = PublishedBatchFactory(
        project=ProjectFactory(requester=requester, assignments_per_task=3), name=name
    )
    workers = WorkerFactory.create_batch(3)
    for row_number, answers in enumerate(votes, start=1):
        task = TaskFactory(batch=batch, row_number=row_number)
        for worker, answer in zip(workers, answers, strict=False):
            SubmittedAssignmentFactory(task=task, worker=worker, answers={"answer": answer})
    batch.task_count = len(votes)
    batch.save(update_fields=["task_count"])
    return batch


def test_agreement_is_the_share_of_answers_that_give_the_aggregated_label(requester):
    first = _voted(requester, "B", [["cat", "cat", "dog"], ["dog", "dog", "dog"]])
    second = _voted(requester, "C", [["a", "b", "b"]])
    third = _voted(requester, "D", [["a", "a", "a"]])

    # 6 answers, then 3: the third batch's 3 would pass the budget of 10.
    found = stored.batches_agreement(
        batches=[first, second, third], method=DEFAULT_METHOD, budget=10
    )

    assert [(m.rate.hits, m.rate.n) if m.rate else None for m in found] == [(5, 6), (2, 3), None]
    assert [m.is_deferred for m in found] == [False, False, True]
    assert not any(m.is_pending for m in found)


def test_a_small_batchs_agreement_is_worked_out_once_per_change_of_its_answers(requester):
    """The dashboard aggregates a small batch in the request; the result is kept in the cache
    under the batch's fingerprint, so the next visit reads only the fingerprint (its two counts and the batch's project),
    and a new answer makes it work the agreement out again."""
    batch = _voted(requester, "B", [["cat", "cat", "dog"], ["dog", "dog", "dog"]])

    def measured():
        with CaptureQueriesContext(connection) as queries:
            (found,) = stored.batches_agreement(batches=[batch], method=DEFAULT_METHOD, budget=10)
        return (found.rate.hits, found.rate.n), len(queries)

    first, first_queries = measured()
    again, again_queries = measured()
    SubmittedAssignmentFactory(
        task=TaskFactory(batch=batch, row_number=3), answers={"answer": "cat"}
    )
    changed, changed_queries = measured()

    assert (first, again, changed) == ((5, 6), (5, 6), (6, 7))
    assert again_queries == 3
    assert first_queries > 3 and changed_queries == first_queries


def test_the_dashboard_draws_progress_and_agreement_with_tables(client, requester):
    older = _voted(requester, "Older", [["cat", "cat", "dog"], ["dog", "dog", "dog"]])
    newer = _voted(requester, "Newer", [["a", "a", "a"]])
    _voted(RequesterFactory(), "Someone else's", [["x", "y", "y"]])
    client.force_login(requester)

    html = client.get(reverse("projects:project-list")).content.decode()

    assert html.count('<svg role="img" class="bar-chart"') == 3
    # Progress: 9 answers so far of the 9 planned (2 tasks × 3 + 1 task × 3), all today.
    assert "the dashed line is the 9 answers they ask for. 9 received so far." in html
    assert re.search(r'<td class="num">9</td><td class="num">9</td></tr></tbody>', html)
    # Agreement, newest batch first: 100% and 5 of 6 (83.3%).
    assert "<title>1. Newer: 100%</title>" in html
    assert "<title>2. Older: 83%</title>" in html
    assert '<td class="num">83.3%</td><td class="num">6</td>' in html
    assert f'href="{reverse("quality:batch-quality", args=[older.pk])}"' in html
    assert f'href="{reverse("quality:batch-quality", args=[newer.pk])}"' in html
    assert "Someone else" not in html


def test_a_large_batch_never_aggregated_is_listed_without_a_bar(client, requester, settings):
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
    _voted(requester, "Large", [["cat", "cat", "dog"]])
    client.force_login(requester)

    html = client.get(reverse("projects:project-list")).content.decode()

    assert "Not computed yet: open its quality page to ask for it." in html
    assert html.count('<svg role="img" class="bar-chart"') == 2  # per hour and progress
    assert not BatchAggregation.objects.exists()


def test_the_charts_are_only_for_requesters(client, worker):
    client.force_login(worker)

    assert client.get(reverse("projects:project-list")).status_code == 403


def test_a_large_batch_is_measured_from_its_stored_aggregation(client, requester, settings):
    settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
    batch = _voted(requester, "Large", [["cat", "cat", "dog"], ["dog", "dog", "dog"]])
    status = stored.batch_aggregation_obtain(batch=batch, method=DEFAULT_METHOD)
    stored.batch_aggregation_compute(aggregation_id=status.current.pk)
    client.force_login(requester)

    with transaction.atomic(), forbid_writes():
        html = client.get(reverse("projects:project-list")).content.decode()

    assert '<td class="num">83.3%</td><td class="num">6</td>' in html


def test_small_batches_past_the_requests_share_are_left_to_their_quality_page(
    client, requester, monkeypatch
):
    monkeypatch.setattr("microwork.web.projects.views.AGREEMENT_ANSWERS_IN_REQUEST", 4)
    _voted(requester, "Six answers", [["cat", "cat", "dog"], ["dog", "dog", "dog"]])
    _voted(requester, "Three answers", [["a", "a", "a"]])
    client.force_login(requester)

    html = client.get(reverse("projects:project-list")).content.decode()

    assert "<title>1. Three answers: 100%</title>" in html
    assert html.count("Not measured here: open its quality page to see it.") == 1
