from microwork.mturk import errors, lookups
from microwork.mturk.models import HitState
from microwork.work import services as work
from microwork.work.enums import AssignmentState


def run(requester, params) -> dict:
    assignment = lookups.assignment(requester, params.entity_id("AssignmentId"))
    feedback = params.string("RequesterFeedback", required=False, max_length=1024) or ""
    override = params.boolean("OverrideRejection", default=False)
    if assignment.state == AssignmentState.REJECTED:
        # MTurk approves a rejected assignment only when asked to override the rejection, and
        # not once its HIT has been deleted.
        disposed = HitState.objects.filter(task=assignment.task, disposed_at__isnull=False).exists()
        if not override or disposed:
            raise errors.invalid_assignment_state()
    try:
        work.assignment_approve(assignment=assignment, requester=requester, feedback=feedback)
    except work.ReviewRefused:
        raise errors.invalid_assignment_state() from None
    return {}
