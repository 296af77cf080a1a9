"""Personal API tokens: made, revoked and checked here; the REST API (api/auth.py) and the
settings page (web/accounts/token_views.py) call these.

A token reads `mwk_` and 43 URL-safe characters (32 random bytes). It is shown once, when it
is made; only its SHA-256 is kept (models.ApiToken).
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.accounts.enums import ApiTokenScope
from microwork.accounts.models import ApiToken, User
from microwork.common.compiled import CompiledQuery

TOKEN_PREFIX = "mwk_"  # nosec B105  # a token's public prefix, not a secret
# A person rarely needs more; a cap keeps a leaked session from minting tokens without end.
MAX_ACTIVE_TOKENS = 20
MAX_NAME_CHARS = 100
# last_used_at is written at most this often per token: a busy script writes once a minute,
# not once a request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# The longest Authorization value looked at: anything longer is not one of ours.
MAX_SECRET_CHARS = 64


# Every request with a token reads this: compiled once per connection (common/compiled.py), as
# writing the SQL of a read joining two models costs more than running it.
_ACTIVE_TOKEN = CompiledQuery(
    lambda digest: ApiToken.objects.select_related("user").filter(
        digest=digest, revoked_at__isnull=True, user__is_active=True
    ),
    digest=str,
)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, scope: ApiTokenScope | str) -> tuple[ApiToken, str]:
    """Make a token for `user`; return it and its secret, which is not kept and cannot be
    shown again.

    Raise ValidationError naming the field: an empty or too long name, an unknown scope, or
    more than MAX_ACTIVE_TOKENS active tokens.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError({"name": _("Use at most %(n)d characters.") % {"n": MAX_NAME_CHARS}})
    if scope not in ApiTokenScope.values:
        raise ValidationError({"scope": _("Choose read or read and write.")})
    # The user's row is locked so that two concurrent creations cannot both pass the cap.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You have %(n)d active tokens: revoke one first.") % {"n": MAX_ACTIVE_TOKENS}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=ApiTokenScope(scope),
        digest=_digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken, user: User) -> ApiToken:
    """Revoke `token` for good; revoking twice changes nothing.

    Raise ApiToken.DoesNotExist when `token` is not `user`'s: callers answer 404.
    """
    locked = ApiToken.objects.select_for_update().get(pk=token.pk, user=user)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked


def api_token_authenticate(secret: str, *, now=None) -> ApiToken | None:
    """The active token whose secret is `secret`, with its user, or None (unknown, revoked,
    or its user deactivated). Mark its last use when the mark is older than
    LAST_USED_RESOLUTION: the one write a request authenticated by a token may make."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_SECRET_CHARS:
        return None
    try:
        token = _ACTIVE_TOKEN.get(digest=_digest(secret))
    except ApiToken.DoesNotExist:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
