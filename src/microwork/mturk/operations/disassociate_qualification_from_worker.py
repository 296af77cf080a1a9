from microwork.mturk import errors, lookups
from microwork.mturk.errors import RequestError
from microwork.quality import services as quality


def run(requester, params) -> dict:
    qualification_type = lookups.own_qualification_type(
        requester, params.entity_id("QualificationTypeId")
    )
    worker = lookups.worker(params.worker_id())
    reason = params.string("Reason", required=False, max_length=1024) or ""
    try:
        quality.qualification_revoke(
            qualification_type=qualification_type,
            worker=worker,
            requester=requester,
            reason=reason,
        )
    except quality.QualificationNotGranted as refusal:
        raise RequestError(refusal.message, errors.QUALIFICATION_DOES_NOT_EXIST) from None
    return {}
