from microwork.mturk import errors, lookups
from microwork.mturk.errors import RequestError
from microwork.quality import services as quality


def run(requester, params) -> dict:
    qualification_type = lookups.own_qualification_type(
        requester, params.entity_id("QualificationTypeId")
    )
    worker = lookups.worker(params.worker_id())
    value = params.integer("IntegerValue", required=False)
    # SendNotification is accepted; the worker sees every grant on their qualifications page.
    params.boolean("SendNotification", default=True)
    try:
        quality.qualification_grant(
            qualification_type=qualification_type,
            worker=worker,
            requester=requester,
            integer_value=1 if value is None else value,
        )
    except quality.QualityRefused as refusal:
        raise RequestError(refusal.message, errors.INVALID_PARAMETER) from None
    return {}
