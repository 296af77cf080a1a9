"""The ledger's invariants, checked on demand: by tests after every step, by the load harness
after a run, and by `microwork ledger-check` on a live database."""

from django.db.models import Count, F, Q, Sum

from microwork.payments.enums import MAY_GO_NEGATIVE, AccountKind
from microwork.payments.models import Account, LedgerEntry, Posting
from microwork.payments.services import balance, escrow_owed
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch

# Batches that can still hand out work: their escrow must hold exactly what they owe.
LIVE = (BatchStatus.PUBLISHED, BatchStatus.PAUSED)


def ledger_problems() -> list[str]:
    """Every broken invariant, in words; an empty list means the books are right."""
    problems: list[str] = []
    for row in LedgerEntry.objects.values("currency").annotate(total=Sum("amount_cents")):
        if row["total"] != 0:
            problems.append(f"ledger in {row['currency']} sums to {row['total']}, not 0")
    unbalanced = (
        LedgerEntry.objects.values("posting")
        .annotate(total=Sum("amount_cents"), currencies=Count("currency", distinct=True))
        .exclude(total=0, currencies=1)
    )
    for row in unbalanced[:20]:
        problems.append(
            f"posting {row['posting']} sums to {row['total']} over {row['currencies']} currencies"
        )
    empty = Posting.objects.filter(entries__isnull=True)
    for posting in empty[:20]:
        problems.append(f"posting {posting.idempotency_key} has no entries")
    totals = (
        LedgerEntry.objects.values("account")
        .annotate(total=Sum("amount_cents"))
        .filter(total__lt=0)
    )
    negatives = Account.objects.filter(pk__in=[row["account"] for row in totals]).exclude(
        kind__in=list(MAY_GO_NEGATIVE)
    )
    for account in negatives:
        problems.append(f"account {account.key} is negative: {balance(account)}")
    # An entry names the assignment it pays (LedgerEntry.assignment) exactly when it goes to a
    # worker's earnings in a posting that names one, and then names the posting's.
    earnings = Q(account__kind=AccountKind.WORKER_AVAILABLE, posting__assignment__isnull=False)
    misnamed = LedgerEntry.objects.filter(
        earnings & (Q(assignment__isnull=True) | ~Q(assignment=F("posting__assignment")))
        | ~earnings & Q(assignment__isnull=False)
    ).values_list("pk", "assignment", "posting__idempotency_key", "posting__assignment")
    for pk, named, key, paid in misnamed[:20]:
        problems.append(f"entry {pk} of posting {key} names assignment {named}, not {paid}")
    # A debt account is below zero by what its requester owes; above zero it would hold money.
    positive_debts = (
        LedgerEntry.objects.filter(account__kind=AccountKind.REQUESTER_DEBT)
        .values("account__key")
        .annotate(total=Sum("amount_cents"))
        .filter(total__gt=0)
    )
    for row in positive_debts:
        problems.append(f"debt account {row['account__key']} is above zero: {row['total']}")
    escrow_batches = Account.objects.filter(kind=AccountKind.ESCROW).values_list("batch", flat=True)
    for batch in Batch.objects.filter(pk__in=escrow_batches).select_related("project"):
        held = balance(Account.objects.get(kind=AccountKind.ESCROW, batch=batch))
        owed = escrow_owed(batch)
        if held < owed:
            problems.append(f"escrow of batch {batch.pk} holds {held}, owes {owed}")
        elif held > owed and batch.status in LIVE and not batch.is_expired():
            problems.append(f"escrow of live batch {batch.pk} holds {held}, owes only {owed}")
    return problems
