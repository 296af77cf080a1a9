import csv
import hashlib
import io
import json
import math
from pathlib import PurePosixPath

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.common.money import hourly_rate_cents
from microwork.demo import scenes, snippets, texts
from microwork.demo import services as demo
from microwork.demo.shapes import SHAPES, SIZE, ShapeSpec, shape_specs
from microwork.fairness.floor import meets_floor
from microwork.payments.enums import PostingKind
from microwork.payments.models import Posting
from microwork.payments.services import balance, requester_available, slot_price
from microwork.projects.enums import BatchStatus, TemplateKind
from microwork.projects.models import Batch, Project, Task
from microwork.projects.tasktypes import task_type
from microwork.projects.tasktypes.field_photo import haversine_m
from microwork.work.frame import frame_token
from microwork.work.models import Assignment
from microwork.work.results import results_csv
from microwork.work.services import assignment_claim_next, assignment_submit

pytestmark = pytest.mark.django_db

KINDS = [
    TemplateKind.IMAGE_CLASSIFICATION,
    TemplateKind.TEXT_CLASSIFICATION,
    TemplateKind.TRANSCRIPTION,
    TemplateKind.DATA_ENTRY,
    TemplateKind.SURVEY,
    TemplateKind.BOUNDING_BOXES,
    TemplateKind.FIELD_PHOTO,
    TemplateKind.EXTERNAL_PAGE,
]
TASKS = {
    TemplateKind.IMAGE_CLASSIFICATION: 50,
    TemplateKind.TEXT_CLASSIFICATION: 20,
    TemplateKind.TRANSCRIPTION: 15,
    TemplateKind.DATA_ENTRY: 12,
    TemplateKind.SURVEY: 12,
    TemplateKind.BOUNDING_BOXES: 12,
    TemplateKind.FIELD_PHOTO: 10,
    TemplateKind.EXTERNAL_PAGE: 12,
}
OTHER_TASKS = 93  # every type's batch but the shapes

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


def _shapes_tasks(summary):
    return Task.objects.filter(batch=summary.batch)


def _results(batch) -> list[dict]:
    return list(csv.DictReader(io.StringIO("".join(results_csv(batch)))))


