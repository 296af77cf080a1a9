"""work/claim.py: the statements it builds, the row it inserts, the reasons it gives.

The claim's behaviour through the services (slots, gold mixing, expiry) is in test_services.py,
tests/quality/test_gold_mixing.py and test_claim_parity.py; its races in test_concurrency.py.
"""

import re

import pytest
from django.db import connection, models

from microwork.work import claim, services
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import (
    BatchFactory,
    ProjectFactory,
    PublishedBatchFactory,
    TaskFactory,
    make_tasks,
)
from tests.threads import run_in_threads
from tests.work.factories import AssignmentFactory

# What a claim sets; every other column is its field's default.
SET_BY_CLAIM = {"public_id", "task_id", "worker_id", "state", "accepted_at", "deadline"}


def _columns(field_list) -> list[str]:
    return [field.column for field in field_list if not field.primary_key]


def _inserted_columns(sql: str) -> list[str]:
    listed = re.search(r"INSERT INTO \S+ \(([^)]*)\)", sql).group(1)
    return [column.strip().strip('"') for column in listed.split(",")]


@pytest.mark.parametrize("shape", list(claim.Shape))
@pytest.mark.parametrize("target", list(claim.Target))
def test_the_insert_writes_every_column_of_assignment_but_its_id(shape, target):
    built = claim.build(
        target,
        worker=WorkerFactory.build(pk=1),
        project=ProjectFactory.build(pk=1),
        task_id=1,
        shape=shape,
    )

    insert = built.statements[-1]
    assert _inserted_columns(insert) == _columns(Assignment._meta.concrete_fields)
    assert set(built.values) | {"task_id"} == {
        field.attname for field in Assignment._meta.concrete_fields if not field.primary_key
    }
    assert len(built.statements) == (1 if shape is claim.Shape.ONE_STATEMENT else 2)


def test_on_postgresql_the_claim_is_one_statement_elsewhere_two():
    expected = claim.Shape.ONE_STATEMENT if connection.vendor == "postgresql" else claim.Shape.STEPS

    assert claim.shape_for(connection) is expected


@pytest.mark.django_db
@pytest.mark.parametrize("given", [False, True], ids=["next", "given"])
def test_the_new_row_holds_the_claims_values_and_every_other_fields_default(worker, given):
    batch = PublishedBatchFactory(project=ProjectFactory(time_allotted_seconds=900))
    task = make_tasks(batch, 1)[0]

    if given:
        taken = claim.take_given(worker=worker, task_id=task.pk, project=batch.project)
    else:
        taken = claim.take_next(worker=worker, project=batch.project)

    stored = Assignment.objects.get(pk=taken.pk)
    assert (stored.task_id, stored.worker_id, stored.state) == (
        task.pk,
        worker.pk,
        AssignmentState.ACCEPTED,
    )
    assert (stored.deadline - stored.accepted_at).total_seconds() == 900
    assert len(stored.public_id) >= 20
    for field in Assignment._meta.concrete_fields:
        if not field.primary_key and field.attname not in SET_BY_CLAIM:
            assert field.value_from_object(stored) == field.get_default(), field.name
    # The row handed back, built without reading it, is the stored row.
    assert taken._state.adding is False
    assert {f.attname: f.value_from_object(taken) for f in Assignment._meta.concrete_fields} == {
        f.attname: f.value_from_object(stored) for f in Assignment._meta.concrete_fields
    }
    task.refresh_from_db()
    assert task.open_slots == task.max_assignments - 1


@pytest.fixture
def extra_assignment_column():
    """A NOT NULL column with a default added to Assignment, in the model and in the table,
    for one test: the database's ALTER TABLE is undone with the test's transaction, the model's
    field removed after it. The table's own default (0) differs from the field's (7), so a row
    with 7 was written by the claim."""
    field = models.IntegerField(default=7)
    field.contribute_to_class(Assignment, "extra_for_test")
    claim.insert_fields.cache_clear()
    claim._statements.cache_clear()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"ALTER TABLE {Assignment._meta.db_table} "
                "ADD COLUMN extra_for_test integer NOT NULL DEFAULT 0"
            )
        yield field
    finally:
        Assignment._meta.local_fields.remove(field)
        delattr(Assignment, field.attname)
        Assignment._meta._expire_cache()
        claim.insert_fields.cache_clear()
        claim._statements.cache_clear()


