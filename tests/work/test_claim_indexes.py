"""The claim's partial indexes: declared in Task.Meta.indexes, and in the database as declared.

The claim (work/claim.py) walks a batch's tasks with a free slot in id order, one kind at a
time; these indexes are what keep that walk short (docs/performance-history.md). Quality
migration 0003 created the two by kind with RunSQL; projects 0008 declares them on Task.
"""

import re
from importlib import import_module

import pytest
from django.core.management import call_command
from django.db import connection

from microwork.projects.models import Task

pytestmark = pytest.mark.django_db

# name -> condition, as the claim's WHERE clauses spell them (lower case, no parentheses).
CLAIM_INDEXES = {
    "task_claimable": "open_slots > 0",
    "task_claimable_ordinary": "open_slots > 0 and gold is null",
    "task_claimable_gold": "open_slots > 0 and gold is not null",
}
TABLE = Task._meta.db_table


def _normal(condition: str) -> str:
    return " ".join(re.sub(r'[()"]', " ", condition).lower().split())


def _in_database() -> dict[str, tuple[list[str], str]]:
    """Each partial index on the task table: its columns and its condition, normalised."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexrelid::regclass::text, pg_get_expr(indpred, indrelid) FROM pg_index"
                " WHERE indrelid = %s::regclass AND indpred IS NOT NULL",
                [TABLE],
            )
            conditions = dict(cursor.fetchall())
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s",
                [TABLE],
            )
            conditions = {
                name: re.split(r"\bWHERE\b", sql, maxsplit=1, flags=re.IGNORECASE)[1]
                for name, sql in cursor.fetchall()
                if sql and re.search(r"\bWHERE\b", sql, flags=re.IGNORECASE)
            }
    return {
        name: (constraints[name]["columns"], _normal(condition))
        for name, condition in conditions.items()
    }


def _as_django_writes_it(index) -> str:
    """The condition of `index` as Django writes it when it builds the table from the model
    (a fresh test database without migrations, SQLite rebuilding the table)."""
    sql = str(index.create_sql(Task, connection.schema_editor()))
    return _normal(re.split(r"\bWHERE\b", sql, maxsplit=1)[1])


def test_the_claims_indexes_are_declared_on_task():
    declared = {index.name: index for index in Task._meta.indexes if index.condition}

    assert {name: declared[name].fields for name in CLAIM_INDEXES} == dict.fromkeys(
        CLAIM_INDEXES, ["batch", "id"]
    )
    assert {name: _as_django_writes_it(declared[name]) for name in CLAIM_INDEXES} == (CLAIM_INDEXES)


def test_the_claims_indexes_are_in_the_database_with_their_conditions():
    found = _in_database()

    assert {name: found.get(name) for name in CLAIM_INDEXES} == {
        name: (["batch_id", "id"], condition) for name, condition in CLAIM_INDEXES.items()
    }


def _migration_0008_sql() -> list[str]:
    migration = import_module("microwork.projects.migrations.0008_task_claim_indexes").Migration
    (moved,) = migration.operations
    (create,) = moved.database_operations
    return list(create.sql)


def _index_ids() -> dict[str, object]:
    """Something that changes when an index is made again: its oid, or its rootpage."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexrelid::regclass::text, indexrelid::int FROM pg_index"
                " WHERE indrelid = %s::regclass",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT name, rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = %s",
                [TABLE],
            )
        return dict(cursor.fetchall())


def test_projects_0008_leaves_the_indexes_it_finds_and_makes_the_missing_ones():
    before = _index_ids()
    with connection.cursor() as cursor:
        for statement in _migration_0008_sql():
            cursor.execute(statement)
    assert _index_ids() == before  # an existing database: nothing built again

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX task_claimable_gold")  # as SQLite's table rebuilds did
        for statement in _migration_0008_sql():
            cursor.execute(statement)

    assert _in_database()["task_claimable_gold"] == (
        ["batch_id", "id"],
        CLAIM_INDEXES["task_claimable_gold"],
    )
    after = _index_ids()
    assert {name: after[name] for name in before if name != "task_claimable_gold"} == {
        name: before[name] for name in before if name != "task_claimable_gold"
    }


def test_the_task_model_and_the_projects_migrations_agree():
    call_command("makemigrations", "projects", check=True, dry_run=True, verbosity=0)
