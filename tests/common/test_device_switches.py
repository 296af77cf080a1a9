"""The switches of the hot path's performance devices (docs/adr/0018), read by settings.py from
the environment: Django's own PostgreSQL backend, and Django's own ways instead of the compiled
queries, save_fields() and the fixed addresses; a worker's loop is the same with them off."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from microwork import settings as microwork_settings
from microwork.work.frame import frame_token
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory

SHOW = (
    "import json; from django.conf import settings as s; db = s.DATABASES['default']; print("
    "json.dumps([db['ENGINE'], db.get('OPTIONS', {}).get('prepare_threshold', 'unset'), "
    "s.MICROWORK_COMPILED_QUERIES, s.MICROWORK_COMPILED_UPDATES, s.MICROWORK_FIXED_URLS]))"
)
SWITCHES = [
    "MICROWORK_DB_BACKEND",
    "MICROWORK_DB_PREPARE_THRESHOLD",
    "MICROWORK_COMPILED_QUERIES",
    "MICROWORK_COMPILED_UPDATES",
    "MICROWORK_FIXED_URLS",
]
POSTGRESQL = "postgres://postgres@127.0.0.1:5432/test"


def _settings_with(tmp_path, **environ) -> list:
    """What settings.py makes of these variables, in a process of its own."""
    env = {k: v for k, v in os.environ.items() if k not in SWITCHES and k != "DATABASE_URL"}
    env |= {"DJANGO_SETTINGS_MODULE": "microwork.settings", "MICROWORK_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", SHOW], env=env | environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_postgresql_backend_is_microworks_unless_told_stock():
    assert microwork_settings._postgresql_engine("") == "microwork.common.postgresql"
    assert microwork_settings._postgresql_engine("microwork") == "microwork.common.postgresql"
    assert microwork_settings._postgresql_engine(" stock ") == "django.db.backends.postgresql"
    with pytest.raises(ImproperlyConfigured, match="MICROWORK_DB_BACKEND must be microwork or"):
        microwork_settings._postgresql_engine("django")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"DATABASE_URL": POSTGRESQL}, ["microwork.common.postgresql", 2, True, True, True]),
        (
            {"DATABASE_URL": POSTGRESQL, "MICROWORK_DB_PREPARE_THRESHOLD": "0"},
            ["microwork.common.postgresql", None, True, True, True],
        ),
        (
            {"DATABASE_URL": POSTGRESQL, "MICROWORK_DB_BACKEND": "stock"},
            ["django.db.backends.postgresql", "unset", True, True, True],
        ),
        (
            {"MICROWORK_COMPILED_QUERIES": "0", "MICROWORK_FIXED_URLS": "off"},
            ["django.db.backends.sqlite3", "unset", False, False, False],
        ),
        (
            {"MICROWORK_COMPILED_UPDATES": "no"},
            ["django.db.backends.sqlite3", "unset", True, False, True],
        ),
    ],
    ids=["default", "unprepared", "stock", "all-off", "updates-off"],
)
def test_settings_read_the_switches_from_the_environment(tmp_path, environ, expected):
    assert _settings_with(tmp_path, **environ) == expected


ALL_OFF = {
    "MICROWORK_COMPILED_QUERIES": False,
    "MICROWORK_COMPILED_UPDATES": False,
    "MICROWORK_FIXED_URLS": False,
}
# What differs between two workers' loops whatever the devices: ids, tokens, the CSRF token,
# the deadline and the time left.
_PER_LOOP = re.compile(
    r"(csrfmiddlewaretoken\" value=\"|token=|/assignments/|data-[a-z-]*id=\"|"
    r"Your worker ID\">|data-deadline=\"|data-seconds-left=\"|role=\"timer\">)[^\"&/<]+"
)


def _loop(client: Client, project) -> tuple:
    """Accept, the work page, the frame's submit: what the worker sees and what is stored."""
    accepted = client.post(reverse("work:project-accept", args=[project.public_id]))
    public_id = accepted.url.rstrip("/").split("/")[-1]
    page = client.get(accepted.url)
    submitted = Client().post(
        reverse("work:submit"),
        {"assignmentId": public_id, "mw_token": frame_token(public_id), "answer": "ok"},
    )
    stored = Assignment.objects.get(public_id=public_id)
    return (
        accepted.status_code,
        _PER_LOOP.sub(r"\1…", accepted.url),
        page.status_code,
        _PER_LOOP.sub(r"\1…", page.content.decode()).replace(project.public_id, "…"),
        submitted.status_code,
        (stored.state, stored.answers, stored.submitted_at is not None, stored.work_seconds),
    )


@pytest.mark.django_db
def test_a_workers_loop_is_the_same_with_the_devices_off(settings):
    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=2))
    TaskFactory(batch=batch, input={"text": "the same sentence"})
    on, off = Client(), Client()
    on.force_login(WorkerFactory(email="on@example.org"))
    off.force_login(WorkerFactory(email="off@example.org"))

    seen_on = _loop(on, batch.project)
    for name, value in ALL_OFF.items():
        setattr(settings, name, value)
    seen_off = _loop(off, batch.project)

    assert seen_off == seen_on
    assert seen_on[-1] == ("submitted", {"answer": "ok"}, True, 0)
