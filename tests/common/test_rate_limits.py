"""Rate limits (common/ratelimits.py, docs/adr/0023): on every door, the (N+1)th act within the
window is refused before it does anything, per account and per client address, and the count
lives in the shared cache, so two app servers add to one count."""

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from microwork import settings as microwork_settings
from microwork.accounts.models import User
from microwork.common.ratelimits import DEFAULT_RATES, rates_from_environ
from microwork.mturk import services as mturk_services
from microwork.projects.models import Batch
from microwork.quality.models import QualificationType
from microwork.work.enums import AssignmentState
from microwork.work.frame import frame_token
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.api.conftest import api_client_for, assert_problem
from tests.common.test_shared_cache import REDIS_URL, shared_cache  # noqa: F401 (a fixture)
from tests.mturk.test_replay import _signed
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, make_tasks
from tests.work.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def _limit(settings, scope: str, *, account: str | None = None, address: str | None = "1000/m"):
    settings.MICROWORK_RATE_LIMITS = {
        **settings.MICROWORK_RATE_LIMITS,
        scope: (account, address),
    }


def _batch(tasks=5):
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=3))
    make_tasks(batch, tasks)
    return batch


def _client(user=None, address="198.51.100.7") -> Client:
    client = Client(REMOTE_ADDR=address)
    if user is not None:
        client.force_login(user)
    return client


# --- the settings -------------------------------------------------------------------------


def test_rates_default_to_on():
    assert rates_from_environ({}) == DEFAULT_RATES
    assert microwork_settings.MICROWORK_RATE_LIMITS_ENABLED is True
    assert DEFAULT_RATES["signup"] == (None, "10/h")
    assert DEFAULT_RATES["accept"] == ("30/m", "300/m")


def test_rates_are_changed_by_the_environment():
    rates = rates_from_environ(
        {"MICROWORK_RATE_ACCEPT": "100/m", "MICROWORK_RATE_MTURK_ADDRESS": "off"}
    )

    assert rates["accept"] == ("100/m", "300/m")
    assert rates["mturk"] == ("600/m", None)
    assert rates["submit"] == DEFAULT_RATES["submit"]


@pytest.mark.parametrize("raw", ["30", "30 per minute", "0/m", "-1/m", "3/w"])
def test_a_bad_rate_names_its_variable(raw):
    with pytest.raises(ImproperlyConfigured, match="MICROWORK_RATE_UPLOAD must be a count"):
        rates_from_environ({"MICROWORK_RATE_UPLOAD": raw})


def test_rate_limits_off_lets_everything_through(settings):
    settings.MICROWORK_RATE_LIMITS_ENABLED = False
    _limit(settings, "signup", address="1/h")

    answers = [_sign_up(_client(), n).status_code for n in range(3)]

    assert answers == [302, 302, 302]


# --- sign-up: per address -----------------------------------------------------------------


def _sign_up(client, n: int):
    return client.post(
        reverse("accounts:signup"),
        {
            "email": f"new{n}@example.org",
            "password": "a long enough passphrase 42",
            "role": "worker",
            "display_name": f"New {n}",
        },
    )


def test_sign_up_past_the_rate_is_429_and_makes_no_account(settings):
    _limit(settings, "signup", address="2/h")

    answers = [_sign_up(_client(), n) for n in range(3)]

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    refused = answers[2]
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert b"Too many requests" in refused.content
    assert not User.objects.filter(email="new2@example.org").exists()
    # Another address is counted on its own.
    assert _sign_up(_client(address="203.0.113.9"), 3).status_code == 302


def test_the_429_page_is_in_french(settings):
    _limit(settings, "signup", address="1/h")
    client = _client()
    _sign_up(client, 0)
    client.cookies["django_language"] = "fr"

    refused = _sign_up(client, 1)

    assert refused.status_code == 429
    assert "Trop de requêtes".encode() in refused.content


def test_addresses_behind_proxies_are_counted_apart(settings):
    """With MICROWORK_PROXY_COUNT=1 (one nginx that appends the address it saw), the client is
    X-Forwarded-For's last entry: two people behind the proxy are two counts, and what a client
    writes in the header itself is not read."""
    settings.MICROWORK_PROXY_COUNT = 1
    _limit(settings, "signup", address="1/h")

    def sign_up(forwarded_for):
        return (
            _client(address="10.0.0.1")
            .post(reverse("accounts:signup"), headers={"X-Forwarded-For": forwarded_for})
            .status_code
        )

    assert sign_up("198.51.100.1") == 200
    assert sign_up("198.51.100.2") == 200
    assert sign_up("203.0.113.5, 198.51.100.1") == 429  # a forged first entry changes nothing


