from django.utils import timezone

from microwork.mturk import lookups, notifying, services


def run(requester, params) -> dict:
    task = lookups.hit(requester, params.entity_id("HITId"))
    expires_at = params.timestamp("ExpireAt")
    services.hit_set_expiration(task=task, expires_at=expires_at)
    if expires_at > timezone.now():
        notifying.hit_event("HITExtended", task)
    return {}
