import hashlib
import io
import math
from pathlib import PurePosixPath

import pytest
from django.core.management import call_command
from PIL import Image

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.common.money import hourly_rate_cents
from microwork.demo import services as demo
from microwork.demo.shapes import SHAPES, SIZE, ShapeSpec, shape_specs
from microwork.payments.enums import PostingKind
from microwork.payments.models import Posting
from microwork.projects.enums import BatchStatus, TemplateKind
from microwork.projects.models import Batch, Project, Task
from microwork.work.models import Assignment
from microwork.work.results import results_csv
from microwork.work.services import assignment_claim_next, assignment_submit

pytestmark = pytest.mark.django_db

# Share of the circle through the shape's corners that the shape covers, and the cut-offs
# halfway between them: circle 1.0, square 2/pi = 0.64, triangle 0.41, star 0.31.
EXPECTED_COVER = {"circle": 0.80, "square": 0.52, "triangle": 0.36}


def _counts() -> dict[str, int]:
    return {
        "requesters": User.objects.filter(role=Role.REQUESTER, is_staff=False).count(),
        "workers": User.objects.filter(role=Role.WORKER).count(),
        "staff": User.objects.filter(is_staff=True, is_superuser=True).count(),
        "projects": Project.objects.count(),
        "batches": Batch.objects.count(),
        "tasks": Task.objects.count(),
        "deposits": Posting.objects.filter(kind=PostingKind.DEPOSIT).count(),
    }


def _shape_seen(path, spec: ShapeSpec) -> str:
    """Tell the shape from the picture alone: how much of its circumscribed circle it fills."""
    image = Image.open(path).convert("RGB")
    covered = dict((colour, count) for count, colour in image.getcolors(SIZE * SIZE))[spec.fill]
    cover = covered / (math.pi * spec.radius**2)
    for shape, cut in EXPECTED_COVER.items():
        if cover >= cut:
            return shape
    return "star"


@pytest.fixture
def seeded(tmp_path):
    return demo.demo_seed(media_root=tmp_path, task_count=50)


def test_demo_seed_creates_accounts_project_and_published_batch(seeded):
    assert seeded.created is True
    assert _counts() == {
        "requesters": 1,
        "workers": 3,
        "staff": 1,
        "projects": 1,
        "batches": 1,
        "tasks": 50,
        "deposits": 1,
    }
    requester = User.objects.get(role=Role.REQUESTER, is_staff=False)
    assert requester.email == demo.REQUESTER_EMAIL
    assert requester.check_password(demo.DEMO_PASSWORD)
    workers = User.objects.filter(role=Role.WORKER).order_by("email")
    assert [worker.email for worker in workers] == list(demo.WORKER_EMAILS)
    assert all(worker.worker_id and worker.check_password(demo.DEMO_PASSWORD) for worker in workers)
    admin = User.objects.get(is_staff=True)
    assert admin.email == demo.ADMIN_EMAIL
    assert admin.check_password(demo.DEMO_PASSWORD)


def test_demo_seed_project_is_image_classification_paying_above_12_an_hour(seeded):
    project = Project.objects.get()
    assert project.title == "Which shape is in the picture?"
    assert project.template_kind == TemplateKind.IMAGE_CLASSIFICATION
    assert project.template_config["labels"] == list(SHAPES)
    assert project.assignments_per_task == 3
    assert (
        hourly_rate_cents(reward_cents=project.reward_cents, seconds=project.estimated_seconds)
        >= 1200
    )


def test_demo_seed_batch_is_published_with_three_open_slots_per_task(seeded):
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.PUBLISHED
    assert batch.is_live()
    assert batch.task_count == 50
    assert batch.columns == ["image_url", "true_shape"]
    assert set(Task.objects.values_list("open_slots", flat=True)) == {3}
    assert sorted({task.input["true_shape"] for task in Task.objects.all()}) == sorted(SHAPES)


def test_demo_seed_images_are_distinct_pngs_showing_the_true_shape(seeded, tmp_path):
    specs = {spec.filename: spec for spec in shape_specs(50)}
    digests = set()
    for task in Task.objects.order_by("row_number"):
        url = PurePosixPath(task.input["image_url"])
        assert str(url.parent) == "/media/demo"
        path = tmp_path / "demo" / url.name
        assert path.is_file()
        data = path.read_bytes()
        digests.add(hashlib.sha256(data).hexdigest())
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(path) as image:
            assert (image.format, image.size) == ("PNG", (SIZE, SIZE))

        assert _shape_seen(path, specs[url.name]) == task.input["true_shape"]
    assert len(digests) == 50


def test_shape_specs_are_reproducible():
    first = [(spec.shape, spec.center, spec.radius, spec.fill) for spec in shape_specs(50)]
    again = [(spec.shape, spec.center, spec.radius, spec.fill) for spec in shape_specs(50)]

    assert first == again


def test_demo_seed_twice_adds_nothing(seeded, tmp_path):
    before = _counts()
    (tmp_path / "demo" / "shape-001.png").unlink()

    summary = demo.demo_seed(media_root=tmp_path, task_count=50)

    assert summary.created is False
    assert summary.batch == seeded.batch
    assert _counts() == before
    assert (tmp_path / "demo" / "shape-001.png").is_file()  # a missing picture is drawn again


def test_demo_tasks_can_be_done_and_results_carry_the_true_shape(seeded):
    worker = User.objects.get(email=demo.WORKER_EMAILS[0])
    assignment = assignment_claim_next(worker=worker, project=seeded.project)
    truth = assignment.task.input["true_shape"]

    assignment_submit(assignment=assignment, worker=worker, fields={"label": [truth]})

    lines = list(results_csv(seeded.batch))
    assert "Input.true_shape" in lines[0] and "Answer.label" in lines[0]
    assert len(lines) == 2
    assert lines[1].rstrip("\r\n").split(",")[-3:] == [truth, truth, ""]
    assert Assignment.objects.count() == 1


def test_demo_command_prints_the_logins(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()

    call_command("demo", "--tasks", "8", stdout=out)

    printed = out.getvalue()
    assert "http://127.0.0.1:8000" in printed
    assert demo.DEMO_PASSWORD in printed
    for email in (demo.REQUESTER_EMAIL, *demo.WORKER_EMAILS, demo.ADMIN_EMAIL):
        assert email in printed
    assert Task.objects.count() == 8
    assert len(list((tmp_path / "demo").glob("*.png"))) == 8


def test_demo_command_run_again_prints_the_logins_and_adds_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("demo", "--tasks", "8", stdout=io.StringIO())
    out = io.StringIO()

    call_command("demo", "--tasks", "8", "--url", "http://127.0.0.1:8765/", stdout=out)

    printed = out.getvalue()
    assert "nothing was added" in printed
    assert "http://127.0.0.1:8765 " in printed
    assert demo.WORKER_EMAILS[2] in printed
    assert _counts()["tasks"] == 8
    assert User.objects.count() == 5
