"""What CreateHIT and CreateHITWithHITType share: the HIT members and UniqueRequestToken."""

from microwork.mturk import errors, notifying, review_policies, services, shapes
from microwork.mturk.errors import RequestError
from microwork.projects.models import MAX_ASSIGNMENTS_PER_TASK, MAX_DURATION_SECONDS

UNSUPPORTED = ("HITLayoutId", "HITLayoutParameters")


def read_hit_members(params) -> dict:
    params.refuse(*UNSUPPORTED)
    question = params.string("Question", required=False, max_length=131_072)
    if not question:
        raise RequestError(
            "Either a Question parameter or a HITLayoutId parameter must be provided.",
            errors.PARAMETER_OUT_OF_RANGE,
        )
    max_assignments = params.integer(
        "MaxAssignments", required=False, minimum=1, maximum=MAX_ASSIGNMENTS_PER_TASK
    )
    return {
        "question_xml": question,
        "lifetime_seconds": params.integer(
            "LifetimeInSeconds", minimum=30, maximum=MAX_DURATION_SECONDS
        ),
        "max_assignments": 1 if max_assignments is None else max_assignments,
        "requester_annotation": params.string("RequesterAnnotation", required=False, max_length=255)
        or "",
        "token": params.string("UniqueRequestToken", required=False, min_length=1, max_length=64),
        "assignment_policy": review_policies.read(
            params.body.get("AssignmentReviewPolicy"), "Assignment"
        ),
        "hit_policy": review_policies.read(params.body.get("HITReviewPolicy"), "HIT"),
    }


def create(requester, project, members: dict, operation: str) -> dict:
    token = members.pop("token")
    try:
        record = services.request_token_claim(requester=requester, token=token, operation=operation)
    except services.DuplicateRequestToken as duplicate:
        raise RequestError(
            f"There is already a HIT with this unique request token: {duplicate.result_id}",
            errors.HIT_ALREADY_EXISTS,
        ) from None
    assignment_policy = members.pop("assignment_policy")
    hit_policy = members.pop("hit_policy")
    task = services.hit_create(project=project, **members)
    review_policies.attach(task=task, assignment_policy=assignment_policy, hit_policy=hit_policy)
    services.request_token_done(record, task.public_id)
    notifying.hit_event("HITCreated", task)
    from microwork.mturk import selectors

    return {"HIT": shapes.hit_shape(selectors.hits().get(pk=task.pk))}
