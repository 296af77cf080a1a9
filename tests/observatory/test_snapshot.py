"""A month's package: a valid Frictionless Data Package, the same bytes when computed again,
made by the job queue, and with no worker id, email or free text in any file."""

import io
import json
import re
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from frictionless import Package

from microwork.accounts.models import User
from microwork.observatory import jobs, services, snapshots
from microwork.observatory.models import Snapshot, SnapshotFile
from tests.observatory.fixture import MONTH, november
from tests.web.guard import forbid_writes

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_k(settings):
    settings.MICROWORK_OBSERVATORY_K = 3


def _files(snapshot) -> dict[str, bytes]:
    return {found.name: bytes(found.content) for found in snapshot.files.all()}


def test_snapshot_is_byte_identical_when_computed_again(small_k):
    november()

    first = _files(snapshots.snapshot_make(month=MONTH))
    second = _files(snapshots.snapshot_make(month=MONTH))

    assert first == second
    assert Snapshot.objects.count() == 1
    assert SnapshotFile.objects.count() == len(first) == 27  # 13 figures x 2 + datapackage.json


def test_snapshot_is_a_valid_frictionless_data_package(small_k, tmp_path):
    november()
    snapshot = snapshots.snapshot_make(month=MONTH)
    for name, content in _files(snapshot).items():
        (tmp_path / name).write_bytes(content)

    report = Package(str(tmp_path / "datapackage.json")).validate()

    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    overview = [r for r in descriptor["resources"] if r["name"] == "overview-csv"][0]
    assert {field["name"]: field["type"] for field in overview["schema"]["fields"]} == {
        "measure": "string",
        "value": "number",
        "workers": "integer",
        "suppressed": "boolean",
    }
    assert all(
        field["description"] for r in descriptor["resources"] for field in r["schema"]["fields"]
    )
    assert (tmp_path / "overview.csv").read_text().splitlines()[:2] == [
        "measure,value,workers,suppressed",
        "workers_active,5,5,false",
    ]


def test_no_public_file_holds_a_worker_id_an_email_or_free_text(small_k):
    month = november()
    snapshot = snapshots.snapshot_make(month=MONTH)
    secrets = []
    for user in User.objects.all():
        secrets += [user.email, user.email.split("@")[0]]
        if user.worker_id:
            secrets.append(user.worker_id)
    secrets += ["Off topic.", "positive", "sentence"]  # a rejection reason, answers, inputs
    pattern = re.compile("|".join(re.escape(secret) for secret in secrets), re.IGNORECASE)
    assert month.workers["a"].worker_id in secrets

    for name, content in _files(snapshot).items():
        found = pattern.findall(content.decode())
        assert found == [], (name, found)
        assert "@" not in content.decode(), name


def test_the_job_queue_computes_the_snapshot(small_k, settings):
    november()

    result = jobs.snapshot_month.call_local("2026-11")

    assert result == {"month": "2026-11", "files": 27}


def test_the_command_stores_the_month_and_writes_the_files(small_k, tmp_path):
    november()
    out = io.StringIO()

    call_command(
        "observatory", "snapshot", "--month", "2026-11", "--out", str(tmp_path), stdout=out
    )

    snapshot = Snapshot.objects.get(month=MONTH)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(_files(snapshot))
    assert (tmp_path / "datapackage.json").read_bytes() == _files(snapshot)["datapackage.json"]
    assert "2026-11: 27 files" in out.getvalue()


def test_the_command_refuses_a_bad_month_and_stores_nothing():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--month: month must look like 2026-11"):
        call_command("observatory", "snapshot", "--month", "2026-13")

    assert not Snapshot.objects.exists()


def test_a_withdrawn_worker_is_gone_from_the_next_snapshot_only(small_k):
    month = november()
    before = snapshots.snapshot_make(month=MONTH).figures["by_survey_answer"][0]

    services.survey_withdraw(worker=month.workers["a"])
    after = snapshots.snapshot_make(month=MONTH).figures["by_survey_answer"][0]

    assert (before["workers"], after["workers"]) == (4, 3)


def test_the_page_reads_the_stored_snapshot_and_writes_nothing(small_k, client):
    november()
    snapshots.snapshot_make(month=MONTH)

    with forbid_writes():
        page = client.get(reverse("observatory:index"))
        month_page = client.get(reverse("observatory:month", args=["2026-11"]))
        csv = client.get(reverse("observatory:file", args=["2026-11", "overview.csv"]))
        package = client.get(reverse("observatory:package", args=["2026-11"]))

    assert page.status_code == month_page.status_code == 200
    html = page.content.decode()
    assert html.count('<svg class="chart"') >= 5
    # The CSP allows no inline script nor style: only static files.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "style=" not in html and "<style" not in html
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content.decode().startswith("measure,value,workers,suppressed\n")
    names = zipfile.ZipFile(io.BytesIO(package.content)).namelist()
    assert "microwork-observatory-2026-11/datapackage.json" in names
    assert client.get(reverse("observatory:package", args=["2026-11"])).content == package.content
    assert (
        client.get(reverse("observatory:file", args=["2026-11", "nothing.csv"])).status_code == 404
    )
    assert client.get(reverse("observatory:month", args=["2026-10"])).status_code == 404


def test_the_page_in_french_translates_its_words(small_k, client):
    november()
    snapshots.snapshot_make(month=MONTH)

    page = client.get(reverse("observatory:index"), HTTP_ACCEPT_LANGUAGE="fr")

    assert page.status_code == 200
    assert "Observatoire du micro-travail" in page.content.decode()


def test_the_page_without_a_snapshot_says_so(client):
    page = client.get(reverse("observatory:index"))

    assert page.status_code == 200
    assert "No month has been published yet." in page.content.decode()


def test_the_page_shows_a_month_computed_again_not_its_cached_drawing(small_k, client):
    from tests.accounts.factories import WorkerFactory
    from tests.observatory.fixture import at
    from tests.work.factories import AssignmentFactory

    november()
    snapshots.snapshot_make(month=MONTH)
    assert "This month 5 people worked" in client.get(reverse("observatory:index")).content.decode()
    AssignmentFactory(worker=WorkerFactory(), accepted_at=at(20))

    snapshots.snapshot_make(month=MONTH)

    assert "This month 6 people worked" in client.get(reverse("observatory:index")).content.decode()
