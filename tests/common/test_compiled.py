"""common/compiled.py: a compiled query returns what QuerySet.get() returns, by the same SQL;
with its switch off, it is QuerySet.get() (test_compiled_twins.py holds every compiled query of
the code base against its twin)."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.signals import pre_save
from django.db.transaction import TransactionManagementError
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from microwork.common.compiled import CompiledQuery, prepared_cursor, save_fields
from microwork.projects.models import Project
from microwork.quality.models import Rule
from microwork.work.models import Assignment
from tests.accounts.factories import WorkerFactory
from tests.common.backends import microwork_backend, stock_backend
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory, make_tasks
from tests.threads import run_in_threads
from tests.work.factories import AssignmentFactory, SubmittedAssignmentFactory


def _joined(**lookup):
    return (
        Assignment.objects.select_related("task__batch__project")
        .annotate(has_rules=Exists(Rule.objects.filter(project=OuterRef("task__batch__project"))))
        .filter(**lookup)
    )


JOINED = CompiledQuery(
    lambda public_id, worker_id: _joined(public_id=public_id, worker_id=worker_id),
    public_id=str,
    worker_id=int,
)


def _forget_prepared() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")


def _prepared_statements() -> list[str]:
    """The statements PostgreSQL keeps prepared for this connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _fields(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if not k.startswith("_")}


@pytest.mark.django_db
def test_compiled_get_returns_the_instances_queryset_get_returns():
    assignment = SubmittedAssignmentFactory(answers={"answer": "cat", "notes": ["a", "b"]})
    AssignmentFactory(task=assignment.task)  # another row of the same task, not selected

    compiled = JOINED.get(public_id=assignment.public_id, worker_id=assignment.worker_id)
    expected = _joined(public_id=assignment.public_id, worker_id=assignment.worker_id).get()

    assert type(compiled) is Assignment
    assert _fields(compiled) == _fields(expected)
    assert compiled.answers == {"answer": "cat", "notes": ["a", "b"]}  # the JSON decoded
    assert compiled.has_rules is False
    assert compiled._state.adding is False and compiled._state.db == "default"
    with CaptureQueriesContext(connection) as queries:  # the related rows came with it
        task, batch, project = compiled.task, compiled.task.batch, compiled.task.batch.project
    assert len(queries) == 0
    assert _fields(task) == _fields(expected.task)
    assert _fields(batch) == _fields(expected.task.batch)
    assert _fields(project) == _fields(expected.task.batch.project)


@pytest.mark.django_db
def test_compiled_get_runs_the_sql_queryset_get_runs():
    assignment = AssignmentFactory()
    values = {"public_id": assignment.public_id, "worker_id": assignment.worker_id}
    JOINED.get(**values)  # compiled on this connection

    with CaptureQueriesContext(connection) as by_orm:
        _joined(**values).get()
    with CaptureQueriesContext(connection) as compiled:
        JOINED.get(**values)

    assert [q["sql"] for q in compiled] == [q["sql"] for q in by_orm]
    assert assignment.public_id in compiled[0]["sql"]


@pytest.mark.django_db
def test_compiled_get_swaps_in_each_calls_values():
    first, second = AssignmentFactory(), AssignmentFactory()

    assert JOINED.get(public_id=first.public_id, worker_id=first.worker_id).pk == first.pk
    assert JOINED.get(public_id=second.public_id, worker_id=second.worker_id).pk == second.pk
    with pytest.raises(Assignment.DoesNotExist):  # the right id, someone else's worker id
        JOINED.get(public_id=first.public_id, worker_id=second.worker_id)


@pytest.mark.django_db
def test_compiled_get_raises_as_queryset_get_for_none_or_several():
    worker = WorkerFactory()
    by_worker = CompiledQuery(lambda pk: Assignment.objects.filter(worker_id=pk), pk=int)

    with pytest.raises(Assignment.DoesNotExist, match="Assignment matching query does not exist"):
        by_worker.get(pk=worker.pk)
    with pytest.raises(Http404):
        by_worker.get_or_404(pk=worker.pk)
    AssignmentFactory(worker=worker)
    AssignmentFactory(worker=worker)
    with pytest.raises(Assignment.MultipleObjectsReturned, match="it returned 2!"):
        by_worker.get(pk=worker.pk)


