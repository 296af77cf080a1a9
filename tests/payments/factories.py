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
