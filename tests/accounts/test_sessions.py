"""accounts/sessions/: Django's session engines on a table that keeps each session's user, read
with the session by one compiled query."""

import importlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from microwork.accounts.models import Session, User
from microwork.accounts.sessions import cached_db, db, request_session, user_read_with_session
from tests.accounts.factories import PASSWORD, WorkerFactory

ENGINES = [db.SessionStore, cached_db.SessionStore]


def _anonymous_session(engine):
    saved = engine()
    saved["cart"] = "full"
    saved.save()
    return saved


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
    saved = _anonymous_session(engine)
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


@pytest.mark.django_db
def test_logging_in_saves_the_user_with_the_session_and_logging_out_deletes_it(client, worker):
    response = client.post(
        reverse("accounts:login"), {"username": worker.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    key = client.cookies["sessionid"].value

    assert Session.objects.get(session_key=key).user_id == worker.pk
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("engine", ENGINES)
def test_a_session_without_a_signed_in_user_has_none(engine):
    saved = _anonymous_session(engine)

    assert Session.objects.get(session_key=saved.session_key).user_id is None


@pytest.mark.django_db
def test_a_signed_in_request_reads_its_session_and_its_user_in_one_query(client, worker):
    client.force_login(worker)
    cache.clear()

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("work:history"))

    assert response.status_code == 200
    assert response.context["user"] == worker
    reads = [q["sql"] for q in queries if "accounts_session" in q["sql"]]
    assert len(reads) == 1
    assert '"accounts_user"' in reads[0]
    assert not [q for q in queries if q["sql"].startswith('SELECT "accounts_user"')]


@pytest.mark.django_db
def test_the_user_read_with_the_session_is_checked_as_djangos_own(client, worker):
    client.force_login(worker)
    changed = User.objects.get(pk=worker.pk)
    changed.set_password("another password entirely")
    changed.save()

    response = client.get(reverse("work:history"))

    assert response.status_code == 302  # the session's password hash no longer matches
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not Session.objects.filter(user_id=worker.pk).exists()  # flushed, as Django does


@pytest.mark.django_db
def test_the_session_is_lent_only_while_the_requests_user_is_worked_out(rf, worker):
    store = db.SessionStore()
    store.user_read = worker
    request = rf.get("/")
    request.session = store

    assert user_read_with_session(worker.pk) is None  # nothing lent outside
    request_session.set(store)
    try:
        assert user_read_with_session(worker.pk) is worker
        assert user_read_with_session(worker.pk + 1) is None  # another user: read it
    finally:
        request_session.set(None)


@pytest.mark.django_db
def test_deleting_a_user_deletes_their_sessions(client, worker):
    client.force_login(worker)
    other = WorkerFactory()
    Client().force_login(other)

    User.objects.get(pk=worker.pk).delete()

    assert not Session.objects.filter(user_id=worker.pk).exists()
    assert Session.objects.filter(user_id=other.pk).count() == 1


@pytest.mark.django_db
def test_the_migration_carries_djangos_sessions_over_with_their_user(worker):
    from django.apps import apps
    from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
    from django.contrib.sessions.models import Session as DjangoSession

    signed_in = DjangoSessionStore()
    signed_in[SESSION_KEY] = str(worker.pk)
    signed_in.save()
    anonymous = DjangoSessionStore()
    anonymous["cart"] = "full"
    anonymous.save()
    DjangoSession.objects.create(
        session_key="undecodable000000000000000000000",
        session_data="not signed by this key",
        expire_date=timezone.now() + timedelta(days=1),
    )
    migration = importlib.import_module("microwork.accounts.migrations.0004_session")

    migration.copy_djangos_sessions(apps, None)

    copied = {s.session_key: s for s in Session.objects.all()}
    assert set(copied) == {signed_in.session_key, anonymous.session_key}
    assert copied[signed_in.session_key].user_id == worker.pk
    assert copied[anonymous.session_key].user_id is None
    assert db.SessionStore(session_key=signed_in.session_key)[SESSION_KEY] == str(worker.pk)
