import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from django.urls import reverse

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes import ConfigInvalid, template_source
from microwork.projects.templating import AnswerInvalid, placeholders
from microwork.work import results, services
from microwork.work.enums import AssignmentState
from microwork.work.frame import frame_token
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory
from tests.projects.tasktypes.conftest import answer, parsed

KIND = TemplateKind.EXTERNAL_PAGE
URL = "https://tasks.example.org/task?item=${item_id}"
CONFIG = {
    "url_template": URL,
    "frame_height": 500,
    "answer_fields": "label | choice\nscore | number",
}


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"url_template": ""}, "url_template"),
        ({"url_template": "javascript:alert(1)"}, "url_template"),
        ({"url_template": "ftp://example.org/x"}, "url_template"),
        ({"url_template": "//example.org/x"}, "url_template"),
        ({"url_template": "https://${host}/x"}, "url_template"),
        ({"url_template": "https://example.org/${ x"}, "url_template"),
        ({"url_template": 'https://example.org/"><script>'}, "url_template"),
        ({"url_template": "https://user:pw@example.org/x"}, "url_template"),
        ({"url_template": URL, "frame_height": 10}, "frame_height"),
        ({"url_template": URL, "frame_height": "tall"}, "frame_height"),
        ({"url_template": URL, "answer_fields": "assignmentId | text"}, "answer_fields"),
        ({"url_template": URL, "answer_fields": "label | colour"}, "answer_fields"),
        ({"url_template": URL, "answer_fields": "a | text\na | text"}, "answer_fields"),
    ],
    ids=str,
)
def test_config_refuses_naming_the_field(config, field):
    with pytest.raises(ConfigInvalid) as raised:
        parsed(KIND, config)

    assert raised.value.field == field


def test_config_is_normalised_with_defaults():
    assert parsed(KIND, {"url_template": " /static/demo.html?n=${n} "}) == {
        "url_template": "/static/demo.html?n=${n}",
        "frame_height": 600,
        "answer_fields": [],
    }
    assert parsed(KIND, CONFIG)["answer_fields"] == [
        {"name": "label", "kind": "choice"},
        {"name": "score", "kind": "number"},
    ]


@override_settings(HTTPS=True, DEBUG=False)
def test_production_refuses_plain_http_pages():
    with pytest.raises(ConfigInvalid, match="https://") as raised:
        parsed(KIND, {"url_template": "http://example.org/task"})

    assert raised.value.field == "url_template"
    assert parsed(KIND, {"url_template": URL})["url_template"] == URL


@override_settings(HTTPS=False, DEBUG=False)
def test_development_and_tests_allow_plain_http_pages():
    url = "http://127.0.0.1:8000/task?i=${i}"

    assert parsed(KIND, {"url_template": url})["url_template"] == url


def test_required_columns_are_the_url_placeholders():
    source = template_source(KIND, "", {"url_template": "https://e.org/${a}/x?b=${b}&c=${a}"})

    assert placeholders(source) == ["a", "b"]


def test_declared_answers_are_checked_and_others_dropped():
    posted = {"label": ["cat"], "score": ["4.5"], "extra": ["x"], "hitId": ["H"]}

    assert answer(KIND, CONFIG, posted) == {"label": "cat", "score": 4.5}
    assert answer(KIND, CONFIG, {"label": ["cat"], "score": ["3"]}) == {"label": "cat", "score": 3}


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        ({"score": ["3"]}, "label", "label: this answer is required"),
        ({"label": [""], "score": ["3"]}, "label", "label: this answer is required"),
        ({"label": ["a", "b"], "score": ["3"]}, "label", "label: give one answer only"),
        ({"label": ["a"], "score": ["three"]}, "score", "score: give a number"),
        ({"label": ["a"], "score": ["nan"]}, "score", "score: give a number"),
        ({"label": ["a"], "score": ["inf"]}, "score", "score: give a number"),
        ({"label": ["x" * 10_001], "score": ["1"]}, "label", "label: the answer is too long"),
    ],
    ids=str,
)
def test_bad_declared_answers_are_refused_naming_the_field(posted, field, message):
    with pytest.raises(AnswerInvalid, match=message) as raised:
        answer(KIND, CONFIG, posted)

    assert raised.value.field == field


def test_undeclared_answers_keep_what_the_page_posts():
    config = {"url_template": URL}

    assert answer(KIND, config, {"a": ["1"], "tags": ["x", "y"], "hitId": ["H"]}) == {
        "a": "1",
        "tags": ["x", "y"],
    }
    with pytest.raises(AnswerInvalid):
        answer(KIND, config, {"assignmentId": ["A"]})  # nothing but the platform's fields


@pytest.fixture
def external_assignment(make_assignment):
    return make_assignment(KIND, CONFIG, {"item_id": "a b&c/d"})


