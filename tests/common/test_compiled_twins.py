"""Every CompiledQuery of the code base, and save_fields(), held against their ORM twins on real
rows: the same SQL, the same objects with the same field values, related objects and
annotations.

common/compiled.py leans on Django's internals (the compiler's attributes, UpdateQuery, the
cursor wrappers: docs/adr/0018 lists them), checked against one Django version. A Django
upgrade that changes any of them fails here instead of on a page.
"""

import ast
import importlib
from collections import Counter
from datetime import timedelta
from pathlib import Path

import django
import pytest
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext

import microwork
from microwork.accounts.models import Session
from microwork.accounts.tokens import api_token_create
from microwork.common.compiled import CompiledQuery, compiled_queries, save_fields
from microwork.quality.enums import RuleActionKind, RuleCondition
from microwork.quality.models import Rule
from microwork.work.models import Assignment
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory

SRC = Path(microwork.__file__).parent


def _made_in_the_source() -> Counter:
    """How many `CompiledQuery(...)` calls each module of src/microwork has."""
    made = Counter()
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "CompiledQuery":
                parts = path.relative_to(SRC).with_suffix("").parts
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                made[".".join(("microwork", *parts))] += 1
    return made


MADE_IN_THE_SOURCE = _made_in_the_source()
for _module in MADE_IN_THE_SOURCE:
    importlib.import_module(_module)
CODE_BASE_QUERIES = [q for q in compiled_queries() if q.made_at[0].startswith("microwork.")]


def _id(query: CompiledQuery) -> str:
    return f"{query.made_at[0]}:{query.made_at[1]}"


def test_django_is_the_version_compiled_py_was_checked_against():
    assert django.VERSION[:2] == (5, 2), (
        "common/compiled.py (CompiledQuery, save_fields, prepared_cursor) and "
        "common/postgresql/ use Django internals checked against Django 5.2: see "
        "docs/adr/0018-performance-devices-earn-their-place.md for the list and what to check, "
        "run tests/common/test_compiled_twins.py on SQLite and on PostgreSQL with both "
        "backends, then update this version."
    )


def test_every_compiled_query_of_the_code_base_is_made_once_at_import():
    """Each `CompiledQuery(...)` in src/ is made when its module is imported, so the test below
    holds every one of them against its twin (and it is compiled once per connection, not once
    per call)."""
    made = Counter(query.made_at[0] for query in CODE_BASE_QUERIES)

    assert sum(MADE_IN_THE_SOURCE.values()) >= 7  # the session, the user, the work pages, submit
    assert made == MADE_IN_THE_SOURCE


@pytest.fixture
def rows(db):
    """Rows for every model a compiled query of the code base reads: two assignments, one on a
    project with an active rule (the submit's annotation is then True), one submitted with a
    JSON answer; two users, one signed in (a session row with its user), one with an API token."""
    accepted = AssignmentFactory()
    submitted = SubmittedAssignmentFactory(
        answers={"answer": "chat", "notes": ["é", 2, None]}, worker=accepted.worker
    )
    submitted.auto_approval_due_at = submitted.submitted_at + timedelta(days=3)
    submitted.save(update_fields=["auto_approval_due_at"])
    Rule.objects.create(
        project=accepted.task.batch.project,
        condition=RuleCondition.GOLD_ACCURACY_BELOW,
        threshold_percent=70,
        action=RuleActionKind.FLAG,
    )
    api_token_create(user=RequesterFactory(), name="script", scope="read")  # api/auth.py's read
    Client().force_login(WorkerFactory())
    assert Session.objects.filter(user__isnull=False).count() == 1
    return [accepted, submitted]


def _snapshot(obj: models.Model, depth: int = 0) -> dict:
    """Everything get() leaves on an instance: its class, its state, each attribute's type and
    value (fields and annotations), and the related objects it came with, likewise."""
    assert depth < 5
    return {
        "class": type(obj),
        "state": (obj._state.adding, obj._state.db),
        "values": {
            name: (type(value), value)
            for name, value in vars(obj).items()
            if not name.startswith("_")
        },
        "related": {
            name: None if related is None else _snapshot(related, depth + 1)
            for name, related in obj._state.fields_cache.items()
        },
    }


