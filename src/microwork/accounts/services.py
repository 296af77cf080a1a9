import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from microwork.accounts.countries import COUNTRY_CODES
from microwork.accounts.enums import Role
from microwork.accounts.models import User, WorkerProfile

# Personal API tokens live in accounts/tokens.py; these are their use cases' public names.
from microwork.accounts.tokens import (  # noqa: F401
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
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
