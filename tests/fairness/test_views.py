"""Every fair-work page: who may see it, and that other people's things are 404s."""

import io
import re
import zipfile

import pytest

from microwork.accounts.models import User
from microwork.fairness import services
from microwork.fairness.enums import AppealState
from microwork.fairness.models import Appeal, RequesterRating
from microwork.quality.models import WorkerBlock
from microwork.work import services as work
from tests.accounts.factories import PASSWORD, RequesterFactory, UserFactory, WorkerFactory
from tests.payments.factories import fund
from tests.quality.factories import WorkerBlockFactory
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


def _rejected():
    assignment = SubmittedAssignmentFactory()
    requester = assignment.task.batch.project.requester
    work.assignment_reject(assignment=assignment, requester=requester, reason="Off topic.")
    fund(requester, 1000)
    assignment.refresh_from_db()
    return assignment


def _appeal():
    assignment = _rejected()
    return services.appeal_rejection_open(
        worker=assignment.worker, assignment=assignment, message="Please look again."
    )


@pytest.fixture
def staff(db):
    return UserFactory(role="requester", is_staff=True)


WORKER_PAGES = [
    "/fairness/dashboard/",
    "/fairness/appeals/",
    "/fairness/my-data/",
    "/fairness/my-data/download.zip",
]


@pytest.mark.parametrize("url", WORKER_PAGES)
def test_worker_pages_refuse_requesters_and_send_visitors_to_log_in(client, requester, url):
    assert client.get(url).status_code == 302
    client.force_login(requester)
    assert client.get(url).status_code == 403


def test_requester_appeals_page_refuses_workers(client, worker):
    client.force_login(worker)
    assert client.get("/fairness/requester/appeals/").status_code == 403


@pytest.mark.parametrize("role", ["worker", "requester"])
def test_staff_page_refuses_everyone_but_staff(client, role, staff):
    client.force_login(WorkerFactory() if role == "worker" else RequesterFactory())
    assert client.get("/fairness/staff/appeals/").status_code == 403
    client.force_login(staff)
    assert client.get("/fairness/staff/appeals/").status_code == 200


def test_dashboard_shows_hours_and_a_chart(client):
    assignment = SubmittedAssignmentFactory(work_seconds=3600)
    work.assignment_approve(
        assignment=assignment, requester=assignment.task.batch.project.requester
    )
    client.force_login(assignment.worker)

    text = client.get("/fairness/dashboard/").content.decode()

    assert "<svg" in text and "<rect" in text
    assert not re.search(r"<script(?![^>]*\ssrc=)", text)  # no inline script
    assert "0.50 EUR" in text


def test_dashboard_shows_active_hours(client):
    assignment = SubmittedAssignmentFactory(work_seconds=3600, active_seconds=1800)
    client.force_login(assignment.worker)

    text = client.get("/fairness/dashboard/").content.decode()

    assert "<dt>Active on the work page</dt><dd>30 min " in text
    assert "Active hours" in text
    assert '<td class="num">30 min</td>' in text  # this week's column


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0 min"),
        (59, "0 min"),
        (300, "5 min"),
        (3600, "1 h"),
        (5400, "1 h 30 min"),
        (7500, "2 h 5 min"),
        (108000, "30 h"),
    ],
)
def test_durations_read_in_hours_and_minutes(seconds, shown):
    """Five minutes of unpaid work used to read "0.0 h" (issue 16)."""
    from microwork.fairness.templatetags.fairness import duration

    assert duration(seconds) == shown


def test_wage_chart_of_one_week_is_one_bar_on_a_scale_with_the_floor(settings):
    """One week used to be drawn as a block across the page, with no axes (issue 16)."""
    from microwork.fairness.selectors import wage_chart
    from microwork.fairness.wages import Wage

    settings.MICROWORK_PAY_FLOOR_CENTS_PER_HOUR = 800
    week = {"label": "2026-W49", "wage": Wage(paid_seconds=3600, pay_cents=600)}

    chart = wage_chart([week])

    # Scale 0..8.00 (the floor, rounded up to a whole unit) over 128 units of height.
    assert [line["value"] for line in chart["grid"]] == [0, 400, 800]
    assert [line["y"] for line in chart["grid"]] == [138, 74, 10]
    assert chart["reference_y"] == 10
    (bar,) = chart["bars"]
    assert (bar["x"], bar["width"], bar["y"], bar["height"]) == (170, 28, 42, 96)
    assert bar["label"] == "W49" and bar["under_floor"] is True


def test_worker_appeals_a_rejection_from_history(client):
    assignment = _rejected()
    client.force_login(assignment.worker)
    assert (
        f"/fairness/appeals/rejection/{assignment.public_id}/"
        in client.get("/work/history/").content.decode()
    )

    response = client.post(
        f"/fairness/appeals/rejection/{assignment.public_id}/", {"message": "It was right."}
    )

    assert response.status_code == 302
    assert Appeal.objects.get().message == "It was right."


def test_worker_cannot_appeal_someone_elses_rejection(client, worker):
    assignment = _rejected()
    client.force_login(worker)

    response = client.post(
        f"/fairness/appeals/rejection/{assignment.public_id}/", {"message": "Mine"}
    )

    assert response.status_code == 404
    assert not Appeal.objects.exists()