@pytest.mark.django_db
@pytest.mark.parametrize("given", [False, True], ids=["next", "given"])
def test_a_new_column_with_a_default_needs_no_change_to_the_claim(
    worker, extra_assignment_column, given
):
    batch = PublishedBatchFactory()
    task = make_tasks(batch, 1)[0]

    if given:
        taken = claim.take_given(worker=worker, task_id=task.pk, project=batch.project)
    else:
        taken = claim.take_next(worker=worker, project=batch.project)

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT extra_for_test FROM {Assignment._meta.db_table} WHERE id = %s", [taken.pk]
        )
        assert cursor.fetchone() == (7,)
    assert taken.extra_for_test == 7


@pytest.mark.django_db
def test_the_next_ordinary_task_skips_gold_and_the_next_gold_task_skips_ordinary(worker):
    batch = PublishedBatchFactory()
    gold = TaskFactory(batch=batch, gold={"answer": "positive"})
    ordinary = TaskFactory(batch=batch)

    assert claim.take_next(worker=worker, project=batch.project).task_id == ordinary.pk
    assert claim.take_next(worker=worker, project=batch.project, gold=True).task_id == gold.pk
    assert claim.take_next(worker=worker, project=batch.project) is None
    assert claim.take_next(worker=worker, project=batch.project, gold=True) is None


@pytest.mark.django_db
def test_a_given_task_is_taken_whatever_its_kind(worker):
    gold = TaskFactory(gold={"answer": "positive"})

    assignment = services.assignment_claim(worker=worker, task=gold)

    assert assignment.task_id == gold.pk
    gold.refresh_from_db()
    assert gold.open_slots == gold.max_assignments - 1


@pytest.mark.django_db
def test_a_given_task_of_a_batch_not_live_is_refused_and_nothing_changes(worker):
    task = TaskFactory(batch=BatchFactory())  # a draft

    assert claim.take_given(worker=worker, task_id=task.pk, project=task.batch.project) is (
        claim.Refusal.NOT_LIVE
    )
    with pytest.raises(services.NoTaskAvailable, match="not open"):
        services.assignment_claim(worker=worker, task=task)
    assert not Assignment.objects.exists()
    task.refresh_from_db()
    assert task.open_slots == task.max_assignments


@pytest.mark.django_db
def test_a_given_task_says_had_it_before_full(worker):
    task = TaskFactory(max_assignments=1, open_slots=1)
    AssignmentFactory(task=task, worker=worker, state=AssignmentState.RETURNED)
    other = TaskFactory(max_assignments=1, open_slots=1)
    AssignmentFactory(task=other)

    project = task.batch.project
    assert claim.take_given(worker=worker, task_id=task.pk, project=project) is (
        claim.Refusal.HAD_IT
    )
    assert claim.take_given(worker=worker, task_id=other.pk, project=other.batch.project) is (
        claim.Refusal.FULL
    )
    assert Assignment.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_worker_claiming_one_given_task_from_8_threads_gets_it_once():
    """The second tab waits for the first claim's row lock, then the unique constraint (or the
    rules, re-checked) refuses it: one assignment, and "already worked" for the others."""
    task = TaskFactory(max_assignments=3, open_slots=3)
    worker = WorkerFactory()
    taken, refused = [], []

    def accept(_index: int) -> None:
        try:
            taken.append(services.assignment_claim(worker=worker, task=task))
        except services.NoTaskAvailable as error:
            refused.append(error.message)

    errors = run_in_threads(8, accept)

    assert errors == []
    assert len(taken) == 1
    assert refused == ["You have already worked on this task."] * 7
    task.refresh_from_db()
    assert task.open_slots == 2
