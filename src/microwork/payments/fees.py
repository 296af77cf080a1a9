"""The platform fee: one rule, a percentage with a minimum per payment.

The default reproduces MTurk's published rule so MTurk users can compare: 20% of rewards and
bonuses, at least 0.01; 40% on rewards of tasks with 10 or more assignments. Rates are in basis
points (1/100 of a percent) and fees are rounded half up to the cent.
"""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class FeeRule:
    rate_bp: int = 2000
    large_task_rate_bp: int = 4000
    large_task_assignments: int = 10
    minimum_cents: int = 1

    @classmethod
    def from_settings(cls) -> "FeeRule":
        return cls(**settings.MICROWORK_FEES)

    def _fee(self, amount_cents: int, rate_bp: int) -> int:
        if amount_cents <= 0:
            return 0
        return max(self.minimum_cents, (amount_cents * rate_bp + 5_000) // 10_000)

    def reward_fee(self, *, reward_cents: int, assignments_per_task: int) -> int:
        large = assignments_per_task >= self.large_task_assignments
        return self._fee(reward_cents, self.large_task_rate_bp if large else self.rate_bp)

    def bonus_fee(self, *, amount_cents: int) -> int:
        return self._fee(amount_cents, self.rate_bp)


def reward_fee(*, reward_cents: int, assignments_per_task: int) -> int:
    return FeeRule.from_settings().reward_fee(
        reward_cents=reward_cents, assignments_per_task=assignments_per_task
    )


def bonus_fee(*, amount_cents: int) -> int:
    return FeeRule.from_settings().bonus_fee(amount_cents=amount_cents)


def slot_cost(*, reward_cents: int, assignments_per_task: int) -> int:
    """What one assignment costs the requester: the reward plus its fee."""
    return reward_cents + reward_fee(
        reward_cents=reward_cents, assignments_per_task=assignments_per_task
    )
