"""`{% fixed_url "work:history" %}`, `{% fixed_url "work:assignment-return" assignment.public_id %}`:
`{% url %}`, reversed once per URLconf and script prefix (common/fixed_urls.py says when)."""

from django import template

from microwork.common.fixed_urls import fixed_reverse

register = template.Library()


@register.simple_tag
def fixed_url(name: str, *args) -> str:
    return fixed_reverse(name, *args)