def test_an_ipv6_client_is_counted_by_its_64(settings):
    _limit(settings, "signup", address="1/h")

    first = _sign_up(_client(address="2001:db8:1:2::1"), 0)
    same_64 = _sign_up(_client(address="2001:db8:1:2:ffff::9"), 1)
    other_64 = _sign_up(_client(address="2001:db8:1:3::1"), 2)

    assert [first.status_code, same_64.status_code, other_64.status_code] == [302, 429, 302]


# --- accept, return, submit on the pages ---------------------------------------------------


def test_accept_past_the_rate_is_429_and_claims_nothing(settings):
    _limit(settings, "accept", account="2/m")
    settings.MICROWORK_MAX_OPEN_ASSIGNMENTS = 10
    worker = WorkerFactory()
    client = _client(worker)
    projects = [_batch().project for _ in range(3)]

    answers = [
        client.post(reverse("work:project-accept", args=[project.public_id]))
        for project in projects
    ]

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert 0 < int(answers[2]["Retry-After"]) <= 60
    assert not Assignment.objects.filter(task__batch__project=projects[2]).exists()
    # Per account: another worker at the same address still accepts.
    other = _client(WorkerFactory())
    assert other.post(reverse("work:project-accept", args=[projects[2].public_id])).status_code == (
        302
    )


def test_accept_past_the_address_rate_is_429_for_every_account_there(settings):
    _limit(settings, "accept", account="100/m", address="2/m")
    project = _batch().project
    url = reverse("work:project-accept", args=[project.public_id])

    answers = [_client(WorkerFactory()).post(url).status_code for _ in range(3)]

    assert answers == [302, 302, 429]
    assert Assignment.objects.count() == 2
    assert _client(WorkerFactory(), address="203.0.113.9").post(url).status_code == 302


def test_return_past_the_rate_is_429_and_keeps_the_assignment(settings):
    _limit(settings, "return", account="2/m")
    worker = WorkerFactory()
    client = _client(worker)
    assignments = AssignmentFactory.create_batch(3, worker=worker)

    answers = [
        client.post(reverse("work:assignment-return", args=[assignment.public_id]))
        for assignment in assignments
    ]

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assignments[2].refresh_from_db()
    assert assignments[2].state == AssignmentState.ACCEPTED


def _frame_submit(client, assignment, url="work:submit"):
    return client.post(
        reverse(url),
        {
            "assignmentId": assignment.public_id,
            "mw_token": frame_token(assignment.public_id),
            "answer": "positive",
        },
    )


@pytest.mark.parametrize("door", ["work:submit", "mturk:external-submit"])
def test_submit_from_the_frame_past_the_rate_is_429_and_stores_nothing(settings, door):
    _limit(settings, "submit", address="2/m")
    assignments = [AssignmentFactory(task__input={"text": "t"}) for _ in range(3)]
    client = _client()

    answers = [_frame_submit(client, assignment, door) for assignment in assignments]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert b"Too many submissions" in answers[2].content
    assert int(answers[2]["Retry-After"]) > 0
    assignments[2].refresh_from_db()
    assert (assignments[2].state, assignments[2].answers) == (AssignmentState.ACCEPTED, None)


# --- uploads --------------------------------------------------------------------------------


def _upload_page(client, project, n):
    return client.post(
        reverse("projects:batch-upload", args=[project.pk]),
        {"file": SimpleUploadedFile("rows.csv", b"text\nhello\n"), "name": f"B{n}"},
    )


def test_upload_on_the_page_past_the_rate_is_429_and_creates_no_batch(settings):
    _limit(settings, "upload", account="2/h")
    requester = RequesterFactory()
    project = ProjectFactory(requester=requester)
    client = _client(requester)

    answers = [_upload_page(client, project, n).status_code for n in range(3)]

    assert answers == [302, 302, 429]
    assert sorted(Batch.objects.values_list("name", flat=True)) == ["B0", "B1"]


def test_upload_on_the_api_past_the_rate_is_429_and_creates_no_batch(settings):
    _limit(settings, "upload", account="2/h")
    requester = RequesterFactory()
    project = ProjectFactory(requester=requester)
    api = api_client_for(requester)
    url = f"/api/v1/projects/{project.public_id}/batches"

    answers = [
        api.post(f"{url}?name=B{n}", b"text\nhello\n", content_type="text/csv") for n in range(3)
    ]

    assert [answer.status_code for answer in answers[:2]] == [201, 201]
    body = assert_problem(answers[2], 429, "too-many-requests")
    assert "upload" in body["detail"]
    assert 0 < int(answers[2]["Retry-After"]) <= 3600
    assert Batch.objects.count() == 2


# --- the REST API ---------------------------------------------------------------------------


