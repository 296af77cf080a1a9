from microwork.common.money import format_amount
from microwork.payments import selectors as money


def run(requester, params) -> dict:
    balance = money.requester_money(requester)
    return {
        "AvailableBalance": format_amount(balance["available_cents"]),
        "OnHoldBalance": format_amount(balance["escrow_cents"]),
    }
