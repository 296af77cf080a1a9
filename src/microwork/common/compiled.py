"""Querysets turned into SQL once per database connection, then run with new values.

Django writes a queryset's SQL again on every evaluation. For the few reads that every worker's
request makes (the signed-in user, the assignment a work page shows, the one a submit locks),
writing the SQL costs the app more CPU than PostgreSQL spends running it: 1.7–2.2 ms for a read
joining four models, on the machine of docs/performance.md. A CompiledQuery builds its queryset
once with stand-in values, keeps the SQL and Django's description of its columns, and on each
call swaps the real values into the parameters and builds the instances as `QuerySet.get()`
would: the same SQL, the same objects, the same related objects and annotations.

Only string and integer values can be swapped, and each must reach the parameters unchanged and
exactly once (an equality test on a column, say); anything else is refused on first use, as
the SQL could depend on the value. A queryset is compiled once per database connection, and a
connection belongs to one thread.

save_fields() does the same for `obj.save(update_fields=...)`: the UPDATE's SQL is written once
per connection and set of NULL values, and each value is prepared by its field as save() does.

prepared_cursor() is the same idea on the database's side: on microwork's PostgreSQL backend the
statements run on it, the claim's raw SQL, the compiled reads and save_fields()'s UPDATEs, are
planned once per connection instead of on every run.

Each falls back to Django's own way (docs/adr/0018): `MICROWORK_COMPILED_QUERIES=0` makes get()
run its queryset's get() and save_fields() call save(); `MICROWORK_COMPILED_UPDATES=0` the
latter only; prepared_cursor() is Django's cursor on any other backend or with
`MICROWORK_DB_PREPARE_THRESHOLD=0`. All of it leans on Django's internals (the compiler's
attributes, UpdateQuery, the cursor wrappers), checked against Django 5.2:
tests/common/test_compiled_twins.py runs every CompiledQuery of the code base and save_fields()
against their ORM twins, so an upgrade that changes them fails a test instead of a page.
"""

import sys
import weakref
from collections.abc import Callable, Sequence

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Model, Q, QuerySet
from django.db.models.query import MAX_GET_RESULTS, ModelIterable, get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import UpdateQuery
from django.db.transaction import TransactionManagementError
from django.http import Http404

# Stand-ins: values no caller passes, recognisable in the compiled parameters.
_STAND_IN_INT = -(2**62)
_STAND_IN_STR = "\x1fcompiled-query-stand-in-{}\x1f"


class _Compiled:
    """One queryset's SQL and column layout on one connection."""

    def __init__(self, queryset: QuerySet, connection, names: dict[str, object]):
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        positions = {}
        for name, stand_in in names.items():
            found = [index for index, param in enumerate(params) if param == stand_in]
            if len(found) != 1:
                raise ValueError(
                    f"CompiledQuery: the value {name!r} must reach the SQL parameters exactly "
                    f"once, unchanged (found {len(found)} times); filter on it with equality."
                )
            positions[name] = found[0]
        self.sql = sql
        self.params = list(params)
        self.positions = positions
        self.for_update = queryset.query.select_for_update
        self.compiler = compiler
        select = compiler.select
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.related_populators = get_related_populators(klass_info, select, connection.alias)
        self.annotation_col_map = compiler.annotation_col_map

    def rows(self, connection, values: dict[str, object]) -> list:
        if self.for_update and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(self.params)
        for name, position in self.positions.items():
            params[position] = values[name]
        # The statement's text is the same on every call: on PostgreSQL it is prepared, and
        # PostgreSQL plans a join of four tables once, not on every read (docs/adr/0016).
        with prepared_cursor(connection) as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows

    def instance(self, row, alias: str) -> Model:
        obj = self.model.from_db(alias, self.init_list, row[self.start : self.end])
        for populator in self.related_populators:
            populator.populate(row, obj)
        for name, position in self.annotation_col_map.items():
            setattr(obj, name, row[position])
        return obj


# Every CompiledQuery made, so that a test can hold each against its ORM twin and none is
# forgotten (tests/common/test_compiled_twins.py).
_MADE: weakref.WeakSet = weakref.WeakSet()


def compiled_queries() -> list["CompiledQuery"]:
    """Every CompiledQuery alive, in the order of where they were made (module, line)."""
    return sorted(_MADE, key=lambda query: query.made_at)


