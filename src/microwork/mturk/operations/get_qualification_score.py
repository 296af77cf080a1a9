from microwork.mturk import errors, lookups, shapes
from microwork.mturk.errors import RequestError
from microwork.quality.models import WorkerQualification


def run(requester, params) -> dict:
    qualification_type = lookups.own_qualification_type(
        requester, params.entity_id("QualificationTypeId")
    )
    worker_id = params.worker_id()
    grant = (
        WorkerQualification.objects.select_related("qualification_type", "worker")
        .filter(qualification_type=qualification_type, worker__worker_id=worker_id)
        .first()
    )
    if grant is None:
        raise RequestError(
            f"You requested a Qualification that does not exist. ({qualification_type.public_id}"
            f" for worker {worker_id})",
            errors.QUALIFICATION_DOES_NOT_EXIST,
        )
    if not grant.is_granted:
        raise RequestError(
            "This operation can be called with a status of: Granted",
            errors.INVALID_QUALIFICATION_STATE,
        )
    return {"Qualification": shapes.qualification_shape(grant)}
