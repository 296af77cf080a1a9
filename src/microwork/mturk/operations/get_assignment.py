from microwork.mturk import lookups, selectors, shapes


def run(requester, params) -> dict:
    assignment_id = params.entity_id("AssignmentId")
    assignment = lookups.assignment(requester, assignment_id)
    return {
        "Assignment": shapes.assignment_shape(assignment),
        "HIT": shapes.hit_shape(selectors.hits().get(pk=assignment.task_id)),
    }
