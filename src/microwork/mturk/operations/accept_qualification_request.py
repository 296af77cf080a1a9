from microwork.mturk import errors
from microwork.mturk.errors import RequestError
from microwork.mturk.operations import _qualification
from microwork.quality import qualification_requests
from microwork.quality.services import QualityRefused


def run(requester, params) -> dict:
    request = _qualification.own_request(
        requester, params.string("QualificationRequestId", min_length=1, max_length=64)
    )
    value = params.integer("IntegerValue", required=False)
    try:
        qualification_requests.qualification_request_accept(
            request=request, requester=requester, integer_value=1 if value is None else value
        )
    except QualityRefused as refusal:
        raise RequestError(refusal.message, errors.INVALID_QUALIFICATION_STATE) from None
    return {}