def test_api_requests_past_the_rate_are_429_problems_with_retry_after(settings):
    _limit(settings, "api", account="3/m")
    worker = WorkerFactory()
    api = api_client_for(worker)

    answers = [api.get("/api/v1/me") for _ in range(4)]

    assert [answer.status_code for answer in answers[:3]] == [200, 200, 200]
    assert_problem(answers[3], 429, "too-many-requests")
    assert 0 < int(answers[3]["Retry-After"]) <= 60
    # Per account: another account's token is counted on its own.
    assert api_client_for(WorkerFactory()).get("/api/v1/me").status_code == 200


def test_api_accept_submit_and_return_past_their_rates_change_nothing(settings):
    settings.MICROWORK_MAX_OPEN_ASSIGNMENTS = 10
    for scope in ("accept", "submit", "return"):
        _limit(settings, scope, account="1/m")
    worker = WorkerFactory()
    api = api_client_for(worker)
    first, second = _batch().project, _batch().project

    assert api.post(f"/api/v1/worker/projects/{first.public_id}/accept").status_code == 201
    refused = api.post(f"/api/v1/worker/projects/{second.public_id}/accept")
    assert_problem(refused, 429, "too-many-requests")
    assert not Assignment.objects.filter(task__batch__project=second).exists()

    one, two = AssignmentFactory.create_batch(2, worker=worker, task__input={"text": "t"})
    submit = "/api/v1/worker/assignments/{}/submit"
    assert api.post(submit.format(one.public_id), {"answers": {"answer": "a"}}).status_code == 200
    refused = api.post(submit.format(two.public_id), {"answers": {"answer": "a"}})
    assert_problem(refused, 429, "too-many-requests")
    two.refresh_from_db()
    assert (two.state, two.answers) == (AssignmentState.ACCEPTED, None)

    back = "/api/v1/worker/assignments/{}/return"
    assert api.post(back.format(two.public_id)).status_code == 200
    third = AssignmentFactory(worker=worker)
    assert_problem(api.post(back.format(third.public_id)), 429, "too-many-requests")
    third.refresh_from_db()
    assert third.state == AssignmentState.ACCEPTED


# --- the MTurk door -------------------------------------------------------------------------


def _mturk(key, secret, operation, body):
    headers, data = _signed(key.access_key_id, secret, operation, body)
    return Client(REMOTE_ADDR="198.51.100.7").post(
        "/mturk/", data=data, content_type="application/x-amz-json-1.1", headers=headers
    )


def test_mturk_calls_past_the_rate_are_throttled_in_mturks_shape_and_change_nothing(settings):
    _limit(settings, "mturk", account="2/m")
    key, secret = mturk_services.access_key_create(requester=RequesterFactory())

    answers = [
        _mturk(
            key,
            secret,
            "CreateQualificationType",
            {"Name": f"Q{n}", "Description": "d", "QualificationTypeStatus": "Active"},
        )
        for n in range(3)
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 400]
    assert json.loads(answers[2].content) == {
        "__type": "ThrottlingException",
        "Message": "Rate exceeded",
    }
    assert int(answers[2]["Retry-After"]) > 0
    assert sorted(QualificationType.objects.values_list("name", flat=True)) == ["Q0", "Q1"]
    # Per key: the requester's second key is counted on its own.
    other, other_secret = mturk_services.access_key_create(requester=key.requester)
    assert _mturk(other, other_secret, "GetAccountBalance", {}).status_code == 200


# --- two app servers, one count -------------------------------------------------------------

SECOND_SERVER = """
import django
django.setup()
from django.test import RequestFactory
from microwork.common.ratelimits import RateLimited, rate_limit
request = RequestFactory().post("/accounts/signup/", REMOTE_ADDR="198.51.100.7")
try:
    rate_limit(request, "signup")
except RateLimited as limited:
    print("refused", limited.retry_after)
else:
    print("taken")
"""


def _second_server() -> str:
    """One sign-up counted by another process, configured as a second app server is."""
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "microwork.settings",
        "MICROWORK_CACHE_URL": REDIS_URL,
        "MICROWORK_RATE_SIGNUP_ADDRESS": "2/h",
    }
    environ.pop("DATABASE_URL", None)  # the count needs no database
    done = subprocess.run(
        [sys.executable, "-c", SECOND_SERVER], env=environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[0]


def test_two_servers_share_one_count_through_the_shared_cache(settings, shared_cache):  # noqa: F811
    """This process and another one, both on Redis (MICROWORK_CACHE_URL), add to one count: an
    address's third sign-up is refused wherever it lands."""
    _limit(settings, "signup", address="2/h")
    client = _client()

    assert _sign_up(client, 0).status_code == 302
    assert _second_server() == "taken"
    refused = _sign_up(client, 1)

    assert refused.status_code == 429
    assert not User.objects.filter(email="new1@example.org").exists()
    assert _second_server() == "refused"
