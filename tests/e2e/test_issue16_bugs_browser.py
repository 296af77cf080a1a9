"""Bugs 2, 4 and 10 of issue 16 in a real browser (bug 1, the review page of a boxes batch,
is tests/e2e/test_review_browser.py): each was fixed with a server test only.

2. The requester's page for a worker said "Blocked from all your projects since ." with a
   "Lift the block" button, blocked or not.
4. /quality/types/ said "…at /quality/workers//." (a placeholder lost), and the worker ids on
   the review page were not links.
10. The zip of a worker's data held CSV files that were empty, not even a header.
"""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from microwork.fairness.export import COLUMNS
from microwork.projects import services
from microwork.quality.models import WorkerBlock
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.e2e.conftest import log_in, save_screenshot
from tests.payments.factories import fund
from tests.projects.factories import BatchFactory, ProjectFactory, make_tasks
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_reached_from_the_review_page_is_blocked_and_listed(
    live_server, context, page, client
):
    requester = RequesterFactory()
    fund(requester, 10_000)
    batch = BatchFactory(project=ProjectFactory(requester=requester))
    make_tasks(batch, 1)
    services.batch_publish(batch=batch)
    worker = WorkerFactory()
    SubmittedAssignmentFactory(task=batch.tasks.get(), worker=worker)
    log_in(context, live_server, client, requester)

    # Bug 4: the types page names no broken address, and says where a worker's page is.
    page.goto(live_server.url + reverse("quality:type-list"))
    expect(
        page.get_by_text("open their page from their worker id on a batch's review page")
    ).to_be_visible()
    assert "/quality/workers//" not in page.content()

    # Bug 4: the worker id on the review page is a link to the worker's page.
    page.goto(live_server.url + reverse("projects:batch-review", args=[batch.pk]))
    page.get_by_role("link", name=worker.worker_id).click()
    page.wait_for_url(f"**/quality/workers/{worker.worker_id}/")

    # Bug 2: not blocked, so no block is described and none can be lifted.
    expect(page.get_by_role("heading", name=f"Worker {worker.worker_id}")).to_be_visible()
    assert page.get_by_text("Blocked from all your projects").count() == 0
    assert page.get_by_role("button", name="Lift the block").count() == 0
    save_screenshot(page, "issue16/worker-not-blocked")

    page.get_by_label("Reason").fill("Copied answers.")
    page.get_by_role("button", name="Block this worker").click()

    today = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    expect(page.get_by_text(f"Blocked from all your projects since {today}.")).to_be_visible()
    expect(page.get_by_text("Reason, as the worker sees it: Copied answers.")).to_be_visible()
    expect(page.get_by_role("button", name="Lift the block")).to_be_visible()
    assert WorkerBlock.objects.get(worker=worker, requester=requester).reason == "Copied answers."
    save_screenshot(page, "issue16/worker-blocked")

    page.goto(live_server.url + reverse("quality:type-list"))
    page.get_by_role("link", name=worker.worker_id).click()
    page.wait_for_url(f"**/quality/workers/{worker.worker_id}/")


def test_the_workers_data_zip_has_a_header_in_every_csv(live_server, context, page, client):
    worker = WorkerFactory()
    SubmittedAssignmentFactory(worker=worker)  # some tables have rows, most have none
    log_in(context, live_server, client, worker)
    page.goto(live_server.url + reverse("fairness:my-data"))

    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data").click()

    with zipfile.ZipFile(download.value.path()) as archive:
        names = sorted(archive.namelist())
        headers = {
            name.removesuffix(".csv"): next(csv.reader(io.StringIO(archive.read(name).decode())))
            for name in names
            if name.endswith(".csv")
        }
    assert names == sorted(["data.json", *(f"{name}.csv" for name in COLUMNS)])
    assert headers == COLUMNS
