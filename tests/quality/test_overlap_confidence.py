"""Dynamic overlap with a calibrated confidence target (issue #20): a task stops when the
posterior of its leading answer, each worker weighted by their gold record, reaches the
requester's target."""

import pytest
from django.core.exceptions import ValidationError

from microwork.quality import overlap
from microwork.quality.models import ConfidenceTarget
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import BatchFactory, TaskFactory
from tests.quality.test_overlap import _answer, _project, _published, _releases, _task
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


def _targeted(percent, **overrides):
    project = _project(**overrides)
    overlap.confidence_target_set(project=project, target_percent=percent)
    return project


def test_three_agreeing_unknown_workers_reach_90_but_not_95():
    # No gold record: each worker right with 0.7. Three "yes" out of two labels seen plus one:
    # K = 2, posterior 0.7^3 / (0.7^3 + 0.3^3) = 0.927.
    batch = _published(_targeted(90))
    for _ in range(3):
        _answer(batch, "yes")

    task = _task(batch)
    assert task.overlap_stopped_at is not None
    assert task.max_assignments == 3
    assert len(_releases(batch)) == 1


def test_a_higher_target_asks_a_fourth_answer_and_then_stops():
    batch = _published(_targeted(95))
    for _ in range(3):
        _answer(batch, "yes")
    task = _task(batch)
    assert (task.overlap_stopped_at, task.max_assignments, task.overlap_extended) == (None, 4, 1)

    _answer(batch, "yes")  # 0.7^4 / (0.7^4 + 0.3^4) = 0.967

    task = _task(batch)
    assert task.overlap_stopped_at is not None
    assert task.max_assignments == 4


def test_calibrated_confidence_by_hand_for_a_split_vote():
    batch = _published(_targeted(90))
    for value in ("yes", "no", "yes"):
        _answer(batch, value)

    confidence = overlap.task_calibrated_confidence(
        task=_task(batch), project=batch.project, field="answer"
    )

    # K = 3 (two labels given, one for the others): "no" cancels one "yes"; the rest is one
    # "yes" at 0.7 against wrong answers at 0.15 each: 0.7 * 0.15 * 0.7 over the sum.
    yes = 0.7 * 0.15 * 0.7
    no = 0.15 * 0.7 * 0.15
    other = 0.15 * 0.15 * 0.15
    assert confidence.label == "yes"
    assert confidence.answers == 3
    assert confidence.posterior == pytest.approx(yes / (yes + no + other))
    assert _task(batch).overlap_stopped_at is None


def test_gold_record_sets_the_workers_accuracy():
    project = _project()
    gold_batch = BatchFactory(project=project)
    good, bad, new = WorkerFactory(), WorkerFactory(), WorkerFactory()
    for row in range(5):
        task = TaskFactory(batch=gold_batch, row_number=row + 2, gold={"answer": ["yes"]})
        SubmittedAssignmentFactory(task=task, worker=good, answers={"answer": ["yes"]})
        SubmittedAssignmentFactory(task=task, worker=bad, answers={"answer": ["no"]})

    accuracies = overlap.gold_accuracies(project, [good.pk, bad.pk, new.pk], "answer")

    assert accuracies == {
        good.pk: pytest.approx((5 + 5 * 0.7) / 10),
        bad.pk: pytest.approx((0 + 5 * 0.7) / 10),
        new.pk: pytest.approx(0.7),
    }


def test_without_a_target_the_raw_agreement_rule_still_decides():
    batch = _published(_project())
    for value in ("yes", "no", "yes"):
        _answer(batch, value)

    # 67% < 80%: extended, as before issue #20.
    assert _task(batch).max_assignments == 4


def test_confidence_target_set_refuses_out_of_range_and_changes_nothing():
    project = _targeted(90)

    for wrong in (50, 100):
        with pytest.raises(ValidationError):
            overlap.confidence_target_set(project=project, target_percent=wrong)

    assert ConfidenceTarget.objects.get(project=project).target_percent == 90
    overlap.confidence_target_set(project=project, target_percent=None)
    assert not ConfidenceTarget.objects.filter(project=project).exists()


# --- the project's quality page ------------------------------------------------------------


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _url(project):
    from django.urls import reverse

    return reverse("quality:project-confidence-target", args=[project.pk])


def test_owner_sets_and_clears_the_target_from_the_page():
    project = _project()
    client = _client(project.requester)

    saved = client.post(_url(project), {"target_percent": "95"})
    assert saved.status_code == 302
    assert ConfidenceTarget.objects.get(project=project).target_percent == 95

    cleared = client.post(_url(project), {"target_percent": ""})
    assert cleared.status_code == 302
    assert not ConfidenceTarget.objects.filter(project=project).exists()


def test_the_page_refuses_a_target_out_of_range_and_saves_nothing():
    project = _targeted(90)

    response = _client(project.requester).post(_url(project), {"target_percent": "100"})

    assert response.status_code == 400
    assert ConfidenceTarget.objects.get(project=project).target_percent == 90


@pytest.mark.parametrize(("who", "status"), [("worker", 403), ("other requester", 404)])
def test_only_the_owner_sets_the_target(who, status):
    from django.test import Client

    from tests.accounts.factories import RequesterFactory

    project = _project()
    client = _client(WorkerFactory()) if who == "worker" else _client(RequesterFactory())

    response = client.post(_url(project), {"target_percent": "95"})
    anonymous = Client().post(_url(project), {"target_percent": "95"})

    assert (response.status_code, anonymous.status_code) == (status, 302)
    assert not ConfidenceTarget.objects.filter(project=project).exists()