class CompiledQuery:
    """`build(**values)` returns the queryset; `types` names each value's type, str or int.

    ASSIGNMENT = CompiledQuery(
        lambda public_id: Assignment.objects.select_related("task").filter(public_id=public_id),
        public_id=str,
    )
    assignment = ASSIGNMENT.get(public_id="3X9...")
    """

    def __init__(self, build: Callable[..., QuerySet], **types: type):
        for name, kind in types.items():
            if kind not in (str, int):
                raise TypeError(f"CompiledQuery: {name!r} must be str or int, not {kind!r}.")
        self._build = build
        self._types = types
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        caller = sys._getframe(1)
        self.made_at: tuple[str, int] = (caller.f_globals.get("__name__", "?"), caller.f_lineno)
        _MADE.add(self)

    def __repr__(self) -> str:
        return f"<CompiledQuery made at {self.made_at[0]}:{self.made_at[1]}>"

    @property
    def types(self) -> dict[str, type]:
        """Each value's name and type, as given."""
        return dict(self._types)

    def queryset(self, **values) -> QuerySet:
        """The ORM twin: the queryset whose get() this query's get() stands for."""
        return self._build(**values)

    def _stand_ins(self) -> dict[str, object]:
        stand_ins = {}
        for index, (name, kind) in enumerate(self._types.items()):
            stand_ins[name] = _STAND_IN_INT + index if kind is int else _STAND_IN_STR.format(index)
        return stand_ins

    def _compile(self, connection) -> _Compiled:
        stand_ins = self._stand_ins()
        queryset = self._build(**stand_ins)
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups:
            raise ValueError(
                "CompiledQuery: only plain model querysets (no values(), no prefetch)."
            )
        # As QuerySet.get() writes it: no ordering, and a limit that tells several rows apart.
        queryset = queryset.order_by()
        if not queryset.query.select_for_update or (
            connection.features.supports_select_for_update_with_limit
        ):
            queryset.query.set_limits(high=MAX_GET_RESULTS)
        return _Compiled(queryset, connection, stand_ins)

    def get(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> Model:
        """The one row the values select, as QuerySet.get() returns it; DoesNotExist or
        MultipleObjectsReturned as it raises them."""
        if values.keys() != self._types.keys():
            raise TypeError(
                f"CompiledQuery.get() takes {sorted(self._types)}, not {sorted(values)}."
            )
        for name, value in values.items():
            if type(value) is not self._types[name]:
                raise TypeError(
                    f"CompiledQuery.get(): {name!r} must be {self._types[name].__name__}, "
                    f"not {type(value).__name__}."
                )
        if not settings.MICROWORK_COMPILED_QUERIES:
            return self._build(**values).using(using).get()
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile(connection)
        rows = compiled.rows(connection, values)
        if len(rows) == 1:
            return compiled.instance(rows[0], using)
        model = compiled.model
        if not rows:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(
            f"get() returned more than one {model._meta.object_name} -- it returned "
            f"{len(rows) if len(rows) < MAX_GET_RESULTS else f'more than {MAX_GET_RESULTS - 1}'}!"
        )

    def get_or_404(self, **values) -> Model:
        """get(), with Http404 where it finds no row, as django.shortcuts.get_object_or_404."""
        try:
            return self.get(**values)
        except ObjectDoesNotExist:
            raise Http404("No such object.") from None


_UPDATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection -> {key: SQL}


def save_fields(obj: Model, fields: Sequence[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Run `obj.save(update_fields=fields)`, with the UPDATE's SQL written once per connection,
    model, fields and set of NULL values: the same statement, each value prepared by its field.

    save() itself runs instead where it would do more than that UPDATE: a model with save
    signals connected (microwork connects none, docs/STYLE), a relation or the primary key among
    the fields, or a value that is an expression; and always with MICROWORK_COMPILED_UPDATES
    off. Raises DatabaseError, as save() does, when the row is gone.
    """
    if not settings.MICROWORK_COMPILED_UPDATES:
        obj.save(update_fields=fields, using=using)
        return
    model = type(obj)
    meta = model._meta
    named = {meta.get_field(name) for name in fields}  # FieldDoesNotExist for a wrong name
    # In the model's order, as save() writes them.
    columns = [field for field in meta.local_concrete_fields if field in named]
    if (
        pre_save.has_listeners(model)
        or post_save.has_listeners(model)
        or meta.select_on_save
        or meta.parents
        or len(columns) != len(named)
        or any(f.is_relation or f.primary_key for f in columns)
    ):
        obj.save(update_fields=fields, using=using)
        return
    values = [field.pre_save(obj, False) for field in columns]
    if any(hasattr(v, "resolve_expression") or hasattr(v, "as_sql") for v in values):
        obj.save(update_fields=fields, using=using)
        return
    connection = connections[using]
    prepared = [
        field.get_db_prep_save(value, connection=connection)
        for field, value in zip(columns, values, strict=True)
    ]
    key = (model, tuple(columns), tuple(value is None for value in prepared))
    statements = _UPDATES.setdefault(connection, {})
    sql = statements.get(key)
    if sql is None:
        query = UpdateQuery(model)
        query.add_update_fields(
            [(field, None, value) for field, value in zip(columns, values, strict=True)]
        )
        query.add_q(Q(pk=obj.pk))
        sql, params = query.get_compiler(connection=connection).as_sql()
        if len(params) != key[2].count(False) + 1:
            raise ValueError(f"save_fields: {list(fields)} do not each take one parameter.")
        statements[key] = sql
    params = [value for value in prepared if value is not None]
    params.append(meta.pk.get_db_prep_value(meta.pk.get_prep_value(obj.pk), connection, True))
    with transaction.mark_for_rollback_on_error(using), prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        updated = cursor.rowcount
    if not updated:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.adding = False
    obj._state.db = using


def prepared_cursor(connection):
    """A cursor for a statement whose text is the same on every run: the claim's raw SQL, a
    compiled read, save_fields()'s UPDATE. On microwork's PostgreSQL backend it binds
    parameters on the server, so that psycopg prepares a statement after
    OPTIONS["prepare_threshold"] runs on a connection (settings.py, common/postgresql/) and
    PostgreSQL stops planning it again. Elsewhere, Django's own PostgreSQL backend included, and
    with the threshold at 0, it is Django's own cursor. Queries are logged and their errors
    wrapped as Django's cursor does."""
    if not hasattr(connection, "create_preparing_cursor"):  # not common/postgresql/
        return connection.cursor()
    connection.ensure_connection()  # which reads the threshold from the settings
    if connection.prepare_after is None:
        return connection.cursor()
    with connection.wrap_database_errors:
        raw = connection.create_preparing_cursor()
    if connection.queries_logged:
        return _LoggedCursor(raw, connection)
    return connection.make_cursor(raw)


class _LoggedCursor(CursorDebugWrapper):
    """Django's debug cursor for a server-bound one: Django's reads the statement back from the
    driver, which has none to give for a prepared statement, so this logs it as composed
    on the client."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return CursorWrapper.execute(self, sql, params)
