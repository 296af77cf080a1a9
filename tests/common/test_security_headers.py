"""Framing and script policy on platform pages versus the sandboxed task frame."""

import pytest
from django.urls import reverse

from microwork.work.frame import frame_token
from tests.work.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def test_platform_pages_refuse_to_be_framed_and_run_no_inline_code(client):
    response = client.get(reverse("accounts:login"))

    assert response["X-Frame-Options"] == "DENY"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy


def test_task_frame_may_be_framed_by_the_platform_only(client):
    assignment = AssignmentFactory()

    response = client.get(
        reverse("work:assignment-frame", args=[assignment.public_id]),
        {"token": frame_token(assignment.public_id)},
    )

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Security-Policy"].startswith("sandbox allow-forms allow-scripts;")
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


def test_frame_submit_answer_page_may_be_framed_by_the_platform_only(client):
    assignment = AssignmentFactory()

    response = client.post(
        reverse("work:submit"),
        {
            "assignmentId": assignment.public_id,
            "mw_token": frame_token(assignment.public_id),
            "answer": "x",
        },
    )

    assert response.status_code == 200
    assert response["X-Frame-Options"] == "SAMEORIGIN"
