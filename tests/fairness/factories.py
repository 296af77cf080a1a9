"""Test data of fair work: what its appeals are about."""

from microwork.quality import services as quality
from microwork.quality.enums import RuleActionKind, RuleCondition
from microwork.quality.models import RuleAction
from tests.accounts.factories import WorkerFactory
from tests.projects.factories import ProjectFactory

REASON = (
    "Your accuracy on questions with known answers is 50 % over 10 answers, below this "
    "project's minimum of 70 %. You can no longer accept tasks of this project."
)


def rule_action(*, kind=RuleActionKind.BLOCK, worker=None, project=None, **fields):
    """A live action of a gold-accuracy rule (70 %, 10 observations) on `worker`."""
    project = project or ProjectFactory()
    rule = quality.rule_create(
        project=project,
        condition=RuleCondition.GOLD_ACCURACY_BELOW,
        threshold_percent=70,
        min_observations=10,
        action=kind,
        weight_percent=25,
    )
    return RuleAction.objects.create(
        rule=rule,
        project=project,
        worker=worker or WorkerFactory(),
        action=kind,
        reason=REASON,
        observed_percent=50,
        observations=10,
        **fields,
    )
