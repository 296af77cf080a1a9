"""The claim, written once: a worker takes one free slot of a task and gets an assignment.

A claim picks a task, counts its free slots down by one and inserts the assignment. It picks
one of three targets (`Target`): the next ordinary task of a project, the next gold task of a
project (gold tasks are handed out only by gold mixing, services.assignment_claim_next), or one
given task whatever its kind (MTurk's "accept this HIT", services.assignment_claim). A task can
be claimed by a worker when its batch is live (published, not past its lifetime), it has a free
slot, and the worker has never had it, not even returned; "next" is in batch, then task order.
The rules are written once below and every statement is built from them.

The INSERT's columns and values come from Assignment's fields: what a claim sets (the task, the
worker, the state, the times), every other column its field's default, and a column with a
db_default is left to the database. A new column with a default needs no change here.

The databases differ only in the shape of the statements (`Shape`, chosen by `shape_for()`):
- PostgreSQL runs a claim as one statement: CTEs pick the task with FOR UPDATE SKIP LOCKED,
  count it down and insert. One round trip, no BEGIN/COMMIT in autocommit, prepared once per
  connection (common/compiled.prepared_cursor); docs/adr/0003, docs/performance.md.
- SQLite (3.35+) has RETURNING but neither data-modifying CTEs, LATERAL nor FOR UPDATE: the
  pick, a plain join in batch then task order, runs inside an UPDATE ... RETURNING, then the
  INSERT, in one transaction that IMMEDIATE makes the only writer (ADR 0001). Two statements where the ORM took three, with no queryset
  to compile: 1.0-1.6 ms a claim against 17 ms for the ORM's (600 claims on a batch of 5,000
  tasks, in-process), as SQLite sorted every open task of the batch for the ORM's query.

The claim refuses nothing in words: `take_next()` returns None when there is no task and
`take_given()` says why it could not take the task (`Refusal`); services turns both into the
errors a worker reads.
"""

import enum
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.db import IntegrityError, NotSupportedError, connection, transaction
from django.db.models import NOT_PROVIDED, Field
from django.utils import timezone

from microwork.accounts.models import User
from microwork.common.compiled import prepared_cursor
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch, Project, Task
from microwork.work import events
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment

_BATCH, _TASK, _ASSIGNMENT = (model._meta.db_table for model in (Batch, Task, Assignment))


class Target(enum.Enum):
    ORDINARY = "the next ordinary task of the project"
    GOLD = "the next gold task of the project"
    GIVEN = "the given task, whatever its kind"


class Shape(enum.Enum):
    """How a database runs a claim's statements."""

    ONE_STATEMENT = "pick, count down and insert in one statement (CTEs), rows locked"
    STEPS = "the pick inside an UPDATE ... RETURNING, then the INSERT, in one transaction"


def shape_for(database) -> Shape:
    """ONE_STATEMENT on PostgreSQL; STEPS elsewhere, which needs RETURNING (SQLite 3.35+).

    STEPS also runs on PostgreSQL (the parity test holds it against ONE_STATEMENT there), but it
    takes no row lock: it is correct only where one writer at a time is the rule.
    """
    if database.vendor == "postgresql":
        return Shape.ONE_STATEMENT
    if not database.features.can_return_columns_from_insert:
        raise NotSupportedError("microwork's claim needs RETURNING: SQLite 3.35 or later.")
    return Shape.STEPS


class Refusal(enum.Enum):
    """Why a given task could not be taken, in the order they are checked."""

    NOT_LIVE = "its batch is paused, cancelled or expired"
    HAD_IT = "the worker has had this task already"
    FULL = "the task has all the workers it needs"


# --- The rules of a claimable task, which every statement below is built from.
_LIVE_BATCH = "batch.status = %(published)s AND batch.expires_at > %(now)s"
_HAS_SLOT = "task.open_slots > 0"
_KIND = {
    Target.ORDINARY: "task.gold IS NULL",
    Target.GOLD: "task.gold IS NOT NULL",
    Target.GIVEN: None,  # a given task is claimed as it is, gold or not
}
# "Not had by this worker" as a scalar sub-select, which PostgreSQL keeps as a probe of the
# (task, worker) unique index per candidate. Written as NOT EXISTS it becomes an anti-join that,
# with a large history, the planner may turn into a scan of every assignment. It is the bare
# boolean sub-select on purpose: the planner guesses that half the rows pass it, so with LIMIT 1
# it walks the index in order. Written `(...) IS NULL`, the guess is 0.5% and, once the batch's
# statistics are known, it chose to fetch every open task of the batch and sort them.
_NOT_HAD = (
    f"(SELECT count(*) = 0 FROM {_ASSIGNMENT} AS done"
    " WHERE done.task_id = task.id AND done.worker_id = %(worker)s)"  # nosec B608  # table and column names from the models; values are bound parameters
)