def test_demo_seed_creates_accounts_projects_and_published_batches(seeded):
    assert seeded.created is True
    assert _counts() == {
        "requesters": 1,
        "workers": 3,
        "staff": 1,
        "projects": 8,
        "batches": 8,
        "tasks": 50 + OTHER_TASKS,
        "deposits": 2,
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


def test_demo_seed_has_one_published_batch_of_each_task_type(seeded):
    assert [item.project.template_kind for item in seeded.projects] == KINDS
    for item in seeded.projects:
        batch = Batch.objects.get(project=item.project)
        assert batch == item.batch
        assert batch.status == BatchStatus.PUBLISHED
        assert batch.is_live()
        assert batch.task_count == TASKS[item.project.template_kind]
        assert Task.objects.filter(batch=batch).count() == batch.task_count
        slots = set(Task.objects.filter(batch=batch).values_list("open_slots", flat=True))
        assert slots == {item.project.assignments_per_task}
        assert item.project.requester.email == demo.REQUESTER_EMAIL


def test_demo_seed_pays_every_project_at_least_the_floor(seeded, settings):
    assert settings.MICROWORK_PAY_FLOOR_CENTS_PER_HOUR == 1202
    for project in Project.objects.all():
        assert meets_floor(reward_cents=project.reward_cents, seconds=project.estimated_seconds)


def test_demo_seed_funds_every_batch_and_leaves_money_to_publish_more(seeded):
    requester = User.objects.get(email=demo.REQUESTER_EMAIL)
    cost = 0
    for item in seeded.projects:
        reward, fee = slot_price(item.project, item.batch)
        cost += item.batch.task_count * item.project.assignments_per_task * (reward + fee)

    assert seeded.funds_cents == 20000
    assert cost == 8862
    assert balance(requester_available(requester)) == 20000 - cost


def test_demo_seed_project_is_image_classification_paying_above_12_an_hour(seeded):
    project = seeded.project
    assert project.title == "Which shape is in the picture?"
    assert project.template_kind == TemplateKind.IMAGE_CLASSIFICATION
    assert project.template_config["labels"] == list(SHAPES)
    assert project.assignments_per_task == 3
    assert (
        hourly_rate_cents(reward_cents=project.reward_cents, seconds=project.estimated_seconds)
        >= 1200
    )


def test_demo_seed_batch_is_published_with_three_open_slots_per_task(seeded):
    batch = seeded.batch
    assert batch.status == BatchStatus.PUBLISHED
    assert batch.is_live()
    assert batch.task_count == 50
    assert batch.columns == ["image_url", "true_shape"]
    assert set(_shapes_tasks(seeded).values_list("open_slots", flat=True)) == {3}
    assert sorted({task.input["true_shape"] for task in _shapes_tasks(seeded)}) == sorted(SHAPES)


def test_demo_seed_images_are_distinct_pngs_showing_the_true_shape(seeded, tmp_path):
    specs = {spec.filename: spec for spec in shape_specs(50)}
    digests = set()
    for task in _shapes_tasks(seeded).order_by("row_number"):
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


def test_demo_seed_every_picture_is_a_local_png_that_decodes(seeded, tmp_path):
    checked = 0
    for task in Task.objects.exclude(input__image_url=None).select_related("batch__project"):
        url = PurePosixPath(task.input["image_url"])
        assert url.parts[:3] == ("/", "media", "demo")
        path = tmp_path.joinpath(*url.parts[2:])
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            image.load()
            assert image.format == "PNG"
        checked += 1

    assert checked == 50 + 15 + 12
    assert len(list(tmp_path.rglob("*.png"))) == checked


def test_demo_scene_boxes_are_where_the_shapes_are_drawn(seeded, tmp_path):
    for item in scenes.scenes(12):
        pixels = np.asarray(Image.open(tmp_path / "demo" / "scenes" / item.filename))
        assert pixels.shape == (scenes.HEIGHT, scenes.WIDTH, 3)
        for obj in item.objects:
            ys, xs = np.nonzero((pixels == obj.spec.fill).all(axis=2))
            box = obj.box
            # Pillow fills the pixels whose centres are inside, so a box is at most a pixel wider.
            assert box["x1"] <= xs.min() <= box["x1"] + 1
            assert box["y1"] <= ys.min() <= box["y1"] + 1
            assert box["x2"] - 1 <= xs.max() <= box["x2"]
            assert box["y2"] - 1 <= ys.max() <= box["y2"]


def test_demo_scene_batch_carries_the_true_boxes(seeded):
    batch = seeded.projects[KINDS.index(TemplateKind.BOUNDING_BOXES)].batch
    tasks = Task.objects.filter(batch=batch).order_by("row_number")

    assert [json.loads(task.input["true_boxes"]) for task in tasks] == [
        item.boxes for item in scenes.scenes(12)
    ]
    assert {len(item.boxes) for item in scenes.scenes(12)} == {1, 2, 3}


def test_demo_true_answers_pass_each_types_answer_checks(seeded):
    def truth_fields(kind, row) -> dict[str, list[str]]:
        if kind == TemplateKind.IMAGE_CLASSIFICATION:
            return {"label": [row["true_shape"]]}
        if kind == TemplateKind.TEXT_CLASSIFICATION:
            return {"label": [row["true_sentiment"]]}
        if kind == TemplateKind.TRANSCRIPTION:
            return {"text": [row["true_text"]]}
        if kind == TemplateKind.DATA_ENTRY:
            names = ("name", "postcode", "phone", "email", "founded")
            return {name: [row[f"true_{name}"]] for name in names}
        if kind == TemplateKind.SURVEY:
            return {"appeal": ["4"], "tone": ["playful"]}
        if kind == TemplateKind.BOUNDING_BOXES:
            return {"boxes": [row["true_boxes"]], "image_width": ["360"], "image_height": ["240"]}
        if kind == TemplateKind.EXTERNAL_PAGE:
            return {"parity": [row["true_parity"]]}
        return {}

    for item in seeded.projects:
        project = item.project
        if project.template_kind == TemplateKind.FIELD_PHOTO:
            continue  # a field photo needs a photo file and a position
        found = task_type(project.template_kind)
        for task in Task.objects.filter(batch=item.batch):
            fields = truth_fields(project.template_kind, task.input)
            answer = found.clean_answer(project.template_config, fields, {}, row=task.input)
            assert answer, (project.template_kind, task.input)


def test_demo_texts_are_balanced_and_match_their_truth():
    reviews = texts.reviews(20)
    assert sorted(review.sentiment for review in reviews) == ["negative"] * 10 + ["positive"] * 10
    assert all(review.product in review.text for review in reviews)
    for listing in texts.shop_listings(12):
        assert listing.postcode in listing.listing
        assert str(listing.founded) in listing.listing
        assert listing.email in listing.listing.lower()
        assert listing.phone.replace(" ", "") in "".join(
            ch for ch in listing.listing if ch.isdigit()
        )
    assert len(set(texts.slogans(12))) == 12
    assert len({snippet.text for snippet in snippets.snippets(15)}) == 15


def test_demo_field_places_are_in_central_paris(seeded):
    batch = seeded.projects[KINDS.index(TemplateKind.FIELD_PHOTO)].batch
    for task in Task.objects.filter(batch=batch):
        latitude, longitude = float(task.input["latitude"]), float(task.input["longitude"])
        assert haversine_m(latitude, longitude, *texts.PARIS) < 2200
    assert batch.project.template_config["radius_m"] == demo.FIELD_RADIUS_M


def test_shape_specs_are_reproducible():
    first = [(spec.shape, spec.center, spec.radius, spec.fill) for spec in shape_specs(50)]
    again = [(spec.shape, spec.center, spec.radius, spec.fill) for spec in shape_specs(50)]

    assert first == again


def test_demo_seed_twice_adds_nothing(seeded, tmp_path):
    before = {**_counts(), "postings": Posting.objects.count(), "users": User.objects.count()}
    missing = [
        tmp_path / "demo" / "shape-001.png",
        tmp_path / "demo" / "snippets" / "snippet-001.png",
        tmp_path / "demo" / "scenes" / "scene-001.png",
    ]
    for path in missing:
        path.unlink()

    summary = demo.demo_seed(media_root=tmp_path, task_count=50)

    assert summary.created is False
    assert summary.projects == seeded.projects
    assert {**_counts(), "postings": Posting.objects.count(), "users": User.objects.count()} == (
        before
    )
    assert all(path.is_file() for path in missing)  # a missing picture is drawn again


def test_demo_seed_adds_the_missing_types_to_an_older_demo(tmp_path, monkeypatch):
    """A demo seeded when only the shapes existed gets the other types, funded, on a re-run."""
    seed_project = demo._project_seed

    def shapes_only(*, requester, plan):
        if plan.fields["template_kind"] != TemplateKind.IMAGE_CLASSIFICATION:
            return None, False
        return seed_project(requester=requester, plan=plan)

    with monkeypatch.context() as patched:
        patched.setattr(demo, "_project_seed", shapes_only)
        patched.setattr(demo, "DEMO_DEPOSITS", demo.DEMO_DEPOSITS[:1])
        older = demo.demo_seed(media_root=tmp_path, task_count=50)
    assert (_counts()["projects"], _counts()["deposits"]) == (1, 1)

    summary = demo.demo_seed(media_root=tmp_path, task_count=50)

    assert summary.created is True
    assert summary.batch == older.batch
    assert [item.project.template_kind for item in summary.projects] == KINDS
    assert _counts()["tasks"] == 50 + OTHER_TASKS
    assert _counts()["deposits"] == 2


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


def test_demo_transcription_task_can_be_done_and_results_carry_the_true_text(seeded):
    item = seeded.projects[KINDS.index(TemplateKind.TRANSCRIPTION)]
    worker = User.objects.get(email=demo.WORKER_EMAILS[1])
    assignment = assignment_claim_next(worker=worker, project=item.project)
    truth = assignment.task.input["true_text"]

    assignment_submit(assignment=assignment, worker=worker, fields={"text": [truth]})

    [row] = _results(item.batch)
    assert row["Input.true_text"] == truth
    assert row["Answer.text"] == truth
    assert row["WorkerId"] == worker.worker_id


def test_demo_boxes_task_can_be_done_and_results_carry_the_boxes(seeded):
    item = seeded.projects[KINDS.index(TemplateKind.BOUNDING_BOXES)]
    worker = User.objects.get(email=demo.WORKER_EMAILS[2])
    assignment = assignment_claim_next(worker=worker, project=item.project)
    truth = json.loads(assignment.task.input["true_boxes"])
    fields = {
        "boxes": [json.dumps(truth)],
        "image_width": [str(scenes.WIDTH)],
        "image_height": [str(scenes.HEIGHT)],
    }

    assignment_submit(assignment=assignment, worker=worker, fields=fields)

    [row] = _results(item.batch)
    assert json.loads(row["Answer.boxes"]) == truth
    assert row["Answer.image_width"] == "360"
    assert Assignment.objects.filter(task__batch=item.batch).count() == 1


def test_demo_command_prints_the_logins(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()

    call_command("demo", "--tasks", "8", stdout=out)

    printed = out.getvalue()
    assert "http://127.0.0.1:8000" in printed
    assert demo.DEMO_PASSWORD in printed
    for email in (demo.REQUESTER_EMAIL, *demo.WORKER_EMAILS, demo.ADMIN_EMAIL):
        assert email in printed
    assert "200.00 EUR of demo funds" in printed
    for project in Project.objects.all():
        assert f"“{project.title}”" in printed
    assert "  Image classification    8 tasks x 3, 0.10 EUR each, published:" in printed
    assert "  Field photo            10 tasks x 1, 3.50 EUR each, published:" in printed
    assert Task.objects.count() == 8 + OTHER_TASKS
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
    assert _counts()["tasks"] == 8 + OTHER_TASKS
    assert User.objects.count() == 5


def test_demo_external_page_is_served_by_the_platform_and_takes_an_answer(seeded, client):
    item = seeded.projects[KINDS.index(TemplateKind.EXTERNAL_PAGE)]
    worker = User.objects.get(email=demo.WORKER_EMAILS[0])
    assignment = assignment_claim_next(worker=worker, project=item.project)
    number = assignment.task.input["number"]
    token = frame_token(assignment.public_id)

    frame = client.get(
        reverse("work:assignment-frame", args=[assignment.public_id]), {"token": token}
    ).content.decode()
    page = client.get("/static/projects/external/demo.html")
    script = client.get("/static/projects/external/demo.js")
    submitted = client.post(
        f"/mturk/t/{token}/mturk/externalSubmit",
        {"assignmentId": assignment.public_id, "parity": assignment.task.input["true_parity"]},
    )

    assert f'src="/static/projects/external/demo.html?number={number}&amp;assignmentId=' in frame
    assert page.status_code == 200 and b'src="demo.js"' in b"".join(page.streaming_content)
    assert script.status_code == 200
    assert submitted.status_code == 200
    lines = _results(item.batch)
    assert [(row["Input.number"], row["Answer.parity"]) for row in lines] == [
        (number, assignment.task.input["true_parity"])
    ]


def test_demo_seed_after_the_operator_published_terms_has_its_people_accept_them(tmp_path):
    from microwork.accounts import terms
    from microwork.accounts.models import TermsAcceptance

    version = terms.terms_publish(
        text_en="Terms", text_fr="Conditions", summary_en="First", summary_fr="Première"
    )

    summary = demo.demo_seed(media_root=tmp_path, task_count=50)

    assert summary.created is True
    demo_people = User.objects.filter(is_superuser=False)
    assert demo_people.count() == _counts()["requesters"] + _counts()["workers"]
    assert set(demo_people.values_list("terms_version_accepted", flat=True)) == {version.number}
    assert TermsAcceptance.objects.filter(version=version).count() == demo_people.count()
