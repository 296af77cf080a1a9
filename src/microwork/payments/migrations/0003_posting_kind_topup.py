"""A posting kind for the pay floor's top-ups (fairness, docs/adr/0011).

SQLite changes a constraint by rebuilding the table, which drops the append-only triggers of
0002; they are created again here. PostgreSQL alters the table in place and keeps them.
"""

from django.conf import settings
from django.db import migrations, models

from microwork.payments.ledger_triggers import recreate_sqlite_triggers


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0002_append_only_ledger'),
        ('projects', '0003_batch_reward_override'),
        ('work', '0002_auto_approval'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='posting',
            name='posting_kind_valid',
        ),
        migrations.AlterField(
            model_name='posting',
            name='kind',
            field=models.CharField(choices=[('deposit', 'Deposit'), ('escrow_reserve', 'Reserved for a batch'), ('escrow_release', 'Unused escrow returned'), ('reward', 'Reward for approved work'), ('rejection_refund', 'Rejected work refunded'), ('overturn', 'Rejection overturned'), ('bonus', 'Bonus'), ('topup', 'Pay floor top-up'), ('payout_request', 'Payout requested'), ('payout_paid', 'Payout paid'), ('payout_cancel', 'Payout cancelled')], max_length=32),
        ),
        migrations.AddConstraint(
            model_name='posting',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['deposit', 'escrow_reserve', 'escrow_release', 'reward', 'rejection_refund', 'overturn', 'bonus', 'topup', 'payout_request', 'payout_paid', 'payout_cancel'])), name='posting_kind_valid'),
        ),
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
