from microwork.mturk import errors, lookups, notifying, services
from microwork.mturk.errors import RequestError
from microwork.projects.services import BatchStateError


def run(requester, params) -> dict:
    task = lookups.hit(requester, params.entity_id("HITId"))
    count = params.integer("NumberOfAdditionalAssignments", minimum=1, maximum=99)
    token = params.string("UniqueRequestToken", required=False, min_length=1, max_length=64)
    try:
        record = services.request_token_claim(
            requester=requester, token=token, operation="CreateAdditionalAssignmentsForHIT"
        )
    except services.DuplicateRequestToken as duplicate:
        raise RequestError(
            f"This request has already been processed for HIT {duplicate.result_id}.",
            errors.DUPLICATE_REQUEST,
        ) from None
    try:
        services.hit_add_assignments(task=task, count=count)
    except BatchStateError as refusal:
        raise RequestError(str(refusal), errors.INVALID_HIT_STATE) from None
    except services.MaximumAssignmentsIncreaseRefused as refusal:
        raise RequestError(refusal.message, errors.INVALID_MAXIMUM_ASSIGNMENTS_INCREASE) from None
    services.request_token_done(record, task.public_id)
    notifying.hit_event("HITExtended", task)
    return {}
