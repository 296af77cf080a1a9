"""Card deposits (Stripe), their events, numbered receipts, workers' payout details, and the
accounts and postings of reversed card payments (docs/deposits.md, docs/adr/0024).

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
        ('payments', '0003_posting_kind_topup'),
        ('projects', '0008_task_claim_indexes'),
        ('work', '0006_batch_finish_existing'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CardDeposit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('request_key', models.CharField(max_length=64)),
                ('amount_cents', models.BigIntegerField()),
                ('currency', models.CharField(max_length=3)),
                ('state', models.CharField(choices=[('created', 'Waiting for payment'), ('processing', 'Payment processing'), ('paid', 'Paid'), ('failed', 'Payment failed'), ('expired', 'Expired unpaid')], default='created', max_length=16)),
                ('stripe_session_id', models.CharField(blank=True, max_length=255)),
                ('checkout_url', models.URLField(blank=True, max_length=2000)),
                ('stripe_payment_intent', models.CharField(blank=True, max_length=255)),
                ('refunded_cents', models.BigIntegerField(default=0)),
                ('disputed_cents', models.BigIntegerField(default=0)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('paid_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='PayoutMethod',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('iban', 'Bank account (IBAN)'), ('paypal', 'PayPal')], max_length=8)),
                ('iban', models.CharField(blank=True, max_length=34, verbose_name='IBAN')),
                ('bic', models.CharField(blank=True, max_length=11, verbose_name='BIC')),
                ('holder', models.CharField(blank=True, max_length=70, verbose_name='account holder')),
                ('paypal_email', models.EmailField(blank=True, max_length=254, verbose_name='PayPal email')),
                ('changed_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.CreateModel(
            name='Receipt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=20, unique=True)),
                ('year', models.PositiveIntegerField()),
                ('sequence', models.PositiveIntegerField()),
                ('amount_cents', models.BigIntegerField()),
                ('currency', models.CharField(max_length=3)),
                ('channel', models.CharField(choices=[('staff', 'Recorded by staff'), ('transfer', 'Bank transfer'), ('card', 'Card payment')], max_length=16)),
                ('reference', models.CharField(blank=True, max_length=200)),
                ('issued_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('customer', models.JSONField(default=dict)),
                ('operator', models.JSONField(default=dict)),
            ],
            options={
                'ordering': ['-year', '-sequence'],
            },
        ),
        migrations.CreateModel(
            name='ReceiptCounter',
            fields=[
                ('year', models.PositiveIntegerField(primary_key=True, serialize=False)),
                ('last', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='StripeEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event_id', models.CharField(max_length=255, unique=True)),
                ('type', models.CharField(max_length=100)),
                ('outcome', models.CharField(choices=[('applied', 'Applied'), ('waiting', 'Waiting for its payment'), ('ignored', 'Ignored')], max_length=16)),
                ('payment_intent', models.CharField(blank=True, max_length=255)),
                ('data', models.JSONField(blank=True, default=dict)),
                ('note', models.CharField(blank=True, max_length=300)),
                ('stripe_created', models.BigIntegerField(default=0)),
                ('received_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['stripe_created', 'pk'],
            },
        ),
        migrations.RemoveConstraint(
            model_name='account',
            name='account_kind_valid',
        ),
        migrations.RemoveConstraint(
            model_name='posting',
            name='posting_kind_valid',
        ),
        migrations.AlterField(
            model_name='account',
            name='kind',
            field=models.CharField(choices=[('requester_available', 'Requester funds'), ('escrow', 'Escrow of a batch'), ('worker_available', 'Worker earnings'), ('worker_payout_pending', 'Payouts requested'), ('platform_fees', 'Platform fees'), ('external', 'Outside world (deposits and payouts)'), ('requester_debt', 'Owed after a reversed payment')], max_length=32),
        ),
        migrations.AlterField(
            model_name='posting',
            name='kind',
            field=models.CharField(choices=[('deposit', 'Deposit'), ('escrow_reserve', 'Reserved for a batch'), ('escrow_release', 'Unused escrow returned'), ('reward', 'Reward for approved work'), ('rejection_refund', 'Rejected work refunded'), ('overturn', 'Rejection overturned'), ('bonus', 'Bonus'), ('topup', 'Pay floor top-up'), ('payout_request', 'Payout requested'), ('payout_paid', 'Payout paid'), ('payout_cancel', 'Payout cancelled'), ('deposit_reversal', 'Card payment refunded or disputed'), ('debt_repayment', 'Debt repaid')], max_length=32),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['requester_available', 'escrow', 'worker_available', 'worker_payout_pending', 'platform_fees', 'external', 'requester_debt'])), name='account_kind_valid'),
        ),
        migrations.AddConstraint(
            model_name='posting',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['deposit', 'escrow_reserve', 'escrow_release', 'reward', 'rejection_refund', 'overturn', 'bonus', 'topup', 'payout_request', 'payout_paid', 'payout_cancel', 'deposit_reversal', 'debt_repayment'])), name='posting_kind_valid'),
        ),
        migrations.AddField(
            model_name='carddeposit',
            name='posting',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='card_deposit', to='payments.posting'),
        ),
        migrations.AddField(
            model_name='carddeposit',
            name='requester',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='card_deposits', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='payoutmethod',
            name='worker',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='payout_method', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='receipt',
            name='posting',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='receipt', to='payments.posting'),
        ),
        migrations.AddField(
            model_name='receipt',
            name='requester',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='receipts', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='stripeevent',
            name='deposit',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='payments.carddeposit'),
        ),
        migrations.AddIndex(
            model_name='carddeposit',
            index=models.Index(fields=['stripe_payment_intent'], name='card_deposit_intent'),
        ),
        migrations.AddConstraint(
            model_name='carddeposit',
            constraint=models.CheckConstraint(condition=models.Q(('amount_cents__gt', 0)), name='card_deposit_positive'),
        ),
        migrations.AddConstraint(
            model_name='carddeposit',
            constraint=models.UniqueConstraint(fields=('requester', 'request_key'), name='card_deposit_request_key_unique'),
        ),
        migrations.AddConstraint(
            model_name='carddeposit',
            constraint=models.UniqueConstraint(condition=models.Q(('stripe_session_id', ''), _negated=True), fields=('stripe_session_id',), name='card_deposit_session_unique'),
        ),
        migrations.AddConstraint(
            model_name='carddeposit',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('state', 'paid'), _negated=True), models.Q(('paid_at__isnull', False), ('posting__isnull', False)), _connector='OR'), name='card_deposit_paid_has_posting'),
        ),
        migrations.AddConstraint(
            model_name='carddeposit',
            constraint=models.CheckConstraint(condition=models.Q(('disputed_cents__gte', 0), ('refunded_cents__gte', 0)), name='card_deposit_reversals_positive'),
        ),
        migrations.AddConstraint(
            model_name='payoutmethod',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'iban'), ('paypal_email', ''), models.Q(('iban', ''), _negated=True), models.Q(('holder', ''), _negated=True)), models.Q(('bic', ''), ('holder', ''), ('iban', ''), ('kind', 'paypal'), models.Q(('paypal_email', ''), _negated=True)), _connector='OR'), name='payout_method_complete'),
        ),
        migrations.AddConstraint(
            model_name='receipt',
            constraint=models.UniqueConstraint(fields=('year', 'sequence'), name='receipt_year_sequence'),
        ),
        migrations.AddConstraint(
            model_name='receipt',
            constraint=models.CheckConstraint(condition=models.Q(('amount_cents__gt', 0)), name='receipt_positive'),
        ),
        migrations.AddIndex(
            model_name='stripeevent',
            index=models.Index(fields=['payment_intent', 'outcome'], name='stripe_event_waiting'),
        ),
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
