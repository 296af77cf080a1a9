"""An MTurk HIT in a real browser: the AWS tutorial's HTMLQuestion, created with boto3 over
HTTP, previewed and done by a worker in headless Chromium. Its own form posts to Amazon's
externalSubmit and loads Amazon's externalHIT_v1.js; microwork serves the script and points
the form at turkSubmitTo, so the answer lands and comes back through the API.

Needs /usr/bin/chromium, like the rest of tests/e2e; runs on SQLite and on PostgreSQL.
"""

import pytest

from microwork.payments.invariants import ledger_problems
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.e2e.conftest import (
    SiteHandler,
    accept_previewed,
    external_question,
    log_in,
    mturk_hit,
    save_screenshot,
    serve,
    wait_submitted,
)

pytestmark = pytest.mark.django_db(transaction=True)

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
    mturk, hit = mturk_hit(
        live_server, AWS_SAMPLE_QUESTION, title="Name a colour", description="One question"
    )
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    # In preview the script disables the submit button, as on MTurk.
    page.goto(f"{live_server.url}/work/projects/{hit['HITTypeId']}/")
    preview = page.frame_locator("iframe.task-frame")
    submit_button = preview.locator("#submitButton")
    submit_button.wait_for()
    assert submit_button.is_disabled()
    assert preview.locator("#assignmentId").input_value() == "ASSIGNMENT_ID_NOT_AVAILABLE"

    accept_previewed(page)
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
    submitted = wait_submitted(page, assignment)
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


class _RequesterSite(SiteHandler):
    origins: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path.startswith("/ping"):
            type(self).origins.append(self.headers.get("Origin"))
            body = b"pong"
        else:
            body = EXTERNAL_PAGE.encode()
        self.send_html(body)


@pytest.fixture
def requester_site():
    _RequesterSite.origins = []
    with serve(_RequesterSite) as url:
        yield url


def test_external_question_page_runs_with_its_own_origin_and_submits_to_turk_submit_to(
    page, context, live_server, client, requester_site
):
    mturk, hit = mturk_hit(
        live_server,
        external_question(f"{requester_site}/task?study=7&amp;arm=b", frame_height=0),
        title="An external study",
        description="On the requester's own site",
    )
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)

    page.goto(f"{live_server.url}/work/projects/{hit['HITTypeId']}/")
    # The page submits by itself as soon as it loads: the work page is left as it comes.
    accept_previewed(page, and_next=True)
    assignment = Assignment.objects.get(worker=worker)

    submitted = wait_submitted(page, assignment)
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
