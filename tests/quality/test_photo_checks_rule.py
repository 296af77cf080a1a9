"""A quality rule on field photos (quality/rules.py photo_checks_passed, docs/adr/0027): the
share of a worker's photos that no photo check flagged, acted on like the other measures."""

import pytest

from microwork.quality import services as quality
from microwork.quality.enums import RuleActionKind, RuleCondition
from microwork.quality.models import RuleAction
from microwork.quality.rules import photo_checks_passed
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import AssignmentFactory
from tests.work.test_photo_checks import CONFIG, ROW, encoded, media, scene  # noqa: F401

pytestmark = pytest.mark.django_db


def _photo_project(requester):
    from microwork.projects.enums import TemplateKind

    project = ProjectFactory(
        requester=requester,
        template_kind=TemplateKind.FIELD_PHOTO,
        template_html="",
        template_config=CONFIG,
    )
    batch = PublishedBatchFactory(project=project, columns=list(ROW))
    return project, batch


def _submit(batch, worker, content):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils.datastructures import MultiValueDict

    from microwork.work import services
    from tests.work.test_photo_checks import HERE

    assignment = AssignmentFactory(task=TaskFactory(batch=batch, input=ROW), worker=worker)
    files = MultiValueDict({"photo": [SimpleUploadedFile("p.jpg", content, "image/jpeg")]})
    services.assignment_submit(assignment=assignment, fields=HERE, files=files)


def test_a_worker_sending_the_same_picture_again_is_flagged_by_the_rule():
    requester, worker = RequesterFactory(), WorkerFactory()
    project, batch = _photo_project(requester)
    quality.rule_create(
        project=project,
        condition=RuleCondition.PHOTO_CHECKS_BELOW,
        threshold_percent=80,
        action=RuleActionKind.FLAG,
        min_observations=3,
    )

    _submit(batch, worker, encoded(scene(40)))
    _submit(batch, worker, encoded(scene(41)))
    assert not RuleAction.objects.exists()
    _submit(batch, worker, encoded(scene(40)))  # the first picture again

    observed, seen = photo_checks_passed(worker=worker, project=project)
    assert (round(observed), seen) == (67, 3)
    action = RuleAction.objects.get()
    assert (action.worker, action.action, action.observations) == (worker, RuleActionKind.FLAG, 3)
    assert action.reason.startswith("67 % of your 3 photos passed the photo checks")


def test_photos_of_a_worker_who_sends_good_ones_pass():
    requester, worker = RequesterFactory(), WorkerFactory()
    project, batch = _photo_project(requester)
    for seed in (50, 51, 52):
        _submit(batch, worker, encoded(scene(seed)))

    assert photo_checks_passed(worker=worker, project=project) == (100.0, 3)