def _task_rules(target: Target) -> str:
    return " AND ".join(rule for rule in (_HAS_SLOT, _KIND[target], _NOT_HAD) if rule)


def _pick(shape: Shape, target: Target) -> str:
    """The SELECT of the one task id to claim, or of none."""
    if target is Target.GIVEN:
        # Waits for a concurrent claim of the same task (no SKIP LOCKED): its slot may be the
        # one this claim gets, and PostgreSQL re-checks the rules on the row it waited for.
        lock = "\n        FOR UPDATE OF task" if shape is Shape.ONE_STATEMENT else ""
        return f"""
        SELECT task.id
        FROM {_TASK} AS task
        JOIN {_BATCH} AS batch ON batch.id = task.batch_id
        WHERE task.id = %(task)s
          AND {_LIVE_BATCH}
          AND {_task_rules(target)}{lock}"""  # nosec B608  # table and column names from the models; values are bound parameters
    if shape is Shape.ONE_STATEMENT:
        # Shaped for PostgreSQL's planner (docs/performance-history.md has the plans at
        # 1,000,000 tasks and assignments): the live batches of the project are walked in order
        # (index on batch (project, status)), and for each a LATERAL scan of the partial index
        # of its kind, task_claimable_ordinary or task_claimable_gold (batch, id) WHERE
        # open_slots > 0 (Task.Meta.indexes), stops at the first candidate: the cost grows
        # neither with the batch, the number of batches nor the other kind's open tasks.
        # FOR UPDATE SKIP LOCKED on the task row only: concurrent claims take different tasks.
        # PostgreSQL locks below the LIMIT and re-checks open_slots > 0 on a row changed
        # meanwhile.
        return f"""
        SELECT candidate.id
        FROM {_BATCH} AS batch
        CROSS JOIN LATERAL (
            SELECT task.id
            FROM {_TASK} AS task
            WHERE task.batch_id = batch.id
              AND {_task_rules(target)}
            ORDER BY task.id
            LIMIT 1
            FOR UPDATE OF task SKIP LOCKED
        ) AS candidate
        WHERE batch.project_id = %(project)s
          AND {_LIVE_BATCH}
        ORDER BY batch.id
        LIMIT 1"""  # nosec B608  # table and column names from the models; values are bound parameters
    return f"""
        SELECT task.id
        FROM {_TASK} AS task
        JOIN {_BATCH} AS batch ON batch.id = task.batch_id
        WHERE batch.project_id = %(project)s
          AND {_LIVE_BATCH}
          AND {_task_rules(target)}
        ORDER BY batch.id, task.id
        LIMIT 1"""  # nosec B608  # table and column names from the models; values are bound parameters


# --- The assignment a claim inserts.
_TASK_COLUMN = "task_id"
# What a claim sets, by attname; every other column gets its field's default.
_SET_BY_CLAIM = ("worker_id", "state", "accepted_at", "deadline")


@cache
def insert_fields() -> tuple[Field, ...]:
    """The fields whose columns a claim's INSERT writes, in the model's order: every concrete
    field but the primary key, a generated field and one the database fills (db_default)."""
    fields = tuple(
        field
        for field in Assignment._meta.concrete_fields
        if not field.primary_key and not field.generated and field.db_default is NOT_PROVIDED
    )
    missing = {_TASK_COLUMN, *_SET_BY_CLAIM} - {field.attname for field in fields}
    if missing:  # a field renamed or given a db_default: the claim must say what it sets
        raise LookupError(f"The claim sets {sorted(missing)}, which Assignment does not have.")
    return fields


def _insert(shape: Shape) -> str:
    fields = insert_fields()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    task = "taken.id" if shape is Shape.ONE_STATEMENT else "%(taken)s"
    values = ", ".join(
        task if field.attname == _TASK_COLUMN else f"%(new_{field.attname})s" for field in fields
    )
    pk = quote(Assignment._meta.pk.column)
    if shape is Shape.ONE_STATEMENT:
        return f"""
INSERT INTO {_ASSIGNMENT} ({columns})
SELECT {values}
FROM taken
RETURNING {pk}, task_id"""  # nosec B608  # table and column names from the models; values are bound parameters
    return f"INSERT INTO {_ASSIGNMENT} ({columns}) VALUES ({values}) RETURNING {pk}"  # nosec B608  # table and column names from the models; values are bound parameters


