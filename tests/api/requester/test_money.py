import pytest

from tests.api.requester.conftest import FUNDS, make_batch, submit

pytestmark = pytest.mark.django_db


def test_the_balance_shows_funds_and_escrow(callers):
    make_batch(callers.owner, rows=2, slots=2)  # 4 slots at 0.50 + 0.10 fee: 2.40 in escrow

    body = callers.api.get("/api/v1/balance").json()

    assert body == {
        "currency": "EUR",
        "available_cents": FUNDS - 240,
        "escrow_cents": 240,
        "due_back_cents": 0,
        "auto_approvals_due_cents": 0,
        "deposited_cents": FUNDS,
        "rewards_cents": 0,
        "bonuses_cents": 0,
    }


def test_the_statement_pages_newest_first(callers):
    batch = make_batch(callers.owner, rows=2, slots=2)
    assignments = submit(batch, 3)
    for number, assignment in enumerate(assignments):
        callers.api.post(
            f"/api/v1/assignments/{assignment.public_id}/bonus",
            {"amount_cents": 10 + number, "reason": "Thanks"},
        )

    lines, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = callers.api.get("/api/v1/statement", query).json()
        lines += page["items"]
        if not (cursor := page["next_cursor"]):
            break

    assert [(line["kind"], line["amount_cents"]) for line in lines] == [
        ("bonus", -(12 + 2)),
        ("bonus", -(11 + 2)),
        ("bonus", -(10 + 2)),
        ("escrow_reserve", -240),
        ("deposit", FUNDS),
    ]
    assert lines[0]["assignment_id"] == assignments[2].public_id
    other = callers.other_api.get("/api/v1/statement").json()["items"]
    assert [line["kind"] for line in other] == ["deposit"]
