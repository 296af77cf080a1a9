from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.common.ids import new_worker_id

PASSWORD = "correct horse battery staple"


@cache
def _password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once, not once per user.
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    role = Role.WORKER
    worker_id = factory.LazyAttribute(
        lambda user: new_worker_id() if user.role == Role.WORKER else None
    )
    password = factory.LazyFunction(_password_hash)
    # Verified unless a test says otherwise: an unverified account may not publish or be paid
    # out (docs/adr/0027), and most tests are about something else.
    email_verified_at = factory.LazyFunction(timezone.now)


class WorkerFactory(UserFactory):
    role = Role.WORKER


class RequesterFactory(UserFactory):
    role = Role.REQUESTER
    display_name = factory.Sequence(lambda n: f"Lab {n}")