@cache
def _statements(shape: Shape, target: Target) -> tuple[str, ...]:
    """The claim of `target` as `shape` runs it: one statement, or the UPDATE then the INSERT.

    Each text is the same on every call (the values are parameters), so PostgreSQL prepares it.
    """
    if shape is Shape.ONE_STATEMENT:
        return (
            f"""WITH picked AS ({_pick(shape, target)}
), taken AS (
    UPDATE {_TASK} AS task SET open_slots = task.open_slots - 1
    FROM picked WHERE task.id = picked.id
    RETURNING task.id
){_insert(shape)}""",  # nosec B608  # table and column names from the models; values are bound parameters
        )
    take = f"""UPDATE {_TASK} SET open_slots = open_slots - 1
WHERE id = ({_pick(shape, target)}
)
RETURNING id"""  # nosec B608  # table and column names from the models; values are bound parameters
    return take, _insert(shape)


@dataclass(frozen=True)
class Claim:
    """One claim, ready to run: its statements, their parameters, and the new assignment's
    values but its id and task (by attname), known before it runs."""

    statements: tuple[str, ...]
    params: dict[str, object]
    values: dict[str, object]


def build(
    target: Target,
    *,
    worker: User,
    project: Project,
    task_id: int | None = None,
    shape: Shape | None = None,
) -> Claim:
    """The claim of `target` for `worker`: the next task of `project`, or task `task_id` of it."""
    shape = shape or shape_for(connection)
    now = timezone.now()
    set_here = {
        "worker_id": worker.pk,
        "state": AssignmentState.ACCEPTED,
        "accepted_at": now,
        "deadline": now + timedelta(seconds=project.time_allotted_seconds),
    }
    params = {
        "worker": worker.pk,
        "published": BatchStatus.PUBLISHED.value,
        "now": connection.ops.adapt_datetimefield_value(now),
        "project": project.pk,
        "task": task_id,
    }
    constant = _constant_defaults(connection.vendor)
    values = {}
    for field in insert_fields():
        name = field.attname
        if name == _TASK_COLUMN:
            continue
        if name in constant:  # the same on every claim: prepared once
            values[name], params[f"new_{name}"] = constant[name]
            continue
        value = set_here[name] if name in set_here else field.get_default()
        values[name] = value
        params[f"new_{name}"] = field.get_db_prep_save(value, connection)
    return Claim(statements=_statements(shape, target), params=params, values=values)


@cache
def _constant_defaults(vendor: str) -> dict[str, tuple[object, object]]:
    """{attname: (default, as the database takes it)} of the columns whose default is one plain
    immutable value (no callable such as a new public id, no mutable container), for `vendor`:
    a claim would otherwise prepare each of them again on every accept."""
    constant = {}
    for field in insert_fields():
        if field.attname == _TASK_COLUMN or field.attname in _SET_BY_CLAIM:
            continue
        if callable(field.default):
            continue
        value = field.get_default()
        if value is None or isinstance(value, str | int | bool):
            constant[field.attname] = (value, field.get_db_prep_save(value, connection))
    return constant


def _take(claim: Claim, worker: User) -> Assignment | None:
    """Run `claim`; the new assignment, or None when no task could be taken.

    IntegrityError when the same worker took the same task at the same moment (the unique
    constraint on task and worker); the caller's transaction stays usable.
    """
    # Several statements need a transaction; one inside the caller's needs a savepoint, so
    # that a duplicate leaves the caller's transaction usable. One statement on its own, in
    # autocommit, is its own transaction: no BEGIN, no COMMIT.
    if len(claim.statements) > 1 or connection.in_atomic_block:
        with transaction.atomic():
            row = _run(claim.statements, claim.params)
    else:
        row = _run(claim.statements, claim.params)
    if row is None:
        return None
    pk, task_id = row
    known = {"id": pk, _TASK_COLUMN: task_id, **claim.values}
    fields = [field for field in Assignment._meta.concrete_fields if field.attname in known]
    # A column the database filled (db_default) is left deferred: read when first used.
    assignment = Assignment.from_db(
        connection.alias,
        [field.attname for field in fields],
        [known[field.attname] for field in fields],
    )
    assignment.worker = worker
    return assignment


