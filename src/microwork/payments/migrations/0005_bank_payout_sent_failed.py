"""Bank transfers in and payout files out (docs/payouts.md, docs/adr/0025): bank statements and
their lines, payout files, the sent and failed payout states and the payout_failed posting kind.

SQLite changes a constraint by rebuilding the table, which drops the append-only triggers of
0002 on postings; they are created again here, as in 0003. PostgreSQL keeps them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from microwork.payments.ledger_triggers import recreate_sqlite_triggers


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0004_card_deposits_payout_method'),
        ('projects', '0008_task_claim_indexes'),
        ('work', '0006_batch_finish_existing'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='BankLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=200, unique=True)),
                ('entry_reference', models.CharField(max_length=100)),
                ('booked_on', models.DateField(blank=True, null=True)),
                ('amount_cents', models.BigIntegerField()),
                ('currency', models.CharField(max_length=3)),
                ('counterparty_name', models.CharField(blank=True, max_length=140)),
                ('counterparty_iban', models.CharField(blank=True, max_length=34)),
                ('remittance', models.CharField(blank=True, max_length=500)),
                ('end_to_end_id', models.CharField(blank=True, max_length=35)),
                ('return_reason', models.CharField(blank=True, max_length=300)),
                ('state', models.CharField(choices=[('credited', 'Credited to a requester'), ('unmatched', 'Waiting for staff'), ('dismissed', 'Dismissed'), ('payout_paid', 'Payout paid'), ('payout_failed', 'Payout returned'), ('ignored', 'Not for microwork')], max_length=16)),
                ('note', models.CharField(blank=True, max_length=500)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'ordering': ['pk'],
            },
        ),
        migrations.CreateModel(
            name='BankStatement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('file_name', models.CharField(blank=True, max_length=200)),
                ('sha256', models.CharField(max_length=64)),
                ('format', models.CharField(max_length=20)),
                ('account_iban', models.CharField(blank=True, max_length=34)),
                ('statement_id', models.CharField(blank=True, max_length=100)),
                ('lines_new', models.PositiveIntegerField(default=0)),
                ('lines_known', models.PositiveIntegerField(default=0)),
                ('imported_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['-imported_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='PayoutFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('message_id', models.CharField(max_length=35, unique=True)),
                ('format', models.CharField(choices=[('pain.001.001.09', 'SEPA credit transfer (pain.001.001.09)'), ('pain.001.001.03', 'SEPA credit transfer (pain.001.001.03)'), ('csv', 'CSV for other rails')], max_length=20)),
                ('content', models.TextField()),
                ('currency', models.CharField(max_length=3)),
                ('payout_count', models.PositiveIntegerField()),
                ('total_cents', models.BigIntegerField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='payout',
            name='payout_settled_has_posting',
        ),
        migrations.RemoveConstraint(
            model_name='posting',
            name='posting_kind_valid',
        ),
        migrations.AddField(
            model_name='payout',
            name='end_to_end_id',
            field=models.CharField(blank=True, max_length=35),
        ),
        migrations.AddField(
            model_name='payout',
            name='failure_reason',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='payout',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='payout',
            name='state',
            field=models.CharField(choices=[('requested', 'Requested'), ('sent', 'Sent to the bank'), ('paid', 'Paid'), ('cancelled', 'Cancelled'), ('failed', 'Failed')], default='requested', max_length=16),
        ),
        migrations.AlterField(
            model_name='posting',
            name='kind',
            field=models.CharField(choices=[('deposit', 'Deposit'), ('escrow_reserve', 'Reserved for a batch'), ('escrow_release', 'Unused escrow returned'), ('reward', 'Reward for approved work'), ('rejection_refund', 'Rejected work refunded'), ('overturn', 'Rejection overturned'), ('bonus', 'Bonus'), ('topup', 'Pay floor top-up'), ('payout_request', 'Payout requested'), ('payout_paid', 'Payout paid'), ('payout_cancel', 'Payout cancelled'), ('deposit_reversal', 'Card payment refunded or disputed'), ('debt_repayment', 'Debt repaid'), ('payout_failed', 'Payout returned by the bank')], max_length=32),
        ),
        migrations.AddConstraint(
            model_name='posting',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['deposit', 'escrow_reserve', 'escrow_release', 'reward', 'rejection_refund', 'overturn', 'bonus', 'topup', 'payout_request', 'payout_paid', 'payout_cancel', 'deposit_reversal', 'debt_repayment', 'payout_failed'])), name='posting_kind_valid'),
        ),
        migrations.AddField(
            model_name='bankline',
            name='payout',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bank_lines', to='payments.payout'),
        ),
        migrations.AddField(
            model_name='bankline',
            name='posting',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bank_lines', to='payments.posting'),
        ),
        migrations.AddField(
            model_name='bankline',
            name='requester',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bank_lines', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='bankline',
            name='resolved_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='bankstatement',
            name='imported_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='bankline',
            name='statement',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='lines', to='payments.bankstatement'),
        ),
        migrations.AddField(
            model_name='payoutfile',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='payout',
            name='payout_file',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payouts', to='payments.payoutfile'),
        ),
        migrations.AddConstraint(
            model_name='payout',
            constraint=models.CheckConstraint(condition=models.Q(('state__in', ['requested', 'sent']), models.Q(('settle_posting__isnull', False), ('settled_at__isnull', False)), _connector='OR'), name='payout_settled_has_posting'),
        ),
        migrations.AddConstraint(
            model_name='payout',
            constraint=models.CheckConstraint(condition=models.Q(('state', 'requested'), models.Q(('payout_file__isnull', True), ('state', 'cancelled')), models.Q(('payout_file__isnull', False), ('sent_at__isnull', False), models.Q(('end_to_end_id', ''), _negated=True)), models.Q(('payout_file__isnull', True), ('state', 'paid')), _connector='OR'), name='payout_sent_has_file'),
        ),
        migrations.AddConstraint(
            model_name='payout',
            constraint=models.UniqueConstraint(condition=models.Q(('end_to_end_id', ''), _negated=True), fields=('end_to_end_id',), name='payout_end_to_end_id_unique'),
        ),
        migrations.AddIndex(
            model_name='bankline',
            index=models.Index(fields=['state', 'id'], name='bank_line_state'),
        ),
        migrations.AddConstraint(
            model_name='bankline',
            constraint=models.CheckConstraint(condition=models.Q(('amount_cents', 0), _negated=True), name='bank_line_not_zero'),
        ),
        migrations.AddConstraint(
            model_name='bankline',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'credited'), _negated=True), models.Q(('posting__isnull', False), ('requester__isnull', False)), _connector='OR'), name='bank_line_credited_has_posting'),
        ),
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
