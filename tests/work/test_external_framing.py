"""How the work page and the preview page frame a requester's page (work/frame.py,
direct_frame): a page on a host of its own directly, with an origin of its own; a page of the
platform's own host nested in the origin-less task frame, as before."""

import re
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import pytest
from django.test import override_settings
from django.urls import reverse

from microwork.common.csp import PLATFORM_POLICY, STATIC_DOCUMENT_POLICY, platform_policy
from microwork.projects import questions
from microwork.projects.enums import TemplateKind
from microwork.work.enums import AssignmentState
from microwork.work.frame import (
    EXTERNAL_SANDBOX,
    REPLY_POLICY,
    SANDBOX,
    frame_token,
    is_platform_host,
)
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

STUDY = "https://study.example.org:8443"


def _external_question(url: str) -> str:
    namespace = next(iter(questions.NAMESPACES["ExternalQuestion"]))
    return (
        f'<ExternalQuestion xmlns="{namespace}"><ExternalURL>{escape(url)}</ExternalURL>'
        "<FrameHeight>450</FrameHeight></ExternalQuestion>"
    )


def _task(kind: str, *, url: str):
    if kind == TemplateKind.MTURK_QUESTION:
        config, row = {}, {questions.QUESTION_INPUT: _external_question(url)}
    else:
        config, row = {"url_template": url + "${item}", "frame_height": 450}, {"item": "7"}
    project = ProjectFactory(
        template_kind=kind, template_html="", template_config=config, assignments_per_task=1
    )
    batch = PublishedBatchFactory(project=project, columns=list(row))
    return TaskFactory(batch=batch, input=row)


def _work_page(client, assignment):
    client.force_login(assignment.worker)
    return client.get(reverse("work:assignment-detail", args=[assignment.public_id]))


def _iframe(html: str) -> dict:
    """The attributes of the page's one iframe."""
    tag = html[html.index("<iframe ") : html.index("></iframe>")]
    return {
        name: value.replace("&amp;", "&") for name, value in re.findall(r'([\w-]+)="([^"]*)"', tag)
    }


@pytest.mark.parametrize("kind", [TemplateKind.MTURK_QUESTION, TemplateKind.EXTERNAL_PAGE])
def test_page_on_another_host_is_framed_directly_with_its_own_origin(client, kind):
    assignment = AssignmentFactory(task=_task(kind, url=f"{STUDY}/study?arm=b&item="))

    response = _work_page(client, assignment)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<iframe ") == 1
    frame = _iframe(html)
    assert frame["sandbox"] == EXTERNAL_SANDBOX
    assert frame["sandbox"] == (
        "allow-forms allow-scripts allow-same-origin allow-popups "
        "allow-popups-to-escape-sandbox allow-modals"
    )
    assert frame["referrerpolicy"] == "origin"
    assert frame["height"] == "450"
    assert frame["data-direct"] == "1"
    src = urlsplit(frame["src"])
    assert f"{src.scheme}://{src.netloc}{src.path}" == f"{STUDY}/study"
    token = frame_token(assignment.public_id)
    query = parse_qs(src.query)
    expected = {
        "assignmentId": [assignment.public_id],
        "hitId": [assignment.task.public_id],
        "workerId": [assignment.worker.worker_id],
        "turkSubmitTo": [f"http://testserver/mturk/t/{token}"],
    }
    if kind == TemplateKind.MTURK_QUESTION:
        assert query == {"arm": ["b"], **expected}
    else:
        assert query == {"arm": ["b"], "item": ["7"], **expected}
    # That exact origin, in this response only; the rest of the policy is the platform's.
    assert response["Content-Security-Policy"] == platform_policy(frame_sources=(STUDY,))
    assert f"frame-src 'self' {STUDY};" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
    assert response["X-Frame-Options"] == "DENY"
    history = client.get(reverse("work:history"))
    assert history["Content-Security-Policy"] == PLATFORM_POLICY
    assert history["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "url",
    [
        "/static/projects/external/demo.html?n=",  # a page of the platform
        "http://testserver/static/projects/external/demo.html?n=",  # the same, written in full
        "https://TestServer:8443/page?n=",  # another scheme and port of the platform's host
    ],
)
@pytest.mark.parametrize("kind", [TemplateKind.MTURK_QUESTION, TemplateKind.EXTERNAL_PAGE])
def test_page_of_the_platforms_host_stays_nested_without_an_origin(client, kind, url):
    if kind == TemplateKind.MTURK_QUESTION and url.startswith("/"):
        pytest.skip("an ExternalURL is a full address")
    assignment = AssignmentFactory(task=_task(kind, url=url))

    response = _work_page(client, assignment)

    frame = _iframe(response.content.decode())
    assert frame["sandbox"] == SANDBOX == "allow-forms allow-scripts"
    assert "referrerpolicy" not in frame
    assert "data-direct" not in frame
    frame_url = reverse("work:assignment-frame", args=[assignment.public_id])
    assert frame["src"].startswith(f"{frame_url}?token={frame_token(assignment.public_id)}")
    assert response["Content-Security-Policy"] == PLATFORM_POLICY
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # The task frame around it is sandboxed by its own CSP: no allow-same-origin anywhere.
    inner = client.get(frame["src"])
    assert inner["Content-Security-Policy"].startswith("sandbox allow-forms allow-scripts;")
    assert "allow-same-origin" not in inner["Content-Security-Policy"]
    assert 'class="mw-external-question"' in inner.content.decode()


