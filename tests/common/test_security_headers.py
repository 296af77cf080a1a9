"""Framing and script policy on platform pages versus the sandboxed task frame."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse

import microwork
from microwork.common.csp import PLATFORM_POLICY
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


def test_admin_pages_carry_the_platforms_policy(client):
    from tests.accounts.factories import UserFactory

    staff = UserFactory(role="requester", is_staff=True, is_superuser=True)
    anonymous = client.get(reverse("admin:login"))
    client.force_login(staff)
    pages = [
        client.get(reverse("admin:index")),
        client.get(reverse("admin:accounts_user_changelist")),
        client.get(reverse("admin:accounts_user_change", args=[staff.pk])),
    ]

    for response in [anonymous, *pages]:
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == PLATFORM_POLICY
        assert b"<script>" not in response.content  # none inline: the policy would stop it


def _settings_of(tmp_path, **environ) -> dict:
    show = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROWORK_")}
    env |= {"DJANGO_SETTINGS_MODULE": "microwork.settings", "MICROWORK_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", show], env=env | environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_production_cookies_are_host_prefixed(tmp_path):
    production = _settings_of(
        tmp_path, MICROWORK_HTTPS="1", MICROWORK_SECRET_KEY="k" * 64, MICROWORK_ALLOWED_HOSTS="x"
    )
    embedded = _settings_of(tmp_path)

    assert production == ["__Host-sessionid", "__Host-csrftoken", True]
    assert embedded == ["sessionid", "csrftoken", False]


def test_security_txt_names_a_contact_and_an_expiry_under_a_year(client, settings):
    settings.MICROWORK_SECURITY_CONTACT = "mailto:security@microwork.example"

    response = client.get("/.well-known/security.txt")
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert fields["Contact"] == "mailto:security@microwork.example"
    expires = datetime.fromisoformat(fields["Expires"])
    assert timedelta(days=179) < expires - datetime.now(UTC) <= timedelta(days=180)
    assert fields["Canonical"] == "http://testserver/.well-known/security.txt"
    assert fields["Preferred-Languages"] == "en, fr"


def test_the_favicon_is_linked_by_pages_and_found_at_its_usual_address(client):
    page = client.get(reverse("accounts:login")).content.decode()
    icon = client.get("/favicon.ico")

    assert '<link rel="icon" type="image/svg+xml" href="/static/microwork/favicon.svg">' in page
    assert (icon.status_code, icon["Location"]) == (301, "/static/microwork/favicon.svg")
    assert (Path(microwork.__file__).parent / "common/static/microwork/favicon.svg").is_file()
