"""The pay floor's arithmetic and its checks before work is published (docs/adr/0011).

The floor is on what the worker receives: reward / time >= MICROWORK_PAY_FLOOR_CENTS_PER_HOUR.
Platform fees are on top of the reward and paid by the requester, so "after fees" the worker
still gets at least the floor. No imports of services here: projects.services calls in.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from microwork.common.money import format_money
from microwork.payments.services import PaymentRefused

HOUR = 3600


def floor_cents_per_hour() -> int:
    return settings.MICROWORK_PAY_FLOOR_CENTS_PER_HOUR


def reward_meeting_floor(seconds: int, *, floor: int | None = None) -> int:
    """The smallest reward (cents) that pays `seconds` of work at least the floor per hour."""
    floor = floor_cents_per_hour() if floor is None else floor
    return -(-floor * seconds // HOUR)  # ceiling, in whole numbers


def meets_floor(*, reward_cents: int, seconds: int, floor: int | None = None) -> bool:
    """reward / seconds * 3600 >= floor, compared exactly in whole numbers."""
    floor = floor_cents_per_hour() if floor is None else floor
    return reward_cents * HOUR >= floor * seconds


class PayBelowFloor(PaymentRefused):
    """Publishing refused: the reward over the requester's estimate pays under the floor."""

    def __init__(self, *, reward_cents: int, seconds: int, needed_cents: int, currency: str):
        floor = floor_cents_per_hour()
        super().__init__(
            _(
                "The reward of %(reward)s for an estimated %(seconds)d seconds pays under the "
                "platform's floor of %(floor)s per hour. A reward of at least %(needed)s meets it."
            )
            % {
                "reward": format_money(reward_cents, currency),
                "seconds": seconds,
                "floor": format_money(floor, currency),
                "needed": format_money(needed_cents, currency),
            }
        )
        self.reward_cents = reward_cents
        self.needed_cents = needed_cents


def ensure_publishable_pay(project) -> None:
    """Raise PayBelowFloor if the project's reward over its time estimate is under the floor."""
    if meets_floor(reward_cents=project.reward_cents, seconds=project.estimated_seconds):
        return
    raise PayBelowFloor(
        reward_cents=project.reward_cents,
        seconds=project.estimated_seconds,
        needed_cents=reward_meeting_floor(project.estimated_seconds),
        currency=project.currency,
    )


def check_auto_approval_delay(project) -> None:
    """Raise ValidationError if the auto-approval delay is over the platform's cap."""
    cap = settings.MICROWORK_AUTO_APPROVAL_MAX_SECONDS
    if project.auto_approval_delay_seconds > cap:
        raise ValidationError(
            {
                "auto_approval_delay_seconds": _(
                    "At most %(hours)d hours: workers are paid within a known time."
                )
                % {"hours": cap // HOUR}
            }
        )
