"""The pay floor's arithmetic, its reserve at publish and its checks (docs/adr/0011).

The floor is on what the worker receives: reward / time >= MICROWORK_PAY_FLOOR_CENTS_PER_HOUR,
the time being the measured median work time. Platform fees are on top of the reward and paid
by the requester, so "after fees" the worker still gets at least the floor. Publishing is never
refused for time: the escrow holds a reserve sized from the estimate (or, for the MTurk API, a
rule), and fairness.services.batch_pay_floor_enforce tops work up once time is measured.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

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


# For a HIT type of the MTurk API (no estimate: AssignmentDurationInSeconds is a deadline), the
# escrow holds each slot at up to this many times its reward, never beyond what the floor asks
# for the whole deadline (docs/adr/0011). A measured time asking more is paid from the
# requester's funds, or the batch pauses until they are there.
UNDECLARED_RESERVE_MULTIPLE = 2


def reserve_reward_cents(project) -> int | None:
    """The reward per assignment the escrow holds for a batch of `project`, so the pay floor's
    top-up on measured time is reserved at publish; None when the reward already covers it.

    With a declared estimate: the reward that meets the floor over it. Without one (the MTurk
    API): the floor over the time allotted, capped at UNDECLARED_RESERVE_MULTIPLE rewards.
    """
    if project.estimate_is_declared:
        held = reward_meeting_floor(project.estimated_seconds)
    else:
        held = min(
            reward_meeting_floor(project.time_allotted_seconds),
            UNDECLARED_RESERVE_MULTIPLE * project.reward_cents,
        )
    return held if held > project.reward_cents else None


def hold_for_floor(batch) -> None:
    """Set the reserve the escrow holds for `batch` (at publish, before its cost is reserved).
    Nothing is refused for its time: the floor judges the measured time (adr 0011)."""
    batch.floor_reserve_cents = reserve_reward_cents(batch.project)
    type(batch).objects.filter(pk=batch.pk).update(floor_reserve_cents=batch.floor_reserve_cents)


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