@pytest.mark.django_db
def test_compiled_query_refuses_a_value_the_sql_changes_or_repeats():
    ProjectFactory(title="Cats")
    changed = CompiledQuery(lambda title: Project.objects.filter(title__icontains=title), title=str)
    repeated = CompiledQuery(
        lambda title: Project.objects.filter(Q(title=title) | Q(description=title)), title=str
    )

    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(ValueError, match="'title' must reach the SQL parameters exactly once"):
            changed.get(title="Cats")
        with pytest.raises(ValueError, match=r"found 2 times"):
            repeated.get(title="Cats")
    assert len(queries) == 0


@pytest.mark.django_db
def test_compiled_query_refuses_values_of_another_type_before_any_query():
    project = ProjectFactory()
    by_pk = CompiledQuery(lambda pk: Project.objects.filter(pk=pk), pk=int)

    with pytest.raises(TypeError, match="'when' must be str or int"):
        CompiledQuery(lambda when: Project.objects.filter(created_at=when), when=object)
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(TypeError, match="'pk' must be int, not str"):
            by_pk.get(pk=str(project.pk))
        with pytest.raises(TypeError, match="'pk' must be int, not bool"):
            by_pk.get(pk=True)
        with pytest.raises(TypeError, match=r"takes \['pk'\], not \['id'\]"):
            by_pk.get(id=project.pk)
    assert len(queries) == 0
    assert by_pk.get(pk=project.pk) == project


@pytest.mark.postgres  # a transactional test: the others run inside a transaction
@pytest.mark.django_db(transaction=True)
def test_compiled_query_locks_only_inside_a_transaction():
    assignment = AssignmentFactory()
    locked = CompiledQuery(lambda pk: Assignment.objects.select_for_update().filter(pk=pk), pk=int)

    with pytest.raises(TransactionManagementError):  # before it was ever compiled
        locked.get(pk=assignment.pk)
    with transaction.atomic():
        assert locked.get(pk=assignment.pk).pk == assignment.pk
    with CaptureQueriesContext(connection) as queries:
        with pytest.raises(TransactionManagementError):  # and after
            locked.get(pk=assignment.pk)
    assert len(queries) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_compiled_query_serves_threads_each_on_its_own_connection():
    tasks = [TaskFactory() for _ in range(8)]
    by_pk = CompiledQuery(
        lambda pk: Project.objects.select_related("requester").filter(pk=pk), pk=int
    )
    found = {}
    lock = threading.Lock()

    def read(index: int) -> None:
        for task in tasks:
            project = by_pk.get(pk=task.batch.project_id)
            with lock:
                found.setdefault(index, []).append((project.pk, project.requester.email))

    errors = run_in_threads(8, read)

    assert errors == []
    expected = [(t.batch.project_id, t.batch.project.requester.email) for t in tasks]
    assert found == {index: expected for index in range(8)}


@pytest.mark.postgres
@microwork_backend
@pytest.mark.django_db
def test_the_claims_raw_statements_are_prepared_on_postgresql_and_still_logged():
    from microwork.work import services

    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=1))
    make_tasks(batch, 4)
    _forget_prepared()

    with CaptureQueriesContext(connection) as queries:
        for worker in WorkerFactory.create_batch(4):
            services.assignment_claim_next(worker=worker, project=batch.project)
    prepared = _prepared_statements()

    logged = [q["sql"] for q in queries.captured_queries]
    assert sum("has_open_assignment" in sql for sql in logged) == 4  # the accept's facts
    assert sum("WITH picked AS" in sql for sql in logged) == 4  # the claim
    assert [("has_open_assignment" in s, "WITH picked AS" in s) for s in prepared] in (
        [(True, False), (False, True)],
        [(False, True), (True, False)],
    )
    assert connection.settings_dict["OPTIONS"]["prepare_threshold"] == 2