def _values_of(query: CompiledQuery, row: models.Model) -> dict:
    values = {}
    for name, kind in query.types.items():
        value = getattr(row, name, None)
        assert type(value) is kind, (
            f"{query!r}: no {kind.__name__} {name!r} on a {type(row).__name__} to test it with;"
            " teach this test where its values come from."
        )
        values[name] = value
    return values


def _missing(values: dict) -> dict:
    return {name: -7 if type(v) is int else f"missing-{v}" for name, v in values.items()}


def _model_of(query: CompiledQuery) -> type[models.Model]:
    stand_ins = {name: -7 if kind is int else "x" for name, kind in query.types.items()}
    return query.queryset(**stand_ins).model


@pytest.mark.parametrize("query", CODE_BASE_QUERIES, ids=_id)
def test_compiled_query_reads_what_its_orm_twin_reads(query, rows, settings):
    settings.MICROWORK_COMPILED_QUERIES = True
    model = _model_of(query)
    read = 0
    for row in model._default_manager.order_by("pk"):
        values = _values_of(query, row)
        query.get(**values)  # compiled on this connection
        with CaptureQueriesContext(connection) as by_orm:
            twin = query.queryset(**values).get()
        with CaptureQueriesContext(connection) as by_compiled:
            compiled = query.get(**values)

        assert [q["sql"] for q in by_compiled] == [q["sql"] for q in by_orm]
        assert _snapshot(compiled) == _snapshot(twin)
        with pytest.raises(model.DoesNotExist):
            query.queryset(**_missing(values)).get()
        with pytest.raises(model.DoesNotExist):
            query.get(**_missing(values))
        read += 1
    assert read >= 1, f"{query!r}: the rows fixture made no {model.__name__} to read"


# Every column save_fields() may write (not the key, the relations, nor a unique column).
ASSIGNMENT_FIELDS = [
    field.name
    for field in Assignment._meta.local_concrete_fields
    if not (field.primary_key or field.is_relation or field.unique)
]


@pytest.mark.parametrize("with_nulls", [False, True], ids=["values", "nulls"])
def test_save_fields_writes_what_save_with_update_fields_writes(rows, settings, with_nulls):
    settings.MICROWORK_COMPILED_UPDATES = True
    source = rows[1]  # a submitted assignment: a value in every column
    one, other = AssignmentFactory.create_batch(2, accepted_at=source.accepted_at)
    for assignment in (one, other):
        for name in ASSIGNMENT_FIELDS:
            if not with_nulls:
                setattr(assignment, name, getattr(source, name))
            elif Assignment._meta.get_field(name).null:  # an accepted one: NULL where it may
                setattr(assignment, name, None)
    assert len(ASSIGNMENT_FIELDS) >= 10

    with CaptureQueriesContext(connection) as by_save:
        one.save(update_fields=ASSIGNMENT_FIELDS)
    one.save(update_fields=ASSIGNMENT_FIELDS)  # none of the two is the first on this connection
    with CaptureQueriesContext(connection) as by_save_fields:
        save_fields(one, ASSIGNMENT_FIELDS)
    save_fields(other, ASSIGNMENT_FIELDS)

    assert [q["sql"] for q in by_save_fields] == [q["sql"] for q in by_save]
    assert (one._state.adding, one._state.db) == (False, "default")
    stored = Assignment.objects.in_bulk([one.pk, other.pk])
    assert _stored(stored[one.pk]) == _stored(stored[other.pk]) == _stored(one)
    if not with_nulls:
        assert stored[one.pk].answers == {"answer": "chat", "notes": ["é", 2, None]}
        assert stored[one.pk].auto_approval_due_at == source.auto_approval_due_at


def _stored(assignment: Assignment) -> dict:
    return {name: getattr(assignment, name) for name in ASSIGNMENT_FIELDS}
