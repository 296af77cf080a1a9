from microwork.payments import services


def fund(requester, amount_cents: int, *, reference: str | None = None):
    """Credit `requester` through the real deposit path, as staff would."""
    from tests.accounts.factories import UserFactory

    staff = UserFactory(role="requester", is_staff=True)
    return services.deposit_record(
        requester=requester,
        amount_cents=amount_cents,
        external_reference=reference or f"test-deposit-{requester.pk}-{amount_cents}-{staff.pk}",
        actor=staff,
    )


def card_deposit(requester, amount_cents: int = 5000, **fields):
    """A card deposit whose Checkout Session was created (card_deposit_checkout), not paid."""
    from microwork.payments.models import CardDeposit

    deposit = CardDeposit.objects.create(
        requester=requester,
        request_key=fields.pop("request_key", None) or f"key-{CardDeposit.objects.count() + 1}",
        amount_cents=amount_cents,
        currency=fields.pop("currency", "EUR"),
        **fields,
    )
    if not deposit.stripe_session_id:
        deposit.stripe_session_id = f"cs_test_{deposit.pk}"
        deposit.checkout_url = f"https://checkout.stripe.com/c/pay/cs_test_{deposit.pk}"
        deposit.save(update_fields=["stripe_session_id", "checkout_url"])
    return deposit
