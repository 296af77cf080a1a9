"""The header's link to the notifications page, with the unread count: one COUNT on a partial
index (notification_unread). The worker's work page leaves it out (its block in base.html is
emptied there), so the hot path keeps its exact queries (tests/work/test_query_counts.py)."""

from django import template

from microwork.notifications.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/_header_link.html", takes_context=True)
def notifications_link(context):
    user = context["user"]
    return {"unread": unread_count(user) if user.is_authenticated else 0}