def test_preview_frames_a_page_on_another_host_directly_without_an_assignment(client):
    task = _task(TemplateKind.MTURK_QUESTION, url=f"{STUDY}/study")
    client.force_login(WorkerFactory())

    response = client.get(reverse("work:project-preview", args=[task.batch.project.public_id]))

    assert response.status_code == 200
    frame = _iframe(response.content.decode())
    assert frame["sandbox"] == EXTERNAL_SANDBOX
    assert "data-direct" in frame
    assert parse_qs(urlsplit(frame["src"]).query) == {
        "assignmentId": ["ASSIGNMENT_ID_NOT_AVAILABLE"],
        "hitId": [task.public_id],
    }
    assert response["Content-Security-Policy"] == platform_policy(frame_sources=(STUDY,))


def test_preview_of_a_platform_page_stays_nested(client):
    task = _task(TemplateKind.EXTERNAL_PAGE, url="/static/projects/external/demo.html?n=")
    client.force_login(WorkerFactory())

    response = client.get(reverse("work:project-preview", args=[task.batch.project.public_id]))

    frame = _iframe(response.content.decode())
    assert frame["sandbox"] == SANDBOX
    assert frame["src"] == reverse(
        "work:project-preview-frame", args=[task.batch.project.public_id]
    )
    assert response["Content-Security-Policy"] == PLATFORM_POLICY


def test_closed_assignment_frames_nothing_and_allows_no_origin(client):
    assignment = AssignmentFactory(task=_task(TemplateKind.MTURK_QUESTION, url=f"{STUDY}/s"))
    assignment.state = AssignmentState.RETURNED
    assignment.save(update_fields=["state"])

    response = _work_page(client, assignment)

    assert "<iframe" not in response.content.decode()
    assert "study.example.org" not in response.content.decode()
    assert response["Content-Security-Policy"] == PLATFORM_POLICY


def test_another_workers_assignment_is_404_and_shows_no_page(client):
    assignment = AssignmentFactory(task=_task(TemplateKind.MTURK_QUESTION, url=f"{STUDY}/s"))
    client.force_login(WorkerFactory())

    response = client.get(reverse("work:assignment-detail", args=[assignment.public_id]))

    assert response.status_code == 404
    assert "study.example.org" not in response.content.decode()
    assert "study.example.org" not in response["Content-Security-Policy"]


def test_work_page_sends_anonymous_to_log_in_and_refuses_a_requester(client):
    assignment = AssignmentFactory(task=_task(TemplateKind.MTURK_QUESTION, url=f"{STUDY}/s"))
    url = reverse("work:assignment-detail", args=[assignment.public_id])

    anonymous = client.get(url)
    client.force_login(RequesterFactory())
    requester = client.get(url)

    assert anonymous.status_code == 302
    assert anonymous.url == f"{reverse('accounts:login')}?next={url}"
    assert requester.status_code == 403
    assert "study.example.org" not in requester.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "https://exa_mple.org/study",  # not a host a CSP source may name as it is
        "https://study.example.org:99999/study",  # no such port
    ],
)
def test_address_that_cannot_be_a_csp_source_stays_nested(client, url):
    assignment = AssignmentFactory(task=_task(TemplateKind.MTURK_QUESTION, url=url))

    response = _work_page(client, assignment)

    assert _iframe(response.content.decode())["sandbox"] == SANDBOX
    assert response["Content-Security-Policy"] == PLATFORM_POLICY


@override_settings(ALLOWED_HOSTS=["work.example.org"])
def test_is_platform_host_goes_by_host_and_the_cookie_domain(rf):
    request = rf.get("/", HTTP_HOST="work.example.org:8000")

    assert is_platform_host("/static/x.html", request=request)
    assert is_platform_host("https://WORK.example.org/x", request=request)
    assert is_platform_host("http://work.example.org:9000/x", request=request)
    assert not is_platform_host("https://study.example.org/x", request=request)
    assert not is_platform_host("https://example.org/x", request=request)
    with override_settings(SESSION_COOKIE_DOMAIN=".example.org"):
        assert is_platform_host("https://study.example.org/x", request=request)
        assert is_platform_host("https://example.org/x", request=request)
        assert not is_platform_host("https://example.com/x", request=request)


def test_external_submit_reply_keeps_the_platforms_origin_and_is_framable(client):
    assignment = AssignmentFactory(task=_task(TemplateKind.MTURK_QUESTION, url=f"{STUDY}/s"))
    submit = f"/mturk/t/{frame_token(assignment.public_id)}/mturk/externalSubmit"

    accepted = client.post(submit, {"assignmentId": assignment.public_id, "answer": "blue"})
    again = client.post(submit, {"assignmentId": assignment.public_id, "answer": "green"})

    assignment.refresh_from_db()
    assert (accepted.status_code, again.status_code) == (200, 409)
    assert assignment.state == AssignmentState.SUBMITTED
    assert assignment.answers == {"answer": "blue"}
    for response in (accepted, again):
        assert response["Content-Security-Policy"] == REPLY_POLICY
        assert not response.has_header("X-Frame-Options")
        assert '<script src="/static/work/frame-done.js"></script>' in response.content.decode()
        assert "<script>" not in response.content.decode()  # the CSP allows no inline script
    assert REPLY_POLICY.startswith("sandbox allow-forms allow-scripts allow-same-origin;")
    assert "script-src 'self';" in REPLY_POLICY
    assert "frame-ancestors" not in REPLY_POLICY
    assert 'data-type="microwork:submitted"' in accepted.content.decode()
    assert 'data-type="microwork:refused"' in again.content.decode()


def test_static_pages_are_sandboxed_and_other_static_files_not(client):
    page = client.get("/static/projects/external/demo.html")
    script = client.get("/static/projects/external/demo.js")

    assert page.status_code == script.status_code == 200
    assert page["Content-Security-Policy"] == STATIC_DOCUMENT_POLICY
    assert STATIC_DOCUMENT_POLICY == "sandbox allow-forms allow-scripts"
    assert not script.has_header("Content-Security-Policy")
