"""`{% fixed_url "work:history" %}`, `{% fixed_url "work:assignment-return" assignment.public_id %}`:
`{% url %}`, reversed once per URLconf, script prefix and active language (common/fixed_urls.py
says when).
`{% fixed_static "work/work.css" %}`: `{% static %}`, once per path and script prefix."""

from django import template
from django.conf import settings

from microwork.common.fixed_urls import fixed_reverse, fixed_static

register = template.Library()


@register.simple_tag
def fixed_url(name: str, *args) -> str:
    return fixed_reverse(name, *args)


@register.simple_tag(name="fixed_static")
def fixed_static_tag(path: str) -> str:
    return fixed_static(path)


@register.simple_tag
def source_url() -> str:
    """Where the footer's "Source code" points: MICROWORK_SOURCE_URL, else the running
    package served by the platform itself (web/source.py)."""
    return settings.MICROWORK_SOURCE_URL or fixed_reverse("source-code")
