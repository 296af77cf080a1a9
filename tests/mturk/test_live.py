"""The whole MTurk round trip over real HTTP against a live server: a requester's boto3
script creates a HIT type and HITs, workers log in and do the work through the web pages (the
marketplace, the preview, Accept, the task frame, the HIT's own form posting to turkSubmitTo),
then the script lists, approves, rejects and bonuses; the API's balances, the ledger and the
workers' accounts agree. PostgreSQL only: live_server needs transactional tests, whose flush
the ledger's append-only triggers refuse on SQLite. Every other boto3 test of tests/mturk also
runs over HTTP on PostgreSQL (the `mturk` fixture's http parameter)."""

import html
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import boto3
import pytest

from microwork.mturk import services
from microwork.payments import services as payments
from microwork.payments.invariants import ledger_problems
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import PASSWORD, RequesterFactory, WorkerFactory
from tests.mturk.conftest import make_client
from tests.mturk.test_endpoint import QUESTION
from tests.payments.factories import fund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ANSWERS_NS = (
    "{http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/"
    "QuestionFormAnswers.xsd}"
)
# What Mephisto adds to every HIT type when it thinks it is on production MTurk.
MEPHISTO_LOCALES = {
    "QualificationTypeId": "00000000000000000071",
    "Comparator": "In",
    "LocaleValues": [{"Country": c} for c in ("US", "CA", "GB", "AU", "NZ")],
    "ActionsGuarded": "DiscoverPreviewAndAccept",
}


class Browser:
    """A worker's browser over HTTP: it keeps its cookies, follows redirects and posts forms
    with the CSRF token of the page they came from."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.page = ""

    def get(self, url: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(urllib.parse.urljoin(self.base_url, url)))

    def post(self, url: str, fields: dict) -> tuple[int, str]:
        """Post `fields` as a form, with the CSRF token of the last page read."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.page)
        if token:
            fields = {"csrfmiddlewaretoken": token.group(1), **fields}
        return self._open(
            urllib.request.Request(
                urllib.parse.urljoin(self.base_url, url),
                data=urllib.parse.urlencode(fields).encode(),
            )
        )

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request) as response:
                status, self.url, self.page = response.status, response.url, response.read()
        except urllib.error.HTTPError as error:
            status, self.url, self.page = error.code, error.url, error.read()
        self.page = self.page.decode()
        return status, self.page

    def log_in(self, email: str) -> None:
        self.get("/accounts/login/")
        status, _page = self.post("/accounts/login/", {"username": email, "password": PASSWORD})
        assert status == 200 and not self.url.endswith("/accounts/login/")

    def do_a_hit(self, hit_type_id: str, answer: str) -> str:
        """Preview the HIT type, accept, and submit `answer` through the HIT's own form, as
        MTurk's externalHIT_v1.js would: assignmentId from the frame's address, the form's
        action turkSubmitTo + "/mturk/externalSubmit". Returns the assignment's id."""
        assert self.get(f"/work/projects/{hit_type_id}/")[0] == 200
        status, _page = self.post(f"/work/projects/{hit_type_id}/accept/", {})
        assert status == 200 and "/work/assignments/" in self.url
        frame_url = html.unescape(re.search(r'<iframe[^>]* src="([^"]+)"', self.page).group(1))
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(frame_url).query)
        assert query["workerId"] and query["hitId"]
        status, frame = self.get(frame_url)
        assert status == 200
        action = re.search(r'<form[^>]* action="([^"]+)"', frame).group(1)
        assert action == query["turkSubmitTo"][0] + "/mturk/externalSubmit"
        assignment_id = query["assignmentId"][0]
        status, done = self.post(action, {"assignmentId": assignment_id, "answer": answer})
        assert status == 200 and "Submitted, thank you" in done
        return assignment_id


def _answer(assignment: dict) -> dict:
    root = ET.fromstring(assignment["Answer"])
    return {
        a.find(f"{ANSWERS_NS}QuestionIdentifier").text: a.find(f"{ANSWERS_NS}FreeText").text
        for a in root.findall(f"{ANSWERS_NS}Answer")
    }


