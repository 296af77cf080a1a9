"""microwork's PostgreSQL backend: Django's own, less three costs that every request paid
(docs/adr/0016). ENGINE "microwork.common.postgresql", set by settings.py for a postgres URL
unless MICROWORK_DB_BACKEND=stock asks for Django's own, on which everything works the same for
more CPU (docs/adr/0018 measured each change against it).

- Timestamps are read by psycopg's own loader, in C with psycopg[binary]. Django registers a
  loader written in Python on every connection, to give aware datetimes in the connection's time
  zone; when that zone is UTC, psycopg's loader gives the same values (tzinfo
  `datetime.timezone.utc`), for a fraction of the CPU.
- Only the statements of `prepared_cursor()` (common/compiled.py) are prepared, after
  OPTIONS["prepare_threshold"] runs. psycopg otherwise keeps count of every statement of the
  connection, Django's client-bound ones too, which it never prepares, and which are all
  different, their values being in their text.
- The health check before a request's first query looks at the socket instead of sending
  `SELECT 1`: an idle connection receives nothing, so a byte or an end of file waiting on it
  means the server has closed it (restarted, or the backend was terminated).
"""

import datetime
import select

from django.db.backends.postgresql import base
from psycopg import adapters, pq
from psycopg.adapt import Loader

TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid
# psycopg's loader as psycopg would pick it: the C one when psycopg[binary] (or [c]) is installed.
PsycopgTimestamptzLoader = adapters.get_loader(TIMESTAMPTZ_OID, pq.Format.TEXT)
# One of them with no connection: ISO format in, UTC out (UtcTimestamptzLoader says why).
_psycopg_load_utc = PsycopgTimestamptzLoader(TIMESTAMPTZ_OID, None).load


# The states in which `SELECT 1` succeeds: not in a failed transaction, not busy, not broken.
USABLE_STATES = (pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS)


class UtcTimestamptzLoader(Loader):
    """psycopg's timestamptz loader, marked with the time zone that Django's cursors check for.

    psycopg's C loader cannot be subclassed, so this one hands over to one of them, made with no
    connection: it reads the ISO format and gives datetimes in UTC whatever the session's time
    zone, since PostgreSQL writes the offset. Made once, as it depends on nothing else."""

    timezone = datetime.UTC

    def load(self, data):
        return _psycopg_load_utc(data)


class PreparingCursor(base.ServerBindingCursor):
    """A server-bound cursor whose statements psycopg prepares after `prepare_after` runs on
    their connection (None: never). The connection's own threshold stays None between them."""

    prepare_after: int | None = None

    def execute(self, query, params=None, **kwargs):
        self.connection.prepare_threshold = self.prepare_after
        try:
            return super().execute(query, params, **kwargs)
        finally:
            self.connection.prepare_threshold = None


class DatabaseWrapper(base.DatabaseWrapper):
    prepare_after: int | None = None

    def get_connection_params(self):
        params = super().get_connection_params()
        self.prepare_after = params.pop("prepare_threshold", None)
        params["prepare_threshold"] = None
        return params

    def create_preparing_cursor(self) -> PreparingCursor:
        """A bare psycopg cursor (no Django wrapper) for common.compiled.prepared_cursor()."""
        cursor = PreparingCursor(self.connection)
        cursor.prepare_after = self.prepare_after
        return cursor

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        date_style = connection.info.parameter_status("DateStyle") or ""
        if self.timezone == datetime.UTC and date_style.startswith("ISO"):
            # Django's cursor() compares the loader's `timezone` with the connection's and
            # registers its own loader when they differ: with UTC on both, ours stays.
            connection.adapters.register_loader(TIMESTAMPTZ_OID, UtcTimestamptzLoader)
        return connection

    def is_usable(self):
        """Whether the connection can take a query, without a round trip to the server.

        Asked between requests (CONN_HEALTH_CHECKS, and after a query failed), when no query is
        running. Usable when `SELECT 1` would succeed: the connection is open, not in a failed
        transaction, and the server has not ended it. PostgreSQL sends nothing to a session
        between queries unless it listens for notifications (microwork's never do), except to
        end it: something to read means broken, or at worst a stray notice, and either way
        the connection is closed and the request opens a new one."""
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status not in USABLE_STATES:
            return False
        poll = select.poll()
        poll.register(connection.fileno(), select.POLLIN)
        return not poll.poll(0)