def _run(statements: tuple[str, ...], params: dict) -> tuple[int, int] | None:
    """(assignment id, task id), or None."""
    with prepared_cursor(connection) as cursor:
        if len(statements) == 1:
            cursor.execute(statements[0], params)
            return cursor.fetchone()
        take, insert = statements
        cursor.execute(take, params)
        taken = cursor.fetchone()
        if taken is None:
            return None
        cursor.execute(insert, {**params, "taken": taken[0]})
        return cursor.fetchone()[0], taken[0]


def take_next(
    *, worker: User, project: Project, gold: bool = False, shape: Shape | None = None
) -> Assignment | None:
    """Take one slot of the next live task of `project` that `worker` has never had: a gold
    task if `gold`, an ordinary one otherwise; None if there is none.

    Locks only the task row it takes, skipping rows locked by concurrent claims. IntegrityError
    if the same worker took the same task concurrently (another tab): the caller tries again.
    """
    target = Target.GOLD if gold else Target.ORDINARY
    return _take(build(target, worker=worker, project=project, shape=shape), worker)


def take_given(
    *, worker: User, task_id: int, project: Project, shape: Shape | None = None
) -> Assignment | Refusal:
    """Take one slot of task `task_id` of `project` for `worker`, or say why not.

    Waits for a concurrent claim of the same task rather than skip it. Task.DoesNotExist if
    there is no such task.
    """
    try:
        claim = build(Target.GIVEN, worker=worker, project=project, task_id=task_id, shape=shape)
        assignment = _take(claim, worker)
    except IntegrityError:
        # The same worker took this task at the same moment (another tab): the unique
        # constraint refused the second. Anything else is a bug, and raised.
        if _refusal(worker=worker, task_id=task_id) is Refusal.HAD_IT:
            return Refusal.HAD_IT
        raise
    return assignment or _refusal(worker=worker, task_id=task_id)


def _refusal(*, worker: User, task_id: int) -> Refusal:
    """Why task `task_id` could not be taken, read after the claim took nothing. A slot freed
    since counts as none: the caller frees overdue slots and tries once more."""
    task = Task.objects.select_related("batch").get(pk=task_id)
    if not task.batch.is_live(timezone.now()):
        return Refusal.NOT_LIVE
    if Assignment.objects.filter(task_id=task_id, worker=worker).exists():
        return Refusal.HAD_IT
    return Refusal.FULL


# --- What an accept must know before it claims, in one statement: what could stop the worker
# and the project's gold mixing rate (the columns of the accept gate that quality provides,
# work/events.py), whether they have an open assignment in the project, and how many they have
# open across the site. SQL for the same
# reason as the claim's: on every accept, the ORM's cost to write it was larger than the
# database's to run it.
_FACTS_SQL_TEMPLATE = f"""
SELECT {{gate_columns}},
    EXISTS (SELECT 1 FROM {_ASSIGNMENT} AS mine
            JOIN {_TASK} AS task ON task.id = mine.task_id
            JOIN {_BATCH} AS batch ON batch.id = task.batch_id
            WHERE mine.worker_id = %(worker)s
              AND batch.project_id = %(project)s
              AND mine.state = %(accepted)s
              AND mine.deadline > %(now)s) AS has_open_assignment,
    (SELECT count(*) FROM {_ASSIGNMENT} AS held
     WHERE held.worker_id = %(worker)s
       AND held.state = %(accepted)s
       AND held.deadline > %(now)s) AS open_assignments
"""  # nosec B608  # table and column names from the models; values are bound parameters
_facts_sql: dict[str, str] = {}  # by the gate's columns: written once per process


def read_facts(
    *, worker: User, project: Project, gate: events.AcceptGate | None = None
) -> dict[str, object]:
    """The accept's facts by column name: the gate's columns, `has_open_assignment` and
    `open_assignments`."""
    gate = gate or events.accept_gate.call()
    sql = _facts_sql.get(gate.columns)
    if sql is None:
        sql = _facts_sql[gate.columns] = _FACTS_SQL_TEMPLATE.format(gate_columns=gate.columns)
    params = gate.params(worker=worker, project=project) | {
        "worker": worker.pk,
        "project": project.pk,
        "accepted": AssignmentState.ACCEPTED.value,
        "now": connection.ops.adapt_datetimefield_value(timezone.now()),
    }
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))
