from microwork.mturk import lookups, shapes


def run(requester, params) -> dict:
    return {
        "HIT": shapes.hit_shape(lookups.hit(requester, params.entity_id("HITId"), disposed=True))
    }
