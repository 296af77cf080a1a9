from django.db import IntegrityError, transaction

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.common.ids import new_worker_id


class EmailTaken(Exception):
    pass


@transaction.atomic
def user_sign_up(*, email: str, password: str, role: Role | str, display_name: str = "") -> User:
    """Create a worker or requester account; a worker gets a fresh pseudonymous worker id.

    Raise EmailTaken if the address is in use (compared case-insensitively).
    """
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(email)
    user = User(email=email, role=Role(role), display_name=display_name.strip())
    if user.role == Role.WORKER:
        user.worker_id = new_worker_id()
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent sign-up with the same address won the race.
        raise EmailTaken(email) from None
    return user
