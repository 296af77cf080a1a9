import json

import pytest
from django.urls import reverse

from microwork.projects.enums import TemplateKind
from microwork.work import services
from microwork.work.coco import coco_json
from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

CONFIG = {"image_column": "img", "labels": "car\nperson", "min_boxes": 0, "max_boxes": 5}


def box(label, x1, y1, x2, y2):
    return {"label": label, "x1": x1, "y1": y1, "x2": x2, "y2": y2}


def submit(task, boxes, width=640, height=480):
    assignment = AssignmentFactory(task=task)
    services.assignment_submit(
        assignment=assignment,
        fields={
            "boxes": [json.dumps(boxes)],
            "image_width": [str(width)],
            "image_height": [str(height)],
        },
    )
    return assignment


@pytest.fixture
def boxes_batch(requester):
    project = ProjectFactory(
        requester=requester,
        template_kind=TemplateKind.BOUNDING_BOXES,
        template_html="",
        template_config=CONFIG,
        assignments_per_task=3,
    )
    return PublishedBatchFactory(project=project, columns=["img"])


def test_coco_file_holds_images_categories_and_one_annotation_per_box(boxes_batch):
    street = TaskFactory(batch=boxes_batch, row_number=2, input={"img": "https://e.org/a.jpg"})
    park = TaskFactory(batch=boxes_batch, row_number=3, input={"img": "https://e.org/b.jpg"})
    TaskFactory(batch=boxes_batch, row_number=4, input={"img": "https://e.org/unanswered.jpg"})
    first = submit(street, [box("car", 10, 20, 110.5, 80), box("person", 0, 0, 5, 5)])
    second = submit(street, [box("car", 12, 22, 112, 82)])
    # The same image measured at half size by another browser: its box is scaled up.
    third = submit(park, [box("person", 5, 10, 15, 30)], width=400, height=300)
    submit(park, [box("person", 10, 20, 30, 60)], width=800, height=600)
    rejected = submit(park, [box("car", 1, 1, 2, 2)], width=800, height=600)
    services.assignments_review(
        assignments=[rejected],
        requester=boxes_batch.project.requester,
        approve=False,
        reason="Boxes on nothing",
    )

    data = json.loads("".join(coco_json(boxes_batch)))

    assert data["categories"] == [
        {"id": 1, "name": "car", "supercategory": ""},
        {"id": 2, "name": "person", "supercategory": ""},
    ]
    assert data["images"] == [
        {
            "id": 2,
            "file_name": "https://e.org/a.jpg",
            "width": 640,
            "height": 480,
            "hit_id": street.public_id,
        },
        {
            "id": 3,
            "file_name": "https://e.org/b.jpg",
            "width": 400,
            "height": 300,
            "hit_id": park.public_id,
        },
    ]
    annotations = data["annotations"]
    assert [a["id"] for a in annotations] == [1, 2, 3, 4, 5]
    assert [(a["image_id"], a["category_id"], a["bbox"]) for a in annotations] == [
        (2, 1, [10, 20, 100.5, 60]),
        (2, 2, [0, 0, 5, 5]),
        (2, 1, [12, 22, 100, 60]),
        (3, 2, [5, 10, 10, 20]),
        (3, 2, [5, 10, 10, 20]),
    ]
    assert annotations[0]["area"] == 6030
    assert annotations[0]["iscrowd"] == 0
    assert annotations[0]["attributes"] == {
        "assignment_id": first.public_id,
        "worker_id": first.worker.worker_id,
        "hit_id": street.public_id,
        "status": "Submitted",
    }
    assert annotations[2]["attributes"]["assignment_id"] == second.public_id
    assert annotations[3]["attributes"]["assignment_id"] == third.public_id
    rejected.refresh_from_db()
    assert rejected.state == AssignmentState.REJECTED
    assert rejected.public_id not in json.dumps(annotations)


def test_coco_file_of_a_batch_without_answers_is_valid_and_empty(boxes_batch):
    TaskFactory(batch=boxes_batch, input={"img": "https://e.org/a.jpg"})

    data = json.loads("".join(coco_json(boxes_batch)))

    assert (data["images"], data["annotations"], len(data["categories"])) == ([], [], 2)


def test_coco_download_serves_the_owner(client, requester, boxes_batch):
    task = TaskFactory(batch=boxes_batch, input={"img": "https://e.org/a.jpg"})
    submit(task, [box("car", 1, 2, 3, 4)])
    client.force_login(requester)

    response = client.get(reverse("projects:batch-results-coco", args=[boxes_batch.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="batch-{boxes_batch.pk}-coco.json"'
    )
    data = json.loads(b"".join(response.streaming_content))
    assert data["annotations"][0]["bbox"] == [1, 2, 2, 2]


def test_batch_page_links_the_coco_file_for_boxes_batches_only(client, requester, boxes_batch):
    other = PublishedBatchFactory(project=ProjectFactory(requester=requester))
    client.force_login(requester)
    url = reverse("projects:batch-results-coco", args=[boxes_batch.pk])

    boxes_page = client.get(reverse("projects:batch-detail", args=[boxes_batch.pk]))
    other_page = client.get(reverse("projects:batch-detail", args=[other.pk]))

    assert url in boxes_page.content.decode()
    assert "coco" not in other_page.content.decode().lower()
    assert client.get(reverse("projects:batch-results-coco", args=[other.pk])).status_code == 404


def test_coco_download_sends_anonymous_visitors_to_login(client, boxes_batch):
    response = client.get(reverse("projects:batch-results-coco", args=[boxes_batch.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_coco_download_refuses_workers(client, worker, boxes_batch):
    client.force_login(worker)

    response = client.get(reverse("projects:batch-results-coco", args=[boxes_batch.pk]))

    assert response.status_code == 403


def test_coco_download_hides_another_requesters_batch(client, boxes_batch):
    client.force_login(RequesterFactory())

    response = client.get(reverse("projects:batch-results-coco", args=[boxes_batch.pk]))

    assert response.status_code == 404
