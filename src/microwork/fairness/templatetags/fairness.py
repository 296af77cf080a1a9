from django import template

from microwork.common.durations import format_duration
from microwork.common.money import format_money
from microwork.fairness import floor, selectors
from microwork.fairness.models import PayFloorNotice
from microwork.projects.enums import BatchStatus

register = template.Library()


@register.filter
def cents(value, currency="EUR"):
    """{{ 1202|cents:"EUR" }} -> "12.02 EUR"; "—" when unknown."""
    if value is None or value == "":
        return "—"
    return format_money(int(value), currency)


@register.filter
def hours(seconds):
    """Seconds as hours with one decimal: 5400 -> "1.5"."""
    seconds = int(seconds or 0)
    return f"{seconds // 3600}.{seconds % 3600 * 10 // 3600}"


@register.filter
def duration(seconds):
    """Hours worked: 300 -> "5 min", 5400 -> "1 h 30 min", 108000 -> "30 h" (common/durations).

    Hours with one decimal hid short spans: five minutes of unpaid work read "0.0 h"."""
    return format_duration(int(seconds or 0), precision="min", days=False)


@register.filter
def minutes(seconds):
    """A wait or a time limit: 725 -> "12 min 5 s"; "—" when unknown."""
    return "—" if seconds is None else format_duration(seconds)


@register.inclusion_tag("fairness/_reputation.html", takes_context=True)
def requester_reputation(context, requester, currency="EUR"):
    """The requester's figures, read once per requester per page."""
    cache = context.render_context.setdefault("fairness_reputation", {})
    if requester.pk not in cache:
        cache[requester.pk] = selectors.requester_reputation(requester)
    return {"requester": requester, "reputation": cache[requester.pk], "currency": currency}


@register.inclusion_tag("fairness/_pay_floor_notices.html")
def pay_floor_notices(batch):
    """The pay floor's notices of a batch; for a batch whose reward is under the floor for its
    estimate, the reserve its escrow holds (or will hold, once published) for the top-up."""
    project = batch.project
    reserve = (
        floor.reserve_reward_cents(project)
        if batch.status == BatchStatus.DRAFT
        else batch.floor_reserve_cents
    )
    return {
        "notices": list(PayFloorNotice.objects.filter(batch=batch).order_by("-created_at")),
        "currency": project.currency,
        "reserve_cents": reserve,
        "is_draft": batch.status == BatchStatus.DRAFT,
        "floor_cents": floor.floor_cents_per_hour(),
    }


@register.filter
def with_appeals(rule_actions):
    """{% for action, appeal, can_appeal in rule_actions|with_appeals %}: each of a worker's
    rule actions with its appeal (or None) and whether it can be appealed now."""
    return selectors.rule_actions_with_appeals(rule_actions)
