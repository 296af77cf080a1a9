from microwork.mturk import errors
from microwork.mturk.errors import RequestError
from microwork.mturk.operations import _qualification
from microwork.quality import qualification_requests
from microwork.quality.services import QualityRefused


def run(requester, params) -> dict:
    request = _qualification.own_request(
        requester, params.string("QualificationRequestId", min_length=1, max_length=64)
    )
    reason = params.string("Reason", required=False, max_length=1024) or ""
    try:
        qualification_requests.qualification_request_reject(
            request=request, requester=requester, reason=reason
        )
    except QualityRefused as refusal:
        raise RequestError(refusal.message, errors.INVALID_QUALIFICATION_STATE) from None
    return {}
