"""A requester's page on another host, framed directly by the work page with an origin of its
own (work/frame.py, direct_frame; docs/adr/0004-sandboxed-task-frame.md, "External pages").

The requester's site is a second server on a port of its own, at 127.0.0.1 while the platform's
live server is at localhost: browsers keep cookies per host, not per port, so another port of
the same host would share the platform's cookies (and the platform frames such a page nested,
without an origin). Its page keeps state in a cookie and in localStorage and reads both back,
calls its own server with its cookie, opens a pop-up, and posts to turkSubmitTo, as psiTurk's,
jsPsych's and Dallinger's pages do, while it sees nothing of the platform: not its cookies
(the csrftoken the worker's browser holds), not the work page's DOM, and its own messages to
the work page are ignored. A hostile page that navigates its frame to the platform gets a task
frame document with an opaque origin, or nothing (X-Frame-Options: DENY).

The live server serves /static/ with Django's handler, not whitenoise, so the CSP sandbox of
static pages (common/csp.py) is checked in tests/work/test_external_framing.py instead.

Needs /usr/bin/chromium, like the rest of tests/e2e; runs on SQLite and on PostgreSQL.
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from microwork.payments.invariants import ledger_problems
from microwork.projects import questions
from microwork.projects.enums import TemplateKind
from microwork.work.enums import AssignmentState
from microwork.work.frame import EXTERNAL_SANDBOX
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    SiteHandler,
    accept_previewed,
    external_question,
    log_in,
    mturk_hit,
    save_screenshot,
    serve,
    wait_submitted,
    wait_until,
)
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory

pytestmark = pytest.mark.django_db(transaction=True)

# The study's page. Everything it finds out goes into hidden fields of its answer. Before the
# worker answers it also posts a forged "submitted" to the work page, which must ignore it.
STUDY_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>A study</title>
</head><body>
<h1>A study on another site</h1>
<form id="study" method="post">
<button type="button" id="begin">Begin</button>
<label>Your answer <input name="answer" id="answer"></label>
<button type="submit" id="send" disabled>Send</button>
</form>
<script>
var params = new URLSearchParams(location.search);
var form = document.getElementById("study");
function field(name, value) {
  var input = document.createElement("input");
  input.type = "hidden"; input.name = name; input.value = value; form.appendChild(input);
}
field("assignmentId", params.get("assignmentId"));
field("origin", self.origin);
// A cookie in a frame of another site needs SameSite=None; Secure (http://127.0.0.1 is a
// secure context); a Partitioned one (CHIPS) is kept even where third-party cookies are not.
document.cookie = "study_session=s42; SameSite=None; Secure; Path=/";
document.cookie = "study_chips=c1; SameSite=None; Secure; Path=/; Partitioned";
field("cookies", document.cookie);
try {
  localStorage.setItem("study_progress", "trial 3");
  field("storage", localStorage.getItem("study_progress"));
} catch (e) { field("storage", "blocked:" + e.name); }
try { field("work_page", window.parent.document.title); }
catch (e) { field("work_page", "blocked:" + e.name); }
// psiTurk's ad opens the experiment in a pop-up, on a click.
document.getElementById("begin").addEventListener("click", function () {
  field("popup", window.open("/popup", "study_popup") ? "opened" : "blocked");
});
window.parent.postMessage(
  { type: "microwork:submitted", assignmentId: params.get("assignmentId") }, "*"
);
fetch("/ping", { credentials: "same-origin" })
  .then(function (response) { return response.text(); })
  .then(function (text) { field("server_saw", text); }, function () { field("server_saw", "blocked"); })
  .then(function () {
    if (params.get("assignmentId") !== "ASSIGNMENT_ID_NOT_AVAILABLE") {
      form.action = params.get("turkSubmitTo") + "/mturk/externalSubmit";
      document.getElementById("send").disabled = false;
    }
    document.body.dataset.ready = "1";
  });
</script></body></html>"""


# A hostile page: it navigates its own frame, which keeps allow-same-origin and allow-scripts,
# to a page of the platform's, hoping to run there with the platform's origin.
HOSTILE_PAGE = """<!doctype html><html><body><script>
var params = new URLSearchParams(location.search);
var submitTo = params.get("turkSubmitTo");
if (submitTo) {
  var targets = {
    frame: "/work/assignments/" + params.get("assignmentId") + "/frame/?token="
      + submitTo.split("/mturk/t/")[1],
    history: "/work/history/",
  };
  location.href = new URL(submitTo).origin + targets[params.get("to")];
}
</script></body></html>"""


class _StudySite(SiteHandler):
    requests: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).requests.append(
            (self.path.split("?")[0], self.headers.get("Referer"), self.headers.get("Origin"))
        )
        if self.path.startswith("/ping"):
            # What the study's server received: its own cookie, sent with a same-origin request.
            body = (self.headers.get("Cookie") or "").encode()
        elif self.path.startswith("/hostile"):
            body = HOSTILE_PAGE.encode()
        elif self.path.startswith("/popup"):
            body = b"<!doctype html><title>Pop-up</title><p>The study's pop-up."
        else:
            body = STUDY_PAGE.encode()
        self.send_html(body)