def test_worker_appeals_a_block_from_the_standing_page(client):
    block = WorkerBlockFactory()
    client.force_login(block.worker)
    assert (
        f"/fairness/appeals/block/{block.requester_id}/"
        in client.get("/quality/standing/").content.decode()
    )

    client.post(f"/fairness/appeals/block/{block.requester_id}/", {"message": "Mistake"})

    assert Appeal.objects.get().subject == "block"


def test_worker_cannot_appeal_a_block_of_someone_else(client, worker):
    block = WorkerBlockFactory()
    client.force_login(worker)

    response = client.post(f"/fairness/appeals/block/{block.requester_id}/", {"message": "x"})

    assert response.status_code == 404
    assert not Appeal.objects.exists()


def test_requester_grants_from_the_appeals_page(client):
    appeal = _appeal()
    client.force_login(appeal.requester)
    assert "Please look again." in client.get("/fairness/requester/appeals/").content.decode()

    client.post(f"/fairness/requester/appeals/{appeal.public_id}/answer/", {"decision": "grant"})

    appeal.refresh_from_db()
    assert appeal.state == AppealState.GRANTED


def test_requester_cannot_answer_another_requesters_appeal(client, requester):
    appeal = _appeal()
    client.force_login(requester)

    response = client.post(
        f"/fairness/requester/appeals/{appeal.public_id}/answer/", {"decision": "grant"}
    )

    assert response.status_code == 404
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN
    assert "Please look again." not in client.get("/fairness/requester/appeals/").content.decode()


def test_denial_without_reason_is_refused_on_the_page(client):
    appeal = _appeal()
    client.force_login(appeal.requester)

    client.post(f"/fairness/requester/appeals/{appeal.public_id}/answer/", {"decision": "deny"})

    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN


def test_staff_arbitrates_with_a_reason(client, staff):
    appeal = _appeal()
    client.force_login(staff)

    client.post(f"/fairness/staff/appeals/{appeal.public_id}/decide/", {"decision": "grant"})
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN  # a reason is required
    client.post(
        f"/fairness/staff/appeals/{appeal.public_id}/decide/",
        {"decision": "grant", "answer": "The answer fits."},
    )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.GRANTED


def test_requester_profile_and_rating(client):
    assignment = SubmittedAssignmentFactory()
    requester = assignment.task.batch.project.requester
    url = f"/fairness/requesters/{requester.pk}/"
    assert client.get(url).status_code == 302
    client.force_login(WorkerFactory())
    page = client.get(url).content.decode()
    assert "Approval rate" in page
    assert "Save my rating" not in page  # no work done for them

    client.force_login(assignment.worker)
    assert "Save my rating" in client.get(url).content.decode()
    client.post(f"{url}rate/", {"fair": 5, "fast": 4, "pay": 3, "communication": 5})

    assert RequesterRating.objects.get().pay == 3


def test_rating_without_work_is_refused_on_the_page(client, worker):
    requester = RequesterFactory()
    client.force_login(worker)

    client.post(
        f"/fairness/requesters/{requester.pk}/rate/",
        {"fair": 5, "fast": 5, "pay": 5, "communication": 5},
    )

    assert not RequesterRating.objects.exists()


def test_requester_page_of_a_worker_is_404(client, worker, requester):
    client.force_login(requester)
    assert client.get(f"/fairness/requesters/{worker.pk}/").status_code == 404


def test_marketplace_card_shows_requester_figures(client, worker):
    from tests.projects.factories import TaskFactory

    TaskFactory()
    client.force_login(worker)

    text = client.get("/work/").content.decode()

    assert "Approval rate" in text
    assert "Appeals granted" in text


def test_download_is_a_zip_of_the_workers_own_data(client):
    assignment = SubmittedAssignmentFactory()
    other = SubmittedAssignmentFactory()
    client.force_login(assignment.worker)

    response = client.get("/fairness/my-data/download.zip")

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = archive.read("data.json").decode()
    assert assignment.public_id in data
    assert other.public_id not in data


def test_account_delete_needs_the_password_and_logs_out(client, worker):
    client.force_login(worker)

    assert client.post("/fairness/my-data/delete/", {"password": "wrong"}).status_code == 400
    assert User.objects.get(pk=worker.pk).is_active

    response = client.post("/fairness/my-data/delete/", {"password": PASSWORD})

    assert response.status_code == 302
    assert not User.objects.get(pk=worker.pk).is_active
    assert client.get("/fairness/dashboard/").status_code == 302  # logged out


def test_block_lifted_on_granted_appeal_via_page(client):
    block = WorkerBlockFactory()
    appeal = services.appeal_block_open(worker=block.worker, block=block, message="Mistake")
    client.force_login(block.requester)

    client.post(f"/fairness/requester/appeals/{appeal.public_id}/answer/", {"decision": "grant"})

    assert not WorkerBlock.objects.exists()


def test_second_appeal_of_a_rejection_goes_to_the_appeals_list(client):
    appeal = _appeal()
    client.force_login(appeal.worker)

    response = client.get(f"/fairness/appeals/rejection/{appeal.assignment.public_id}/")

    assert response.status_code == 302
    assert response.url == "/fairness/appeals/"
