"""`fixed_reverse(name, *args)`: `reverse(name, args=args)`, reversed once per URLconf, script
prefix and active language, for the addresses every page of the worker's loop builds.
`fixed_static(path)`: a static file's address, once per path and script prefix.

Django reverses on every call, about 80 µs here (docs/performance.md). An address with no
arguments only changes with the URLconf, the script prefix or the active language (a pattern
under i18n_patterns() or with a translated route), so it is kept per set of them.
An address with arguments is kept as its pieces around stand-ins, and each call puts its own
arguments between them: only for arguments that reverse() would not change (letters, digits,
`-` and `_`, as public ids are), and only for patterns that accept the stand-ins (`<str:...>`,
`<slug:...>`). Anything else goes through reverse() each time.

A static file's address changes only with the settings, which a deploy restarts the process to
change; Django's `{% static %}` works it out again on each use (through the storage, and with
manifest storage the manifest), about 15 µs here, three to five times a page.

`MICROWORK_FIXED_URLS=0` makes them reverse() and static() on every call (docs/adr/0018).
"""

import re

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

_PLAIN_ARGUMENT = re.compile(r"[A-Za-z0-9_-]+\Z")
_STAND_IN = "fixedUrlArg{}x"
_UNFIT = ()  # the pattern refused the stand-ins, or placed them oddly: reverse() each time
_pieces: dict[tuple, tuple[str, ...]] = {}
_static: dict[tuple[str, str], str] = {}


def _split(name: str, count: int) -> tuple[str, ...]:
    stand_ins = [_STAND_IN.format(index) for index in range(count)]
    try:
        address = reverse(name, args=stand_ins)
    except NoReverseMatch:
        return _UNFIT
    pieces = []
    for stand_in in stand_ins:
        if address.count(stand_in) != 1:
            return _UNFIT
        before, address = address.split(stand_in)
        pieces.append(before)
    pieces.append(address)
    return tuple(pieces)


def fixed_reverse(name: str, *args) -> str:
    if not settings.MICROWORK_FIXED_URLS:
        return reverse(name, args=args)
    key = (name, len(args), get_urlconf(), get_script_prefix(), get_language())
    pieces = _pieces.get(key)
    if pieces is None:
        pieces = _pieces[key] = _split(name, len(args)) if args else (reverse(name),)
    if pieces is _UNFIT or not all(
        isinstance(arg, str) and _PLAIN_ARGUMENT.match(arg) for arg in args
    ):
        return reverse(name, args=args)
    address = pieces[0]
    for arg, piece in zip(args, pieces[1:], strict=True):
        address += arg + piece
    return address


def fixed_static(path: str) -> str:
    """`static(path)`, the address of a static file (hashed with manifest storage)."""
    if not settings.MICROWORK_FIXED_URLS:
        return static(path)
    key = (path, get_script_prefix())
    address = _static.get(key)
    if address is None:
        address = _static[key] = static(path)
    return address


@receiver(setting_changed)
def _forget_on_urlconf_change(*, setting, **kwargs):
    if setting in ("ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE"):
        _pieces.clear()
    if setting in ("STATIC_URL", "STORAGES", "STATIC_ROOT"):
        _static.clear()
