"""Make ledger entries and postings append-only in the database itself.

An UPDATE or DELETE on them fails, whoever tries it (a bug, the admin, a shell), so the books can
only grow; a correction is a new reversing posting. The SQL is in payments/ledger_triggers.py.
"""

from django.db import migrations

from microwork.payments.ledger_triggers import create_triggers, drop_triggers


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
