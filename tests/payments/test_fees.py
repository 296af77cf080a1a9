import pytest

from microwork.payments.fees import FeeRule, tier_assignments
from microwork.payments.services import slot_price
from microwork.projects.enums import TemplateKind
from tests.projects.factories import BatchFactory, ProjectFactory, TaskFactory

RULE = FeeRule()


@pytest.mark.parametrize(
    ("reward", "assignments", "fee"),
    [
        (50, 1, 10),  # 20% of 0.50
        (50, 9, 10),
        (50, 10, 20),  # 40% once a task has 10 or more assignments
        (1, 1, 1),  # minimum 0.01
        (2, 1, 1),  # 0.4 cent -> minimum
        (3, 1, 1),  # 0.6 cent rounds to 1
        (12, 1, 2),  # 2.4 -> 2
        (13, 1, 3),  # 2.6 -> 3
        (1234, 3, 247),  # 246.8 -> 247
    ],
)
def test_reward_fee_follows_mturk_rule(reward, assignments, fee):
    assert RULE.reward_fee(reward_cents=reward, assignments_per_task=assignments) == fee


def test_bonus_fee_is_20_percent_with_minimum():
    assert RULE.bonus_fee(amount_cents=100) == 20
    assert RULE.bonus_fee(amount_cents=1) == 1
    assert RULE.bonus_fee(amount_cents=0) == 0


def test_fee_rule_is_configurable():
    rule = FeeRule(rate_bp=1000, large_task_rate_bp=1000, minimum_cents=5)
    assert rule.reward_fee(reward_cents=100, assignments_per_task=20) == 10
    assert rule.reward_fee(reward_cents=10, assignments_per_task=1) == 5


@pytest.mark.django_db
def test_tier_of_a_web_batch_is_the_projects_assignments_per_task():
    batch = BatchFactory(project=ProjectFactory(assignments_per_task=3))
    TaskFactory(batch=batch, max_assignments=12, open_slots=12)  # e.g. more workers added later

    assert tier_assignments(batch.project, batch) == 3
    assert tier_assignments(batch.project) == 3


@pytest.mark.django_db
def test_tier_of_an_mturk_hit_is_its_tasks_max_assignments():
    project = ProjectFactory(
        assignments_per_task=1, template_kind=TemplateKind.MTURK_QUESTION, template_html=""
    )
    small, large = BatchFactory(project=project), BatchFactory(project=project)
    TaskFactory(batch=small, max_assignments=9, open_slots=9)
    TaskFactory(batch=large, max_assignments=10, open_slots=10)

    assert tier_assignments(project, small) == 9
    assert tier_assignments(project, large) == 10
    assert tier_assignments(project) == 1


@pytest.mark.django_db
def test_tier_of_a_dynamic_overlap_project_is_its_maximum():
    project = ProjectFactory(
        assignments_per_task=3, overlap_dynamic=True, overlap_max=12, reward_cents=100
    )
    batch = BatchFactory(project=project)

    assert tier_assignments(project, batch) == 12
    assert tier_assignments(project) == 12
    assert slot_price(project, batch) == (100, 40)


@pytest.mark.django_db
def test_tier_of_a_dynamic_overlap_project_under_ten_stays_at_the_base_rate():
    project = ProjectFactory(
        assignments_per_task=3, overlap_dynamic=True, overlap_max=9, reward_cents=100
    )

    assert tier_assignments(project) == 9
    assert slot_price(project) == (100, 20)
