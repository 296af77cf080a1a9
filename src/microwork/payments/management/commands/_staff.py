"""What the bank and payouts commands share: who acts."""

from django.core.management.base import CommandError

from microwork.accounts.models import User


def staff_user(email: str | None) -> User | None:
    """The staff member named by --by, recorded as the actor; None when not given."""
    if not email:
        return None
    user = User.objects.filter(email__iexact=email.strip(), is_staff=True).first()
    if user is None:
        raise CommandError(f"--by: no staff member has the email {email}")
    return user
