import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microwork.accounts.countries import COUNTRY_CODES
from microwork.accounts.enums import Role
from microwork.accounts.models import User, WorkerProfile

# The terms of service live in accounts/terms.py; these are their use cases' public names.
from microwork.accounts.terms import (  # noqa: F401
    terms_accept,
    terms_latest_number,
    terms_publish,
)

# Personal API tokens live in accounts/tokens.py; these are their use cases' public names.
from microwork.accounts.tokens import (  # noqa: F401
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from microwork.common.ids import new_worker_id


class EmailTaken(Exception):
    pass


# What an account may not do until its address is verified (docs/adr/0027): publish work,
# pay money in, take money out. The use cases refuse with their own error and this message.
EMAIL_NOT_VERIFIED = gettext_lazy(
    "Confirm your email address first: follow the link we mailed you (you can ask for a new "
    "one on your notification settings)."
)


@transaction.atomic
def user_sign_up(
    *,
    email: str,
    password: str,
    role: Role | str,
    display_name: str = "",
    email_verified: bool = False,
    terms_number: int | None = None,
) -> User:
    """Create a worker or requester account; a worker gets a fresh pseudonymous worker id.
    Its address is unverified until the mailed link is followed, unless `email_verified` (the
    demo's invented addresses). Once terms of service are published, the person accepts them
    here: `terms_number` is the latest version, which they were shown (with the one in force).

    Raise ValidationError naming `accept_terms`, creating nothing, when terms are published and
    `terms_number` is not the latest; EmailTaken if the address is in use (compared
    case-insensitively).
    """
    latest = terms_latest_number()
    if latest and terms_number != latest:
        raise ValidationError(
            {
                "accept_terms": _("Accept the terms of service (version %(number)d) to sign up.")
                % {"number": latest}
            }
        )
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(email)
    user = User(email=email, role=Role(role), display_name=display_name.strip())
    if email_verified:
        user.email_verified_at = timezone.now()
    if user.role == Role.WORKER:
        user.worker_id = new_worker_id()
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent sign-up with the same address won the race.
        raise EmailTaken(email) from None
    if latest:
        terms_accept(user=user, number=latest)
    return user


SUBDIVISION_PATTERN = re.compile(r"^[A-Z0-9]{1,3}$")


@transaction.atomic
def worker_profile_update(
    *, worker: User, country: str, subdivision: str = "", is_adult: bool
) -> WorkerProfile:
    """Set the worker's country (ISO 3166-1 alpha-2), subdivision and adult declaration.

    Raise ValidationError naming the field: an unknown country, a subdivision that is not the
    ISO 3166-2 part after the dash ("WA" for US-WA), or a subdivision without a country.
    """
    if not worker.is_worker:
        raise ValidationError(_("Only workers have a worker profile."))
    country = country.strip().upper()
    subdivision = subdivision.strip().upper()
    if country and subdivision.startswith(f"{country}-"):
        subdivision = subdivision[len(country) + 1 :]  # "US-WA" typed in full
    if country and country not in COUNTRY_CODES:
        raise ValidationError({"country": _("Not an ISO 3166-1 country code.")})
    if subdivision and not country:
        raise ValidationError({"subdivision": _("Choose a country first.")})
    if subdivision and not SUBDIVISION_PATTERN.match(subdivision):
        raise ValidationError(
            {"subdivision": _("Use the ISO 3166-2 code after the dash, e.g. WA for US-WA.")}
        )
    profile, _created = WorkerProfile.objects.select_for_update().get_or_create(user=worker)
    profile.country = country
    profile.subdivision = subdivision
    profile.is_adult = bool(is_adult)
    profile.save(update_fields=["country", "subdivision", "is_adult", "updated_at"])
    return profile


def user_language_set(*, user: User, language: str) -> User:
    """Keep `language` (a code from settings.LANGUAGES, or "" to follow the browser) for `user`.

    Raise ValidationError naming the field for any other code.
    """
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the offered languages.")})
    user.language = language
    user.save(update_fields=["language"])
    return user


@transaction.atomic
def user_email_verify(*, user: User, email: str) -> User:
    """Record that `user` followed the link mailed to `email`.

    Raise ValidationError when the account's address changed since the link was sent: the
    link proves only the address it went to.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.email.lower() != email.strip().lower():
        raise ValidationError(_("This link was sent to another address than your account's."))
    if locked.email_verified_at is None:
        locked.email_verified_at = timezone.now()
        locked.save(update_fields=["email_verified_at"])
    user.email_verified_at = locked.email_verified_at
    return locked


@transaction.atomic
def user_email_change(*, user: User, email: str, password: str) -> User:
    """Give `user` the address `email`, unverified until its link is followed.

    Raise ValidationError naming `password` when it is wrong (nothing changes), and EmailTaken
    when another account has the address (nothing changes; the door must answer as if it had
    worked, so that the page does not tell who has an account).
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.check_password(password):
        raise ValidationError({"password": _("Wrong password.")})
    email = User.objects.normalize_email(email).strip().lower()
    if email == locked.email:
        return locked
    if User.objects.filter(email__iexact=email).exclude(pk=locked.pk).exists():
        raise EmailTaken(email)
    locked.email = email
    locked.email_verified_at = None
    try:
        with transaction.atomic():
            locked.save(update_fields=["email", "email_verified_at"])
    except IntegrityError:
        raise EmailTaken(email) from None
    user.email, user.email_verified_at = locked.email, None
    return locked