@pytest.mark.postgres
@microwork_backend
@pytest.mark.django_db
def test_a_compiled_read_is_prepared_on_postgresql_and_reads_the_same_rows():
    assignments = [AssignmentFactory() for _ in range(4)]
    _forget_prepared()

    with CaptureQueriesContext(connection) as queries:
        read = [JOINED.get(public_id=a.public_id, worker_id=a.worker_id) for a in assignments]
    prepared = _prepared_statements()

    assert [_fields(a) for a in read] == [
        _fields(_joined(public_id=a.public_id, worker_id=a.worker_id).get()) for a in assignments
    ]
    assert len(prepared) == 1  # after prepare_threshold (2) runs, then reused
    assert prepared[0].startswith('SELECT "work_assignment"."id"') and "$1" in prepared[0]
    logged = [q["sql"] for q in queries.captured_queries]
    assert [a.public_id in sql for sql, a in zip(logged, assignments, strict=True)] == [True] * 4


@pytest.mark.postgres
@microwork_backend
@pytest.mark.django_db
def test_with_the_threshold_at_0_prepared_cursor_is_djangos_cursor():
    assignment = AssignmentFactory()
    connection.ensure_connection()
    _forget_prepared()
    threshold, connection.prepare_after = connection.prepare_after, None
    try:
        with prepared_cursor(connection) as cursor:
            assert type(cursor.cursor) is type(connection.cursor().cursor)  # client-bound
        for _ in range(3):
            read = JOINED.get(public_id=assignment.public_id, worker_id=assignment.worker_id)
            assignment.work_seconds = 5
            save_fields(assignment, ["work_seconds"])
    finally:
        connection.prepare_after = threshold

    assert read.pk == assignment.pk
    assert _prepared_statements() == []


@pytest.mark.postgres
@stock_backend
@pytest.mark.django_db
def test_on_djangos_backend_nothing_is_prepared_and_the_hot_path_reads_and_writes_the_same():
    from microwork.work import services

    batch = PublishedBatchFactory(project=ProjectFactory(assignments_per_task=1))
    make_tasks(batch, 3)
    assignments = [AssignmentFactory() for _ in range(3)]

    with prepared_cursor(connection) as cursor:
        assert type(cursor.cursor) is type(connection.cursor().cursor)
    read = [JOINED.get(public_id=a.public_id, worker_id=a.worker_id) for a in assignments]
    expected = [_joined(public_id=a.public_id, worker_id=a.worker_id).get() for a in assignments]
    for assignment in assignments:
        assignment.work_seconds = 9
        save_fields(assignment, ["work_seconds"])
    claimed = [
        services.assignment_claim_next(worker=worker, project=batch.project)
        for worker in WorkerFactory.create_batch(3)
    ]

    assert [_fields(a) for a in read] == [_fields(a) for a in expected]
    stored = Assignment.objects.filter(pk__in=[a.pk for a in assignments])
    assert [a.work_seconds for a in stored] == [9, 9, 9]
    assert len({a.task_id for a in claimed}) == 3
    assert _prepared_statements() == []
    assert "prepare_threshold" not in connection.settings_dict["OPTIONS"]


@pytest.mark.django_db
def test_with_the_switch_off_compiled_get_is_its_querysets_get(settings):
    assignment = SubmittedAssignmentFactory(answers={"answer": "cat"})
    values = {"public_id": assignment.public_id, "worker_id": assignment.worker_id}
    on = JOINED.get(**values)
    fresh = CompiledQuery(
        lambda public_id, worker_id: _joined(public_id=public_id, worker_id=worker_id),
        public_id=str,
        worker_id=int,
    )
    settings.MICROWORK_COMPILED_QUERIES = False

    with CaptureQueriesContext(connection) as by_orm:
        _joined(**values).get()
    with CaptureQueriesContext(connection) as switched_off:
        off = fresh.get(**values)

    assert [q["sql"] for q in switched_off] == [q["sql"] for q in by_orm]
    assert not fresh._compiled  # nothing was compiled
    assert _fields(off) == _fields(on)
    assert _fields(off.task.batch.project) == _fields(on.task.batch.project)
    assert off.has_rules is False
    with pytest.raises(Assignment.DoesNotExist):
        fresh.get(public_id="nobody's", worker_id=assignment.worker_id)
    with pytest.raises(Http404):
        fresh.get_or_404(public_id="nobody's", worker_id=assignment.worker_id)
    with pytest.raises(TypeError, match="'worker_id' must be int, not str"):
        fresh.get(public_id=assignment.public_id, worker_id="1")


