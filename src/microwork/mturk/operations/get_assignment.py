from microwork.mturk import lookups, selectors, shapes
from microwork.work import services as work


def run(requester, params) -> dict:
    assignment_id = params.entity_id("AssignmentId")
    work.assignments_auto_approve_due(requester=requester)
    assignment = lookups.assignment(requester, assignment_id)
    return {
        "Assignment": shapes.assignment_shape(assignment),
        "HIT": shapes.hit_shape(selectors.hits().get(pk=assignment.task_id)),
    }
