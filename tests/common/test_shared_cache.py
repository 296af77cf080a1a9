"""MICROWORK_CACHE_URL (docs/adr/0014): sessions read from a shared Redis cache.

The Redis tests use MICROWORK_TEST_REDIS_URL (default redis://127.0.0.1:6379/15, a database
they flush). They are skipped when no Redis answers there, unless that variable is set: .ci/run
sets it, so CI fails instead of skipping them.
"""

import os

import pytest
from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from microwork import settings as microwork_settings
from microwork.accounts.models import Session

REDIS_URL = os.environ.get("MICROWORK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_caches_default_to_one_per_process():
    assert microwork_settings._caches("") == {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fragments",
        },
    }


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://cache.example.org:6380/1"])
def test_caches_on_redis(url):
    assert microwork_settings._caches(url) == {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "microwork",
        },
        "fragments": {  # rendered fragments stay in each process's memory
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fragments",
        },
    }


@pytest.mark.parametrize("url", ["memcached://127.0.0.1:11211", "127.0.0.1:6379"])
def test_caches_refuse_what_is_not_redis(url):
    with pytest.raises(ImproperlyConfigured, match="MICROWORK_CACHE_URL must start with redis"):
        microwork_settings._caches(url)


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def shared_cache(settings):
    if not _redis_answers():
        if "MICROWORK_TEST_REDIS_URL" in os.environ:
            pytest.fail(f"no Redis answers at MICROWORK_TEST_REDIS_URL={REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.CACHES = microwork_settings._caches(REDIS_URL)
    settings.SESSION_ENGINE = "microwork.accounts.sessions.cached_db"
    cache.clear()
    yield
    cache.clear()


def _session_reads(queries) -> list[str]:
    return [query["sql"] for query in queries if "accounts_session" in query["sql"]]


@pytest.mark.django_db
def test_a_page_reads_the_session_from_the_shared_cache(shared_cache, worker):
    client = Client()
    client.force_login(worker)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("work:history"))

    assert response.status_code == 200
    assert response.context["user"] == worker
    assert _session_reads(queries) == []


@pytest.mark.django_db
def test_a_session_outlives_a_flushed_cache(shared_cache, worker):
    client = Client()
    client.force_login(worker)
    cache.clear()  # Redis restarted without its data

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("work:history"))

    assert response.status_code == 200
    assert response.context["user"] == worker
    assert len(_session_reads(queries)) == 1  # read back from the database, then cached again
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("work:history"))
    assert _session_reads(queries) == []


@pytest.mark.django_db
def test_logging_out_ends_the_session_for_every_server(shared_cache, worker):
    # Two clients with the same cookie stand for two app servers behind a proxy: the log-out
    # on one must end the session on the other, so it may not linger in anyone's cache.
    first = Client()
    first.force_login(worker)
    second = Client()
    session_key = first.cookies[settings.SESSION_COOKIE_NAME].value
    second.cookies[settings.SESSION_COOKIE_NAME] = session_key  # a copy, not the same jar
    assert second.get(reverse("work:history")).status_code == 200

    first.post(reverse("accounts:logout"))
    response = second.get(reverse("work:history"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert cache.get(cached_db.KEY_PREFIX + session_key) is None
    assert not Session.objects.filter(session_key=session_key).exists()