@pytest.mark.django_db
def test_with_the_switch_off_save_fields_is_save(settings, monkeypatch):
    assignment = AssignmentFactory()
    fields = ["work_seconds", "feedback"]
    assignment.work_seconds, assignment.feedback = 12, "kept"
    with CaptureQueriesContext(connection) as compiled:
        save_fields(assignment, fields)
    settings.MICROWORK_COMPILED_UPDATES = False
    saved = []
    save = Assignment.save

    def counted_save(self, *args, **kwargs):
        saved.append(kwargs["update_fields"])
        return save(self, *args, **kwargs)

    monkeypatch.setattr(Assignment, "save", counted_save)
    assignment.work_seconds = 13
    with CaptureQueriesContext(connection) as switched_off:
        save_fields(assignment, fields)

    assert saved == [fields]
    assert [q["sql"] for q in switched_off] == [q["sql"].replace("= 12", "= 13") for q in compiled]
    stored = Assignment.objects.get(pk=assignment.pk)
    assert (stored.work_seconds, stored.feedback) == (13, "kept")


def _update_sql(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


@pytest.mark.django_db
def test_save_fields_runs_the_update_save_runs_and_stores_the_values():
    assignment = AssignmentFactory()
    fields = ("state", "answers", "submitted_at", "work_seconds", "auto_approval_due_at")
    assignment.state = "submitted"
    assignment.answers = {"answer": "cat", "notes": ["é", 2]}
    assignment.submitted_at = timezone.now()
    assignment.work_seconds = 42
    assignment.auto_approval_due_at = None  # written as NULL, a statement of its own

    with CaptureQueriesContext(connection) as by_save:
        assignment.save(update_fields=fields)
    with CaptureQueriesContext(connection) as compiled:
        save_fields(assignment, fields)
        save_fields(assignment, fields)  # the second from the kept statement

    assert _update_sql(compiled) == _update_sql(by_save) * 2
    stored = Assignment.objects.get(pk=assignment.pk)
    assert (stored.state, stored.answers, stored.submitted_at, stored.work_seconds) == (
        "submitted",
        {"answer": "cat", "notes": ["é", 2]},
        assignment.submitted_at,
        42,
    )
    assert stored.auto_approval_due_at is None
    assignment.auto_approval_due_at = assignment.submitted_at
    save_fields(assignment, fields)
    assert Assignment.objects.get(pk=assignment.pk).auto_approval_due_at == assignment.submitted_at


@pytest.mark.postgres
@microwork_backend
@pytest.mark.django_db
def test_save_fields_update_is_prepared_on_postgresql():
    assignments = [AssignmentFactory() for _ in range(3)]
    _forget_prepared()

    for number, assignment in enumerate(assignments):
        assignment.work_seconds = number + 7
        save_fields(assignment, ["work_seconds"])
    prepared = _prepared_statements()

    assert prepared == [
        'UPDATE "work_assignment" SET "work_seconds" = $1 WHERE "work_assignment"."id" = $2'
    ]
    stored = Assignment.objects.filter(pk__in=[a.pk for a in assignments]).order_by("pk")
    assert [a.work_seconds for a in stored] == [7, 8, 9]


@pytest.mark.django_db
def test_save_fields_refuses_a_row_that_is_gone_and_writes_nothing():
    assignment, other = AssignmentFactory(), AssignmentFactory()
    Assignment.objects.filter(pk=assignment.pk).delete()
    assignment.work_seconds = 7

    with pytest.raises(DatabaseError, match="did not affect any rows"):
        save_fields(assignment, ["work_seconds"])

    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert Assignment.objects.get(pk=other.pk).work_seconds is None


@pytest.mark.django_db
def test_save_fields_leaves_to_save_what_it_does_not_write_itself():
    assignment = AssignmentFactory(work_seconds=1)
    received = []

    def receiver(sender, instance, update_fields, **kwargs):
        received.append((instance.pk, sorted(update_fields)))

    pre_save.connect(receiver, sender=Assignment)
    try:
        assignment.feedback = "thanks"
        save_fields(assignment, ["feedback"])
    finally:
        pre_save.disconnect(receiver, sender=Assignment)
    assignment.work_seconds = F("work_seconds") + 1  # an expression
    save_fields(assignment, ["work_seconds"])

    assert received == [(assignment.pk, ["feedback"])]
    stored = Assignment.objects.get(pk=assignment.pk)
    assert (stored.feedback, stored.work_seconds) == ("thanks", 2)
