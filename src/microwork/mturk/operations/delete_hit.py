from microwork.mturk import errors, lookups, notifying, services
from microwork.mturk.errors import RequestError
from microwork.mturk.models import HitState


def run(requester, params) -> dict:
    hit_id = params.entity_id("HITId")
    disposed = HitState.objects.filter(
        task__public_id=hit_id,
        task__batch__project__requester=requester,
        disposed_at__isnull=False,
    ).exists()
    if disposed:  # deleting twice: MTurk names the Disposed state (Dallinger relies on it)
        raise RequestError(
            str(services.HitStateRefused("Disposed", "Reviewing, Reviewable")),
            errors.INVALID_HIT_STATE,
        )
    task = lookups.hit(requester, hit_id)
    try:
        services.hit_dispose(task=task)
    except services.HitStateRefused as refusal:
        raise RequestError(refusal.message, errors.INVALID_HIT_STATE) from None
    notifying.hit_event("HITDisposed", task)
    return {}
