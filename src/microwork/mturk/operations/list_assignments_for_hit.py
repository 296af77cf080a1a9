from microwork.mturk import lookups, selectors, shapes
from microwork.mturk.pagination import paginate

STATUSES = ("Submitted", "Approved", "Rejected")


def run(requester, params) -> dict:
    task = lookups.hit(requester, params.entity_id("HITId"))
    statuses = params.string_list("AssignmentStatuses", required=False, choices=STATUSES)
    assignments = selectors.api_assignments(requester).filter(task=task)
    if statuses:
        # As reported: a submission past its AutoApprovalTime is listed as Approved.
        assignments = selectors.api_assignments_in(assignments, statuses)
    return paginate(
        assignments,
        params,
        result_key="Assignments",
        shape=shapes.assignment_shape,
        scope=f"ListAssignmentsForHIT:{task.public_id}:{','.join(sorted(statuses or []))}",
    )
