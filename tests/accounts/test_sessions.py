"""accounts/sessions/: Django's session engines, with the row read by a compiled query."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone

from microwork.accounts.sessions import cached_db, db

ENGINES = [db.SessionStore, cached_db.SessionStore]


def test_the_platform_reads_sessions_through_its_own_engine():
    assert settings.SESSION_ENGINE in (
        "microwork.accounts.sessions.db",
        "microwork.accounts.sessions.cached_db",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("engine", ENGINES)
def test_a_saved_session_loads_back_from_the_database(engine):
    saved = engine()
    saved["cart"] = {"tasks": [1, 2]}
    saved.save()
    cache.clear()

    loaded = engine(session_key=saved.session_key)

    assert loaded["cart"] == {"tasks": [1, 2]}
    assert loaded.session_key == saved.session_key


@pytest.mark.django_db
@pytest.mark.parametrize("engine", ENGINES)
def test_an_expired_or_unknown_session_loads_empty_and_drops_its_key(engine):
    saved = engine()
    saved["cart"] = "full"
    saved.save()
    Session.objects.filter(session_key=saved.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    cache.clear()

    expired = engine(session_key=saved.session_key)
    unknown = engine(session_key="nosuchsessionkey0000000000000000")

    assert expired.load() == {} and expired.session_key is None
    assert unknown.load() == {} and unknown.session_key is None
    assert (
        Session.objects.filter(session_key=saved.session_key).count() == 1
    )  # left to clearsessions
