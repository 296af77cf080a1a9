"""The database triggers that keep ledger entries and postings append-only (migration 0002).

An UPDATE or DELETE on them fails, whoever tries it (a bug, the admin, a shell), so the books can
only grow; a correction is a new reversing posting. The SQL lives here once: the migrations that
rebuild a ledger table on SQLite (which drops its triggers) call `recreate_sqlite_triggers`, and
the browser tests lift and restore them around SQLite's flush.
"""

TABLES = ["payments_ledgerentry", "payments_posting"]

_POSTGRESQL_FUNCTION = """
    CREATE OR REPLACE FUNCTION microwork_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql
"""


def _create_sqlite(schema_editor, table: str) -> None:
    for operation in ("UPDATE", "DELETE"):
        schema_editor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()} BEFORE {operation} "
            f"ON {table} BEGIN SELECT RAISE(ABORT, "
            f"'the ledger is append-only: {operation} on {table} refused'); END"
        )


def create_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            # params=None: no placeholders, the % in the function belong to PL/pgSQL.
            schema_editor.execute(_POSTGRESQL_FUNCTION, params=None)
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION microwork_append_only()"
            )
        elif vendor == "sqlite":
            _create_sqlite(schema_editor, table)


def drop_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            for operation in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")


def recreate_sqlite_triggers(apps, schema_editor) -> None:
    """SQLite changes a constraint by rebuilding the table, which drops its triggers;
    PostgreSQL alters the table in place and keeps them."""
    if schema_editor.connection.vendor == "sqlite":
        _create_sqlite(schema_editor, "payments_posting")
