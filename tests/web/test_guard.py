"""The write guard itself (tests/web/guard.py): what it lets through and what it stops."""

import pytest
from django.db import connection, transaction

from microwork.accounts.models import User
from microwork.payments.models import Account
from tests.accounts.factories import WorkerFactory
from tests.web.guard import WriteOnRead, forbid_writes, write_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "sql",
    [
        'INSERT INTO "payments_account" ("key") VALUES (%s)',
        'UPDATE "work_assignment" SET "state" = %s WHERE "work_assignment"."id" = %s',
        'DELETE FROM "quality_workerblock" WHERE "quality_workerblock"."id" IN (%s)',
        'WITH t AS (UPDATE "projects_task" SET "open_slots" = 1 RETURNING id) SELECT * FROM t',
        'UPDATE "accounts_user" SET "last_login" = %s, "email" = %s WHERE "id" = %s',
        'SELECT "id" FROM "work_assignment" WHERE "state" = %s FOR UPDATE',
        'SELECT "id" FROM "projects_batch" FOR NO KEY UPDATE OF "projects_batch" SKIP LOCKED',
        'CREATE TABLE "x" ("id" integer)',
    ],
)
def test_write_in_names_a_write_or_a_lock(sql):
    assert write_in(sql) is not None


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT "work_assignment"."updated_at" FROM "work_assignment" WHERE "state" = %s',
        'SELECT 1 AS "update" FROM "projects_batch"',
        'SAVEPOINT "s1"',
        'RELEASE SAVEPOINT "s1"',
        'INSERT INTO "accounts_session" ("session_key") VALUES (%s)',
        'UPDATE "accounts_session" SET "session_data" = %s WHERE "session_key" = %s',
        'DELETE FROM "django_session" WHERE "session_key" = %s',
        'UPDATE "accounts_user" SET "last_login" = %s WHERE "accounts_user"."id" = %s',
        'UPDATE "mturk_requesteraccesskey" SET "last_used_at" = %s WHERE "id" = %s',
    ],
)
def test_write_in_lets_reads_sessions_and_last_use_through(sql):
    assert write_in(sql) is None


def test_forbid_writes_stops_the_statement_before_it_runs():
    worker = WorkerFactory()

    with pytest.raises(WriteOnRead), transaction.atomic(), forbid_writes():
        Account.objects.create(key="x", kind="external", currency="EUR")

    assert not Account.objects.filter(key="x").exists()
    with forbid_writes():
        assert User.objects.get(pk=worker.pk) == worker
    assert connection.execute_wrappers == []