def test_round_trip_through_the_web_pages_over_http(live_server):
    requester = RequesterFactory()
    fund(requester, 10_000)
    key, secret = services.access_key_create(requester=requester)
    mturk = make_client(key.access_key_id, secret, endpoint=f"{live_server.url}/mturk/")
    assert mturk.get_account_balance()["AvailableBalance"] == "100.00"

    hit_type = mturk.create_hit_type(
        AssignmentDurationInSeconds=120,
        AutoApprovalDelayInSeconds=3600,
        Reward="0.50",
        Title="Label a sentence",
        Description="Read one sentence",
        QualificationRequirements=[MEPHISTO_LOCALES],
    )["HITTypeId"]
    hits = {
        mturk.create_hit_with_hit_type(
            HITTypeId=hit_type, LifetimeInSeconds=600, MaxAssignments=n, Question=QUESTION
        )["HIT"]["HITId"]: n
        for n in (2, 1)
    }
    balance = mturk.get_account_balance()  # 3 slots of 0.50 + 0.10 fee held
    assert (balance["AvailableBalance"], balance["OnHoldBalance"]) == ("98.20", "1.80")

    workers = [WorkerFactory() for _ in range(3)]
    browsers = [Browser(live_server.url) for _ in workers]
    for browser, worker in zip(browsers, workers, strict=True):
        browser.log_in(worker.email)
    # Without a country a worker does not even see a HIT with Mephisto's locale requirement.
    assert "Label a sentence" not in browsers[0].get("/work/")[1]
    assert browsers[0].get(f"/work/projects/{hit_type}/")[0] == 403  # the page says why
    for browser in browsers:
        browser.get("/accounts/settings/")
        assert browser.post("/accounts/settings/", {"country": "GB", "language": ""})[0] == 200
    assert "Label a sentence" in browsers[0].get("/work/")[1]
    done = {
        browser.do_a_hit(hit_type, answer): answer
        for browser, answer in zip(browsers, ("positive", "negative", "neutral"), strict=True)
    }
    # Every slot is taken: nothing more to accept.
    assert browsers[0].get(f"/work/projects/{hit_type}/")[0] == 404

    listed = {}
    for page in mturk.get_paginator("list_hits").paginate(PaginationConfig={"PageSize": 1}):
        for hit in page["HITs"]:
            assert hit["NumberOfAssignmentsAvailable"] == 0
            for assignments in mturk.get_paginator("list_assignments_for_hit").paginate(
                HITId=hit["HITId"], AssignmentStatuses=["Submitted"]
            ):
                for assignment in assignments["Assignments"]:
                    listed[assignment["AssignmentId"]] = assignment
    assert set(listed) == set(done)
    assert {aid: _answer(a)["answer"] for aid, a in listed.items()} == done
    by_worker = {a["WorkerId"]: aid for aid, a in listed.items()}
    first, second, third = (by_worker[worker.worker_id] for worker in workers)
    assert sorted(hits.values()) == [1, 2]

    mturk.approve_assignment(AssignmentId=first, RequesterFeedback="good")
    mturk.approve_assignment(AssignmentId=second, OverrideRejection=True)  # as Mephisto does
    mturk.reject_assignment(AssignmentId=third, RequesterFeedback="")  # as psiTurk does
    mturk.send_bonus(
        WorkerId=workers[0].worker_id,
        BonusAmount="0.25",
        AssignmentId=first,
        Reason="Careful work",
        UniqueRequestToken="bonus-first",
    )
    with pytest.raises(mturk.exceptions.RequestError):
        mturk.send_bonus(
            WorkerId=workers[0].worker_id,
            BonusAmount="0.25",
            AssignmentId=first,
            Reason="Careful work",
            UniqueRequestToken="bonus-first",
        )

    statuses = {
        aid: mturk.get_assignment(AssignmentId=aid)["Assignment"]["AssignmentStatus"]
        for aid in (first, second, third)
    }
    assert statuses == {first: "Approved", second: "Approved", third: "Rejected"}
    assert Assignment.objects.get(public_id=third).state == AssignmentState.REJECTED
    # 100 - 2 x (0.50 + 0.10) - (0.25 + 0.05); the rejected slot came back, nothing is held.
    balance = mturk.get_account_balance()
    assert (balance["AvailableBalance"], balance["OnHoldBalance"]) == ("98.50", "0.00")
    assert payments.balance(payments.requester_available(requester)) == 9_850
    assert [payments.balance(payments.worker_available(w)) for w in workers] == [75, 50, 0]
    assert payments.balance(payments.platform_fees()) == 25
    assert ledger_problems() == []
    # The web pages say the same: the workers' earnings and history, the requester's balance.
    earnings = browsers[0].get("/payments/earnings/")[1]
    assert "Available</dt><dd>0.75" in earnings and "Careful work" in earnings
    assert "good" in browsers[0].get("/work/history/")[1]
    assert "Rejected by the requester through the MTurk API" in browsers[2].get("/work/history/")[1]
    requester_browser = Browser(live_server.url)
    requester_browser.log_in(requester.email)
    balance_page = requester_browser.get("/payments/balance/")[1]
    assert "Available</dt><dd>98.50" in balance_page
    assert "Reserved in escrow</dt><dd>0.00" in balance_page
    mturk.close()  # its kept-alive connection holds a server thread and its database session


def test_a_script_naming_no_endpoint_reaches_microwork_through_the_environment(
    live_server, monkeypatch
):
    """boto3 reads AWS_ENDPOINT_URL_MTURK (or `endpoint_url` under `[services ...] mturk =` in
    ~/.aws/config) when the code passes no endpoint_url: Mephisto's live client, say."""
    requester = RequesterFactory()
    fund(requester, 500)
    key, secret = services.access_key_create(requester=requester)
    monkeypatch.setenv("AWS_ENDPOINT_URL_MTURK", f"{live_server.url}/mturk/")

    client = boto3.client(
        "mturk",
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=secret,
    )

    assert client.get_account_balance()["AvailableBalance"] == "5.00"
    client.close()