@pytest.fixture
def study_site():
    """The requester's site: a second live server, on 127.0.0.1 and a port of its own."""
    _StudySite.requests = []
    with serve(_StudySite) as url:
        yield url


@pytest.fixture
def cookie_friendly_context(browser, tmp_path):
    """A browser profile that keeps third-party cookies and storage, as Chrome's default profile
    does. The shared `context` (conftest.py) is like an incognito window: it blocks them."""
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(
        json.dumps({"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}})
    )
    context = browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=PHONE,
        device_scale_factor=2,
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


def _do_the_study(context, live_server, client, study_site, *, screenshot: str = ""):
    """Create the study as an ExternalQuestion HIT with boto3, preview it, accept it, open its
    pop-up and answer it in `context`; return the HIT, the stored assignment and the client."""
    assert urlsplit(live_server.url).hostname == "localhost"  # another host than the study's
    mturk, hit = mturk_hit(
        live_server,
        external_question(f"{study_site}/study?arm=b"),
        title="A study on another site",
        description="Like a psiTurk experiment",
    )
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)
    page = context.new_page()

    # The preview frames the study directly too, with no assignment to submit.
    page.goto(f"{live_server.url}/work/projects/{hit['HITTypeId']}/")
    preview = page.locator("iframe.task-frame")
    assert preview.get_attribute("sandbox") == EXTERNAL_SANDBOX
    assert preview.get_attribute("referrerpolicy") == "origin"
    assert parse_qs(urlsplit(preview.get_attribute("src")).query)["assignmentId"] == [
        "ASSIGNMENT_ID_NOT_AVAILABLE"
    ]
    in_preview = page.frame_locator("iframe.task-frame")
    expect(in_preview.locator("body[data-ready='1']")).to_be_attached()
    expect(in_preview.locator("#send")).to_be_disabled()
    # The accept form gave the worker's browser the platform's csrftoken, at localhost.
    assert "csrftoken" in {cookie["name"] for cookie in context.cookies(live_server.url)}

    accept_previewed(page)
    assignment = Assignment.objects.get(worker=worker)
    work_page_url = page.url
    assert page.locator("iframe#task-frame").get_attribute("sandbox") == EXTERNAL_SANDBOX
    # One level: the work page frames the study itself, not a task frame document around it.
    [study] = [frame for frame in page.frames if frame.url.startswith(study_site)]
    assert study.parent_frame == page.main_frame
    query = parse_qs(urlsplit(study.url).query)
    assert query["assignmentId"] == [assignment.public_id]
    assert query["workerId"] == [worker.worker_id]
    frame = page.frame_locator("iframe#task-frame")
    expect(frame.locator("body[data-ready='1']")).to_be_attached()
    # The study's forged "submitted" came from its own origin: the work page stayed put.
    assert page.url == work_page_url
    assert Assignment.objects.get(pk=assignment.pk).state == AssignmentState.ACCEPTED

    with context.expect_page() as popup_opened:
        frame.locator("#begin").click()
    popup = popup_opened.value
    popup.wait_for_load_state()
    assert popup.url == f"{study_site}/popup"
    popup.close()
    frame.locator("#answer").fill("blue")
    if screenshot:
        save_screenshot(page, screenshot)
    frame.locator("#send").click()

    # The answer's page, the platform's, told the work page, which moved on.
    page.wait_for_url("**/work/history/")
    submitted = wait_submitted(page, assignment)
    return hit, submitted, mturk, query["turkSubmitTo"][0]


def test_study_on_another_host_keeps_its_own_state_and_submits_once(
    cookie_friendly_context, live_server, client, study_site
):
    hit, submitted, mturk, turk_submit_to = _do_the_study(
        cookie_friendly_context, live_server, client, study_site, screenshot="external_origin"
    )

    assert submitted.answers == {
        "answer": "blue",
        "origin": study_site,
        # Its own cookies only: no csrftoken, no session of the platform's.
        "cookies": "study_session=s42; study_chips=c1",
        "storage": "trial 3",
        "work_page": "blocked:SecurityError",
        "popup": "opened",
        "server_saw": "study_session=s42; study_chips=c1",
    }
    # Its address told the study's server the platform's origin, never the work page's path.
    page_requests = [request for request in _StudySite.requests if request[0] == "/study"]
    assert len(page_requests) == 2  # the preview, the work page
    assert {referer for _, referer, _ in page_requests} == {f"{live_server.url}/"}
    # Same-origin fetches carry no Origin header, where the nested frame's said "null".
    assert {origin for path, _, origin in _StudySite.requests if path == "/ping"} == {None}

    # Stored once: the same answer posted again is refused and changes nothing.
    again = client.post(
        urlsplit(turk_submit_to).path + "/mturk/externalSubmit",
        {"assignmentId": submitted.public_id, "answer": "green"},
    )
    assert again.status_code == 409
    assert Assignment.objects.get(pk=submitted.pk).answers == submitted.answers
    (listed,) = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert listed["AssignmentStatus"] == "Submitted"
    answer = "<QuestionIdentifier>answer</QuestionIdentifier><FreeText>blue</FreeText>"
    assert answer in listed["Answer"]
    assert ledger_problems() == []
    mturk.close()  # its kept-alive connection holds a server thread and its database session


def test_study_keeps_a_partitioned_cookie_where_third_party_cookies_are_blocked(
    context, live_server, client, study_site
):
    """The shared context blocks third-party cookies and storage, like an incognito window or
    Safari: the browser's rule, not the platform's. The page still has its own origin, keeps a
    Partitioned cookie, and submits."""
    hit, submitted, mturk, _ = _do_the_study(context, live_server, client, study_site)

    assert submitted.answers == {
        "answer": "blue",
        "origin": study_site,
        "cookies": "study_chips=c1",
        "storage": "blocked:SecurityError",
        "work_page": "blocked:SecurityError",
        "popup": "opened",
        "server_saw": "study_chips=c1",
    }
    mturk.close()


def _accept(context, live_server, client, url: str):
    """A worker accepts a one-task ExternalQuestion project framing `url`; return the page."""
    project = ProjectFactory(
        template_kind=TemplateKind.MTURK_QUESTION, template_html="", assignments_per_task=1
    )
    batch = PublishedBatchFactory(project=project, columns=[questions.QUESTION_INPUT])
    TaskFactory(batch=batch, input={questions.QUESTION_INPUT: external_question(url)})
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)
    page = context.new_page()
    page.goto(f"{live_server.url}/work/projects/{project.public_id}/")
    accept_previewed(page, and_next=True)
    return page


