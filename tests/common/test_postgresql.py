"""common/postgresql/: Django's PostgreSQL backend with psycopg's timestamp loader, a health check
without a round trip, and prepared statements for the claim only. Each test checks the outcome
against what Django's own backend gives or does; those without a `microwork_backend` mark run on
Django's own backend too (MICROWORK_DB_BACKEND=stock), which must behave the same."""

import datetime

import pytest
from django.db import close_old_connections, connection, connections
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from microwork.accounts.models import User
from microwork.common.postgresql.base import TIMESTAMPTZ_OID, UtcTimestamptzLoader
from tests.accounts.factories import WorkerFactory
from tests.common.backends import microwork_backend

pytestmark = pytest.mark.postgres

MOMENTS = [
    b"2026-11-29 01:02:52.570266+00",
    b"2020-01-01 10:00:00+02",
    b"2020-06-01 10:00:00.5-03:30",
    b"0001-01-01 00:00:00+00",
    b"9999-12-31 23:59:59.999999+00",
]


@pytest.mark.django_db
def test_timestamps_load_as_djangos_loader_loads_them():
    django_loader = type("DjangoUtc", (BaseTzLoader,), {"timezone": datetime.UTC})(
        TIMESTAMPTZ_OID, connection.connection
    )
    ours = UtcTimestamptzLoader(TIMESTAMPTZ_OID, connection.connection)

    for moment in MOMENTS:
        loaded = ours.load(moment)
        assert loaded == django_loader.load(moment)
        assert loaded.tzinfo is datetime.UTC
    assert ours.load(MOMENTS[1]) == datetime.datetime(2020, 1, 1, 8, tzinfo=datetime.UTC)


# Django's loader reads the session's zone as UTC: it relies on the session being in UTC, as
# Django sets it.
@microwork_backend
@pytest.mark.django_db
def test_models_read_aware_utc_datetimes_whatever_the_sessions_time_zone():
    worker = WorkerFactory()
    joined = User.objects.values_list("date_joined", flat=True).get(pk=worker.pk)
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Kolkata'")
        cursor.execute("SELECT %s::timestamptz::text", [joined])
        written = cursor.fetchone()[0]
        read_back = User.objects.values_list("date_joined", flat=True).get(pk=worker.pk)
        cursor.execute("SET TIME ZONE 'UTC'")

    assert written.endswith("+05:30")  # the session's zone was in effect
    assert connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, 0) is UtcTimestamptzLoader
    assert (read_back, read_back.tzinfo) == (joined, datetime.UTC)
    assert joined == worker.date_joined


@microwork_backend
@pytest.mark.django_db
def test_a_connection_outside_a_failed_transaction_is_usable_without_a_query():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    sent = connection.connection.pgconn.transaction_status

    assert connection.is_usable() is True
    assert connection.connection.pgconn.transaction_status == sent  # nothing was run


@pytest.mark.django_db(transaction=True)
def test_a_failed_transaction_is_not_usable():
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = False
    with raw.cursor() as cursor:
        with pytest.raises(Exception, match="division by zero"):
            cursor.execute("SELECT 1 / 0")

    assert connection.is_usable() is False
    raw.rollback()
    raw.autocommit = True
    assert connection.is_usable() is True


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_at_the_next_request():
    connection.ensure_connection()
    old = connection.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        old_pid = cursor.fetchone()[0]
    other = connections.create_connection("default")
    with other.cursor() as cursor:
        # Waits (up to 10 s) until the backend has gone, as after a server restart.
        cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [old_pid])
        assert cursor.fetchone()[0] is True
    other.close()

    assert connection.is_usable() is False
    # What happens between two requests (request_started), then the next request's first query.
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        new_pid = cursor.fetchone()[0]

    assert connection.connection is not old
    assert new_pid != old_pid


@microwork_backend
@pytest.mark.django_db
def test_djangos_own_queries_are_neither_prepared_nor_counted():
    connection.ensure_connection()
    prepared = connection.connection._prepared
    prepared._counts.clear()
    for _ in range(5):
        list(User.objects.filter(pk=1))
        User.objects.filter(email="x@example.org").exists()

    assert connection.connection.prepare_threshold is None
    assert connection.prepare_after == 2
    assert len(prepared._counts) == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] == 0
