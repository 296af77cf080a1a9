from microwork.common.money import format_amount
from microwork.payments import selectors as money
from microwork.work import services as work


def run(requester, params) -> dict:
    # Settle what time has decided (auto-approvals, ended HITs) so the balance is current.
    work.assignments_auto_approve_due(requester=requester)
    work.batches_settle_ended(requester=requester)
    balance = money.requester_money(requester)
    return {
        "AvailableBalance": format_amount(balance["available_cents"]),
        "OnHoldBalance": format_amount(balance["escrow_cents"]),
    }
