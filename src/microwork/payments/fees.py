"""The platform fee: one rule, a percentage with a minimum per payment.

The default reproduces MTurk's published rule so MTurk users can compare: 20% of rewards and
bonuses, at least 0.01; 40% on rewards of tasks with 10 or more assignments. Rates are in basis
points (1/100 of a percent) and fees are rounded half up to the cent.

The tier is priced per task, as MTurk prices each HIT: a batch uploaded in the web pages has
the project's assignments per task on every task; a HIT created through the MTurk API is a
batch of one task carrying its own MaxAssignments (tier_assignments()).
"""

from dataclasses import dataclass

from django.conf import settings

from microwork.projects.enums import TemplateKind
from microwork.projects.models import Task


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


def tier_assignments(project, batch=None) -> int:
    """The assignments per task that set the reward fee's tier of `batch` (else `project`).

    A HIT of the MTurk API (a one-task batch of a MTURK_QUESTION project, whose
    assignments_per_task is 1) is priced by its task's max_assignments. The tier of a HIT stays
    the same for its whole life, so its escrow stays exact: CreateAdditionalAssignmentsForHIT
    refuses to take a HIT from under large_task_assignments to at least that, as MTurk does
    (mturk/operations/create_additional_assignments_for_hit.py).

    With dynamic overlap a task may collect up to `overlap_max` answers, and publishing reserves
    them all (ADR 0012), so the tier is that of the maximum: a 3-to-12 project pays the large
    task rate, as a fixed 12 would. Overlap settings are frozen once a batch is published, so
    every posting of a batch sees the same tier.
    """
    if project.overlap_dynamic:
        return project.overlap_max
    if batch is None or project.template_kind != TemplateKind.MTURK_QUESTION:
        return project.assignments_per_task
    most = (
        Task.objects.filter(batch=batch)
        .order_by("-max_assignments")
        .values_list("max_assignments", flat=True)
        .first()
    )
    return most or project.assignments_per_task