def test_hostile_page_gets_an_opaque_origin_in_a_task_frame_document(
    context, live_server, client, study_site
):
    page = _accept(context, live_server, client, f"{study_site}/hostile?to=frame")

    # Its own assignment's task frame document loads in its frame, the platform's URL, but
    # the document's own CSP sandbox (no allow-same-origin) wins over the frame's flags.
    [frame] = page.main_frame.child_frames
    wait_until(page, lambda: "/frame/?token=" in frame.url)
    frame.wait_for_load_state()
    assert frame.evaluate("self.origin") == "null"
    assert (
        frame.evaluate(
            "() => { try { return parent.document.title; } catch (e) { return e.name; } }"
        )
        == "SecurityError"
    )
    assert "csrftoken" not in frame.evaluate(
        "() => { try { return document.cookie; } catch (e) { return e.name; } }"
    )


def test_hostile_page_cannot_load_a_platform_page_in_its_frame(
    context, live_server, client, study_site
):
    page = _accept(context, live_server, client, f"{study_site}/hostile?to=history")

    [frame] = page.main_frame.child_frames
    wait_until(page, lambda: not frame.url.startswith(study_site))
    # X-Frame-Options: DENY: the browser shows its error page, never the worker's history.
    assert not frame.url.startswith(live_server.url)
    assert "/work/assignments/" in page.url


def test_page_of_the_platforms_own_host_stays_nested_without_an_origin(
    context, live_server, client
):
    project = ProjectFactory(
        template_kind=TemplateKind.EXTERNAL_PAGE,
        template_html="",
        template_config={"url_template": "/static/projects/external/demo.html?number=${n}"},
        assignments_per_task=1,
    )
    batch = PublishedBatchFactory(project=project, columns=["n"])
    TaskFactory(batch=batch, input={"n": "12"})
    worker = WorkerFactory()
    log_in(context, live_server, client, worker)
    page = context.new_page()
    page.goto(f"{live_server.url}/work/projects/{project.public_id}/")
    accept_previewed(page)

    assert page.locator("iframe#task-frame").get_attribute("sandbox") == "allow-forms allow-scripts"
    demo = page.frame_locator("iframe#task-frame").frame_locator("iframe.mw-external-question")
    expect(demo.locator("#number")).to_have_text("12")
    [inner] = [frame for frame in page.frames if "demo.html" in frame.url]
    assert inner.parent_frame.parent_frame == page.main_frame  # two levels
    assert inner.evaluate("self.origin") == "null"
    demo.locator("input[value='even']").check()
    demo.locator("#submit-button").click()

    # The answer's page, nested, told the relay, which told the work page.
    page.wait_for_url("**/work/history/")
    submitted = Assignment.objects.get(worker=worker)
    assert submitted.state == AssignmentState.SUBMITTED
    assert submitted.answers == {"parity": "even"}
