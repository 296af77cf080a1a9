"""`{% fixed_url "work:history" %}`: the address of a view that takes no arguments, reversed once.

Django's `{% url %}` reverses on every render, about 80 µs a call on a small server; the site
header alone names a dozen such pages on every page (docs/performance.md). An address with no
arguments only changes with the URLconf or the script prefix, so it is kept per pair of them.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

register = template.Library()

_reversed: dict[tuple[str, str | None, str], str] = {}


@register.simple_tag
def fixed_url(name: str) -> str:
    key = (name, get_urlconf(), get_script_prefix())
    address = _reversed.get(key)
    if address is None:
        address = _reversed[key] = reverse(name)
    return address


@receiver(setting_changed)
def _forget_on_urlconf_change(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _reversed.clear()
