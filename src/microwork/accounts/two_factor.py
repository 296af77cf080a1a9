"""Two-factor login with time-based codes (TOTP, RFC 6238) and one-time backup codes, on
django-otp's devices (docs/adr/0027).

Optional for requesters and staff; required for staff when MICROWORK_STAFF_REQUIRE_2FA is on
(the default in production, MICROWORK_HTTPS=1). The password still comes first: the login
page keeps the account waiting in the session (`PENDING_KEY`) and the code page finishes the
login. The MTurk and REST doors authenticate each request with a key or a token and never ask
for a code.

A code is good once: a TOTP device remembers the last time step it accepted (`last_t`), and a
backup code is deleted when used. django-otp slows down guessing: after each wrong code a
device refuses every code for a doubling delay (OTP_TOTP_THROTTLE_FACTOR seconds, then twice
that, ...), whatever the code.
"""

import base64
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from microwork.accounts.models import User

BACKUP_CODE_COUNT = 10
DEVICE_NAME = "authenticator app"
BACKUP_NAME = "backup codes"
# The session key holding the account whose password was right, until its code is given.
PENDING_KEY = "microwork_2fa_pending"
PENDING_SECONDS = 300


def may_use(user: User) -> bool:
    """Two-factor login is offered to requesters and staff."""
    return user.is_authenticated and (user.is_requester or user.is_staff)


def is_required(user: User) -> bool:
    return bool(user.is_staff and settings.MICROWORK_STAFF_REQUIRE_2FA)


def is_enabled(user: User) -> bool:
    """`user` has a confirmed authenticator: the login asks for a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user: User) -> TOTPDevice | None:
    """The authenticator being set up (shown as a QR code until a code confirms it)."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """Begin setting up an authenticator: a new secret, unconfirmed until a code from it is
    given. An earlier unfinished one is dropped; a confirmed one stays until then."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the authenticator being set up with a code it shows, and make a fresh set of
    backup codes. Returns the device and the backup codes, which are shown this once.

    Raise ValidationError naming `code` when there is no authenticator being set up or the
    code is wrong, used or throttled: nothing changes then (but the throttle's count).
    """
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("-pk")
        .first()
    )
    if device is None:
        raise ValidationError({"code": _("Start the set-up again: no authenticator is waiting.")})
    if not _verify(device, code):
        raise ValidationError({"code": _("Wrong or already used code.")})
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device, backup_codes_make(user=user)


def backup_codes_make(*, user: User) -> list[str]:
    """Replace `user`'s backup codes by BACKUP_CODE_COUNT new ones; returns them."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < BACKUP_CODE_COUNT:
        code = StaticToken.random_token()
        if not code.isdigit():  # all digits would read as an authenticator's code (verify)
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _verify(device, code: str) -> bool:
    code = "".join(code.split()).lower()
    return bool(code) and device.verify_token(code)


def verify(*, user: User, code: str):
    """The confirmed device of `user` that accepts `code` (an authenticator's code or a
    backup code, which is then used up), or None. Each device is locked while it checks, so
    the same code given twice at once is accepted once."""
    code = "".join(code.split()).lower()
    if not code:
        return None
    with transaction.atomic():
        devices = [
            *TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True),
            *StaticDevice.objects.select_for_update().filter(user=user, confirmed=True),
        ]
        for device in devices:
            # A six-digit code is an authenticator's; anything else may be a backup code.
            if isinstance(device, TOTPDevice) != code.isdigit():
                continue
            if device.verify_token(code):
                return device
    return None


@transaction.atomic
def two_factor_disable(*, user: User, password: str, code: str) -> None:
    """Remove `user`'s authenticator and backup codes.

    Raise ValidationError naming the field when the password or the code is wrong; nothing
    is removed then.
    """
    errors = {}
    if not user.check_password(password):
        errors["password"] = _("Wrong password.")
    elif verify(user=user, code=code) is None:
        errors["code"] = _("Wrong or already used code.")
    if errors:
        raise ValidationError(errors)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The device's otpauth:// address as a QR code: an SVG drawn on the server, as a data:
    address for an <img> (the CSP allows data: images, and no script or style is needed)."""
    svg = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2
    ).to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for apps without a camera."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- the middleware --------------------------------------------------------------------------

# What a staff member who still owes a code (or an authenticator) may reach: the pages that
# settle it, logging out, and what any page needs.
_OPEN_NAMES = (
    "accounts:login-code",
    "accounts:two-factor",
    "accounts:two-factor-start",
    "accounts:two-factor-confirm",
    "accounts:logout",
    "set_language",
)


class TwoFactorMiddleware:
    """Staff pages (the admin included) only after the second factor: a staff member whose
    session has not given a code is sent to give one, and, where two-factor login is required
    (MICROWORK_STAFF_REQUIRE_2FA), one without an authenticator is sent to set one up first.

    Staff only: a requester's login is held at the code page by the login itself, and only
    staff can log in elsewhere (the admin's login page). Requests authenticated by an MTurk
    key or an API token carry no session user and are not concerned. Goes after django-otp's
    OTPMiddleware, which tells whether the session gave a code."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_staff and not user.is_verified():
            if not self._is_open(request.path):
                if user_has_device(user):
                    query = urlencode({"next": request.get_full_path()})
                    return redirect(f"{reverse('accounts:login-code')}?{query}")
                if is_required(user):
                    return redirect("accounts:two-factor")
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = tuple(reverse(name) for name in _OPEN_NAMES)
        return path in self._open_paths or path.startswith(settings.STATIC_URL)