def test_work_frame_frames_the_page_with_the_mturk_parameters(client, external_assignment):
    assignment = external_assignment

    response = client.get(
        reverse("work:assignment-frame", args=[assignment.public_id]),
        {"token": frame_token(assignment.public_id)},
    )

    assert response.status_code == 200
    html = response.content.decode()
    src = html.split('class="mw-external-question" src="')[1].split('"')[0].replace("&amp;", "&")
    parts = urlsplit(src)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://tasks.example.org/task"
    assert query["item"] == ["a b&c/d"]
    assert query["assignmentId"] == [assignment.public_id]
    assert query["hitId"] == [assignment.task.public_id]
    assert query["workerId"] == [assignment.worker.worker_id]
    token = frame_token(assignment.public_id)
    assert query["turkSubmitTo"] == [f"http://testserver/mturk/t/{token}"]
    assert 'height="500"' in html
    policy = response["Content-Security-Policy"]
    # The page, and turkSubmitTo's origin: its answer loads in the same frame.
    assert "frame-src https://tasks.example.org http://testserver;" in policy
    assert "sandbox allow-forms allow-scripts" in policy
    assert "frame-ancestors 'self'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert '<script src="/static/work/frame-relay.js">' in html


def test_preview_frame_says_no_assignment_and_gives_no_submit_address(client, requester):
    project = ProjectFactory(
        requester=requester, template_kind=KIND, template_html="", template_config=CONFIG
    )
    batch = BatchFactory(project=project, columns=["item_id"])
    task = TaskFactory(batch=batch, input={"item_id": "7"})
    client.force_login(requester)

    response = client.get(reverse("projects:batch-preview-frame", args=[batch.pk]))

    html = response.content.decode().replace("&amp;", "&")
    query = parse_qs(urlsplit(html.split('src="')[1].split('"')[0]).query)
    assert query == {
        "item": ["7"],
        "assignmentId": ["ASSIGNMENT_ID_NOT_AVAILABLE"],
        "hitId": [task.public_id],
    }


def test_other_pages_do_not_allow_the_external_origin(client, external_assignment):
    project = ProjectFactory(template_kind=TemplateKind.CUSTOM_HTML)
    other = TaskFactory(batch=BatchFactory(project=project))
    from tests.work.factories import AssignmentFactory

    assignment = AssignmentFactory(task=other)
    response = client.get(
        reverse("work:assignment-frame", args=[assignment.public_id]),
        {"token": frame_token(assignment.public_id)},
    )

    assert "tasks.example.org" not in response["Content-Security-Policy"]
    assert "frame-src" not in response["Content-Security-Policy"]


def test_platform_page_is_framed_from_the_platform_origin(client, make_assignment):
    config = {"url_template": "/static/projects/external/demo.html?number=${n}"}
    assignment = make_assignment(KIND, config, {"n": "12"})

    response = client.get(
        reverse("work:assignment-frame", args=[assignment.public_id]),
        {"token": frame_token(assignment.public_id)},
    )

    assert "frame-src http://testserver;" in response["Content-Security-Policy"]
    assert 'src="/static/projects/external/demo.html?number=12&amp;assignmentId=' in (
        response.content.decode()
    )


def test_page_submits_through_turk_submit_to_and_results_export(client, external_assignment):
    assignment = external_assignment
    token = frame_token(assignment.public_id)
    submit = f"/mturk/t/{token}/mturk/externalSubmit"

    refused = client.post(submit, {"assignmentId": assignment.public_id, "label": "cat"})
    assignment.refresh_from_db()
    assert refused.status_code == 409
    assert assignment.state == AssignmentState.ACCEPTED
    assert not assignment.answers

    accepted = client.post(
        submit,
        {"assignmentId": assignment.public_id, "hitId": "x", "label": "cat", "score": "2"},
    )
    assignment.refresh_from_db()
    assert accepted.status_code == 200
    # Shown in a frame inside the sandboxed (opaque-origin) task frame, which frame-ancestors
    # 'self' or X-Frame-Options would refuse; work/frame-relay.js passes its message on.
    for response in (refused, accepted):
        assert "frame-ancestors" not in response["Content-Security-Policy"]
        assert "sandbox allow-forms allow-scripts" in response["Content-Security-Policy"]
        assert not response.has_header("X-Frame-Options")
    assert 'data-type="microwork:submitted"' in accepted.content.decode()
    assert assignment.state == AssignmentState.SUBMITTED
    assert assignment.answers == {"label": "cat", "score": 2}
    csv_text = "".join(results.results_csv(assignment.task.batch))
    header, row = csv_text.splitlines()[:2]
    assert header.endswith("Input.item_id,Answer.label,Answer.score,RequesterFeedback")
    assert row.endswith("a b&c/d,cat,2,")
    jsonl = json.loads(next(results.results_jsonl(assignment.task.batch)))
    assert jsonl["Answer"] == {"label": "cat", "score": 2}


def test_submission_with_a_wrong_token_changes_nothing(client, external_assignment):
    assignment = external_assignment
    submit = f"/mturk/t/{'0' * 64}/mturk/externalSubmit"

    response = client.post(submit, {"assignmentId": assignment.public_id, "label": "cat"})

    assignment.refresh_from_db()
    assert response.status_code == 403
    assert assignment.state == AssignmentState.ACCEPTED
    assert not assignment.answers
    with pytest.raises(services.WorkRefused):
        services.assignment_submit(assignment=assignment, fields={"score": ["1"]})


@pytest.mark.parametrize("config", [{"url_template": URL}, CONFIG], ids=["any", "declared"])
def test_a_parsed_config_parses_to_itself(config):
    once = parsed(KIND, config)

    assert parsed(KIND, once) == once
