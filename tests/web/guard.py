"""A guard that fails a test when the code under it writes to the database: a page, or an
MTurk read operation, shows what is due without settling it (issue #15).

Every statement Django sends is checked (connection.execute_wrapper): an INSERT, UPDATE,
DELETE, REPLACE or MERGE, a schema change, or a row lock (SELECT ... FOR UPDATE / SHARE: the
start of a write) raises WriteOnRead naming the statement. What a request may write, and
only that: its session's row (microwork's session table or Django's), and its credential's
last use: the user's last_login (Django's login), an MTurk key's last_used_at (mturk/auth.py,
at most once a while), a personal API token's last_used_at (accounts/tokens.py, once a minute)."""

import re
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection

from microwork.accounts.models import ApiToken, Session
from microwork.mturk.models import RequesterAccessKey

SESSION_TABLES = frozenset({Session._meta.db_table, DjangoSession._meta.db_table})

_WRITE = re.compile(
    r'\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|MERGE\s+INTO|DELETE\s+FROM)\s+"?(?P<into>[\w.]+)'
    r'|\bUPDATE\s+"?(?P<updated>[\w.]+)"?\s+SET\b'
    r"|^\s*(?P<ddl>TRUNCATE|CREATE|DROP|ALTER)\b"
    r"|\bFOR\s+(?P<lock>(?:NO\s+KEY\s+)?UPDATE|(?:KEY\s+)?SHARE)\b",
    re.IGNORECASE,
)


def _stamps():
    """(table, column) of the credentials' last use, which any request may set."""
    return (
        (get_user_model()._meta.db_table, "last_login"),
        (RequesterAccessKey._meta.db_table, "last_used_at"),
        (ApiToken._meta.db_table, "last_used_at"),
    )


def _stamp_only(sql: str) -> bool:
    return any(
        re.match(rf'\s*UPDATE\s+"?{table}"?\s+SET\s+"?{column}"?\s*=\s*%s\s+WHERE\b', sql, re.I)
        for table, column in _stamps()
    )


def write_in(sql: str) -> str | None:
    """What `sql` writes (or locks) beyond what a read may, or None."""
    for match in _WRITE.finditer(sql):
        table = (match.group("into") or match.group("updated") or "").split(".")[-1]
        if match.group("ddl") or match.group("lock"):
            return match.group(0)
        if table in SESSION_TABLES or _stamp_only(sql):
            continue
        return match.group(0)
    return None


class WriteOnRead(AssertionError):
    pass


@contextmanager
def forbid_writes():
    """Fail at the first statement that writes; yields the list of offending statements (empty
    when the block passes), in case the code under test swallowed the error."""
    offending: list[str] = []

    def guard(execute, sql, params, many, context):
        what = write_in(sql)
        if what is not None:
            offending.append(sql)
            raise WriteOnRead(f"a read wrote ({what}): {sql}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(guard):
        yield offending
    assert offending == [], offending
