from microwork.mturk import errors, lookups
from microwork.work import services as work

# MTurk takes an empty RequesterFeedback (psiTurk always sends ""); the platform shows every
# rejected worker a reason, so an empty one is worded for them.
NO_REASON_GIVEN = "Rejected by the requester through the MTurk API, without a reason."


def run(requester, params) -> dict:
    assignment = lookups.assignment(requester, params.entity_id("AssignmentId"))
    feedback = params.string("RequesterFeedback", max_length=1024)
    try:
        work.assignment_reject(
            assignment=assignment, requester=requester, reason=feedback.strip() or NO_REASON_GIVEN
        )
    except work.ReviewRefused:
        raise errors.invalid_assignment_state() from None
    return {}
