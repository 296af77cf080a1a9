import pytest

from microwork.work.frame import (
    PREVIEW_ASSIGNMENT_ID,
    frame_policy,
    frame_token,
    frame_token_is_valid,
    render_frame_document,
)
from tests.projects.factories import ImageProjectFactory, ProjectFactory
from tests.work.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

XSS = '"><script>alert(1)</script>'


def test_frame_token_is_valid_only_for_its_assignment():
    token = frame_token("A" * 30)

    assert frame_token_is_valid("A" * 30, token)
    assert not frame_token_is_valid("B" * 30, token)
    assert not frame_token_is_valid("A" * 30, "")
    tampered = token[:-1] + ("1" if token.endswith("0") else "0")  # one character off
    assert not frame_token_is_valid("A" * 30, tampered)


def test_frame_policy_sandboxes_and_forbids_fetch():
    policy = frame_policy()

    assert policy.startswith("sandbox allow-forms allow-scripts;")
    assert "allow-same-origin" not in policy
    assert "connect-src 'none'" in policy
    assert "form-action 'self'" in policy


def test_render_frame_document_preview_has_no_token_and_a_disabled_submit():
    project = ProjectFactory()

    response = render_frame_document(project=project, task_input={"text": "Hello there"})

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == frame_policy()
    assert response["Cache-Control"] == "no-store"
    assert html.startswith("<!doctype html>")
    assert '<meta charset="utf-8">' in html
    assert 'name="viewport"' in html
    assert "/static/work/frame.css" in html
    assert f'<input type="hidden" name="assignmentId" value="{PREVIEW_ASSIGNMENT_ID}">' in html
    assert '<input type="hidden" name="mw_token" value="">' in html
    assert "<p>Hello there</p>" in html
    assert '<input type="text" name="answer">' in html
    assert '<button type="submit" disabled>' in html
    assert "Preview: accept the task to answer" in html


def test_render_frame_document_for_assignment_carries_id_token_and_action():
    assignment = AssignmentFactory()
    project = assignment.task.batch.project

    response = render_frame_document(
        project=project,
        task_input=assignment.task.input,
        assignment=assignment,
        submit_url="/work/submit/",
        preview=False,
    )

    html = response.content.decode()
    assert '<form method="post" action="/work/submit/" class="mw-task-form">' in html
    assert f'name="assignmentId" value="{assignment.public_id}"' in html
    assert f'name="mw_token" value="{frame_token(assignment.public_id)}"' in html
    assert '<button type="submit">' in html
    assert "Preview: accept" not in html


def test_render_frame_document_escapes_input_values():
    project = ProjectFactory(template_html='<p title="${text}">${text}</p><input name="a">')

    response = render_frame_document(project=project, task_input={"text": XSS})

    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert (
        '<p title="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">'
        "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    ) in html


def test_render_frame_document_keeps_requester_html_as_is():
    project = ProjectFactory(template_html='<script>var x = "${text}";</script><input name="a">')

    response = render_frame_document(project=project, task_input={"text": "hi"})

    assert '<script>var x = "hi";</script>' in response.content.decode()


def test_render_frame_document_renders_image_classification_template():
    project = ImageProjectFactory()

    response = render_frame_document(
        project=project, task_input={"image_url": "https://example.org/cat.jpg"}
    )

    html = response.content.decode()
    assert '<img src="https://example.org/cat.jpg"' in html
    assert '<input type="radio" name="label" value="cat" required>' in html
    assert '<input type="radio" name="label" value="dog" required>' in html
