from microwork.mturk import lookups, shapes
from microwork.mturk.errors import RequestError
from microwork.mturk.pagination import paginate
from microwork.payments.models import Bonus


def run(requester, params) -> dict:
    hit_id = params.entity_id("HITId", required=False)
    assignment_id = params.entity_id("AssignmentId", required=False)
    bonuses = Bonus.objects.select_related("assignment__worker").filter(
        assignment__task__batch__project__requester=requester
    )
    if assignment_id:
        lookups.assignment(requester, assignment_id)
        bonuses = bonuses.filter(assignment__public_id=assignment_id)
        scope = f"ListBonusPayments:a:{assignment_id}"
    elif hit_id:
        lookups.hit(requester, hit_id)
        bonuses = bonuses.filter(assignment__task__public_id=hit_id)
        scope = f"ListBonusPayments:h:{hit_id}"
    else:
        raise RequestError(
            "Either the HITId parameter or the AssignmentId parameter must be specified.",
            "AWS.MechanicalTurk.InvalidParameterValue",
        )
    return paginate(
        bonuses, params, result_key="BonusPayments", shape=shapes.bonus_shape, scope=scope
    )
