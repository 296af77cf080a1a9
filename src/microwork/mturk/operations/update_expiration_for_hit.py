from microwork.mturk import lookups, services


def run(requester, params) -> dict:
    task = lookups.hit(requester, params.entity_id("HITId"))
    services.hit_set_expiration(task=task, expires_at=params.timestamp("ExpireAt"))
    return {}
