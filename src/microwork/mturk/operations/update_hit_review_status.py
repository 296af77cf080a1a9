from microwork.mturk import errors, lookups, services
from microwork.mturk.errors import RequestError


def run(requester, params) -> dict:
    task = lookups.hit(requester, params.entity_id("HITId"))
    revert = params.boolean("Revert", default=False)
    try:
        services.hit_review_status_update(task=task, revert=revert)
    except services.HitStateRefused as refusal:
        raise RequestError(refusal.message, errors.INVALID_HIT_STATE) from None
    return {}
