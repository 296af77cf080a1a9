"""An MTurk HIT in a real browser: the AWS tutorial's HTMLQuestion, created with boto3 over
HTTP, previewed and done by a worker in headless Chromium. Its own form posts to Amazon's
externalSubmit and loads Amazon's externalHIT_v1.js; microwork serves the script and points
the form at turkSubmitTo, so the answer lands and comes back through the API.

Needs /usr/bin/chromium and PostgreSQL, like the rest of tests/e2e.
"""

import http.server
import threading

import pytest

from microwork.mturk import services
from microwork.payments.invariants import ledger_problems
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.e2e.conftest import log_in, save_screenshot, wait_until
from tests.mturk.conftest import make_client
from tests.payments.factories import fund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# The shape of the AWS MTurk tutorial's question (aws-samples/mturk-code-samples).
AWS_SAMPLE_QUESTION = """<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/\
AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<script type="text/javascript" src="https://s3.amazonaws.com/mturk-public/externalHIT_v1.js">
</script>
</head><body>
<form name="mturk_form" method="post" id="mturk_form"
      action="https://www.mturk.com/mturk/externalSubmit">
<input type="hidden" value="" name="assignmentId" id="assignmentId">
<p>What colour is the sky?</p>
<input type="text" name="colour" id="colour">
<input type="submit" id="submitButton" value="Submit">
</form>
<script language="Javascript">turkSetAssignmentID();</script>
</body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>"""


def test_worker_does_the_aws_sample_hit_in_a_browser(page, context, live_server, client):
    requester = RequesterFactory()
    fund(requester, 1_000)
    key, secret = services.access_key_create(requester=requester)
    mturk = make_client(key.access_key_id, secret, endpoint=f"{live_server.url}/mturk/")
    hit = mturk.create_hit(
        MaxAssignments=1,
        LifetimeInSeconds=600,
        AssignmentDurationInSeconds=120,
        Reward="0.50",
        Title="Name a colour",
        Description="One question",
        Question=AWS_SAMPLE_QUESTION,
    )["HIT"]
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    # In preview the script disables the submit button, as on MTurk.
    page.goto(f"{live_server.url}/work/projects/{hit['HITTypeId']}/")
    preview = page.frame_locator("iframe.task-frame")
    submit_button = preview.locator("#submitButton")
    submit_button.wait_for()
    assert submit_button.is_disabled()
    assert preview.locator("#assignmentId").input_value() == "ASSIGNMENT_ID_NOT_AVAILABLE"

    page.click("form[action$='/accept/'] button")
    page.wait_for_url("**/work/assignments/*/")
    page.uncheck("#submit-and-next")
    assignment = Assignment.objects.get(worker=worker)
    frame = page.frame_locator("iframe.task-frame")
    frame.locator("#colour").fill("blue")
    assert frame.locator("#assignmentId").input_value() == assignment.public_id
    # turkSubmitTo, the assignment's frame token in its path, + "/mturk/externalSubmit".
    action = frame.locator("#mturk_form").get_attribute("action")
    assert action.startswith(f"{live_server.url}/mturk/t/")
    assert action.endswith("/mturk/externalSubmit")
    save_screenshot(page, "mturk_html_question")
    frame.locator("#submitButton").click()

    page.wait_for_url("**/work/history/")
    submitted = wait_until(
        page,
        lambda: Assignment.objects.filter(
            pk=assignment.pk, state=AssignmentState.SUBMITTED
        ).first(),
    )
    assert submitted.answers == {"colour": "blue"}
    (listed,) = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert listed["WorkerId"] == worker.worker_id
    answer = "<QuestionIdentifier>colour</QuestionIdentifier><FreeText>blue</FreeText>"
    assert answer in listed["Answer"]
    mturk.approve_assignment(AssignmentId=listed["AssignmentId"])
    assert mturk.get_account_balance()["AvailableBalance"] == "9.40"
    assert ledger_problems() == []
    mturk.close()  # its kept-alive connection holds a server thread and its database session


# The requester's own page, served from another host. It records what it may do in the frame
# the work page shows it in (docs/migrating-from-mturk.md section 3), then posts like
# Mephisto's page does.
EXTERNAL_PAGE = """<!doctype html><html><body>
<form id="f" method="post"><input name="answer" value="ok"></form>
<script>
var params = new URLSearchParams(location.search);
var form = document.getElementById("f");
function field(name, value) {
  var input = document.createElement("input");
  input.type = "hidden"; input.name = name; input.value = value; form.appendChild(input);
}
field("assignmentId", params.get("assignmentId"));
field("workerId", params.get("workerId"));
try { localStorage.setItem("k", "v"); field("storage", "allowed"); }
catch (e) { field("storage", "blocked:" + e.name); }
try { document.cookie = "k=v"; field("cookie", "allowed"); }
catch (e) { field("cookie", "blocked:" + e.name); }
var popup = null;
try { popup = window.open("about:blank"); } catch (e) {}
field("popup", popup ? "opened" : "blocked");
if (params.get("assignmentId") !== "ASSIGNMENT_ID_NOT_AVAILABLE") {  // nothing to do in preview
  fetch("/ping")
    .then(function () { field("fetch", "read"); }, function () { field("fetch", "blocked"); })
    .then(function () {
      form.action = params.get("turkSubmitTo") + "/mturk/externalSubmit";
      form.submit();
    });
}
</script></body></html>"""


class _RequesterSite(http.server.BaseHTTPRequestHandler):
    origins: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.startswith("/ping"):
            type(self).origins.append(self.headers.get("Origin"))
            body = b"pong"
        else:
            body = EXTERNAL_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def requester_site():
    _RequesterSite.origins = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RequesterSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_external_question_page_runs_with_its_own_origin_and_submits_to_turk_submit_to(
    page, context, live_server, client, requester_site
):
    requester = RequesterFactory()
    fund(requester, 1_000)
    key, secret = services.access_key_create(requester=requester)
    mturk = make_client(key.access_key_id, secret, endpoint=f"{live_server.url}/mturk/")
    question = (
        '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/'
        'AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd">'
        f"<ExternalURL>{requester_site}/task?study=7&amp;arm=b</ExternalURL>"
        "<FrameHeight>0</FrameHeight></ExternalQuestion>"
    )
    hit = mturk.create_hit(
        MaxAssignments=1,
        LifetimeInSeconds=600,
        AssignmentDurationInSeconds=120,
        Reward="0.50",
        Title="An external study",
        Description="On the requester's own site",
        Question=question,
    )["HIT"]
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    page.goto(f"{live_server.url}/work/projects/{hit['HITTypeId']}/")
    page.click("form[action$='/accept/'] button")
    page.wait_for_url("**/work/assignments/*/")
    assignment = Assignment.objects.get(worker=worker)

    submitted = wait_until(
        page,
        lambda: Assignment.objects.filter(
            pk=assignment.pk, state=AssignmentState.SUBMITTED
        ).first(),
    )
    assert submitted.answers == {
        "answer": "ok",
        "workerId": worker.worker_id,
        # The browser's third-party rule: this context, like an incognito window, keeps no
        # third-party storage (tests/e2e/test_external_origin.py shows a profile that does).
        "storage": "blocked:SecurityError",
        "cookie": "allowed",
        "popup": "opened",
        "fetch": "read",
    }
    # The page has its own origin: its request to its own server was same-origin (no Origin).
    assert _RequesterSite.origins == [None]
    (listed,) = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    answer = "<QuestionIdentifier>answer</QuestionIdentifier><FreeText>ok</FreeText>"
    assert answer in listed["Answer"]
    mturk.close()
