from microwork.common.money import format_amount
from microwork.payments import selectors as money


def run(requester, params) -> dict:
    """The balances as they will be once what is due is settled (payments.selectors.
    requester_due), as MTurk's own are always settled: AvailableBalance is the funds plus the
    unused escrow of HITs that ended (expired or deleted), their overdue assignments expired;
    OnHoldBalance is the escrow less that, and less the rewards and fees of submissions past
    their AutoApprovalTime, paid to the workers. Not counted: pay floor raises and top-ups,
    and rejections overturned by appeals the requester left unanswered, which their own
    rounds settle (fairness/settlement.py)."""
    balance = money.requester_money(requester)
    return {
        "AvailableBalance": format_amount(balance["available_settled_cents"]),
        "OnHoldBalance": format_amount(balance["escrow_settled_cents"]),
    }
