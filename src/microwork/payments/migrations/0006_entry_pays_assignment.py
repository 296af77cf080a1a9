"""LedgerEntry.assignment: the assignment an entry to a worker's earnings pays, repeated from
its posting, and the index pay per assignment is read from (docs/adr/0026).

The entries already written are filled in here. It is the one UPDATE the append-only ledger
lets through: its triggers (ledger_triggers.py) are lifted for that statement only, which
writes the new column and nothing else (accounts, amounts and postings stay as they are).
Adding a nullable column does not rebuild the table on SQLite, so nothing else drops them.
"""

import django.db.models.deletion
from django.db import migrations, models

from microwork.payments import ledger_triggers

TABLE = "payments_ledgerentry"
FILL = (
    f"UPDATE {TABLE} SET assignment_id = (SELECT p.assignment_id FROM payments_posting p "
    f"WHERE p.id = {TABLE}.posting_id) "
    "WHERE account_id IN (SELECT id FROM payments_account WHERE kind = 'worker_available') "
    "AND posting_id IN (SELECT id FROM payments_posting WHERE assignment_id IS NOT NULL)"
)


def fill(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        # The new foreign key is checked at the end of each statement, not at commit:
        # PostgreSQL refuses to drop a trigger of a table with checks still pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ledger_triggers.drop_triggers(apps, schema_editor)
    schema_editor.execute(FILL)
    ledger_triggers.create_triggers(apps, schema_editor)
    if postgresql:
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_bank_payout_sent_failed"),
        ("work", "0007_photo_checks"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="assignment",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="work.assignment",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q(("assignment__isnull", False)),
                fields=["assignment", "amount_cents"],
                name="entry_pays_assignment",
            ),
        ),
    ]
