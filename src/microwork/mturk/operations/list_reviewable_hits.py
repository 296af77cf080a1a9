from microwork.mturk import selectors, shapes
from microwork.mturk.pagination import paginate


def run(requester, params) -> dict:
    hit_type_id = params.entity_id("HITTypeId", required=False)
    status = params.string("Status", required=False, choices=("Reviewable", "Reviewing"))
    status = status or "Reviewable"
    hits = selectors.hits(requester)
    if hit_type_id:
        hits = hits.filter(batch__project__public_id=hit_type_id)
    return paginate(
        hits,
        params,
        result_key="HITs",
        shape=shapes.hit_shape,
        keep=lambda task: selectors.hit_status(task) == status,
        scope=f"ListReviewableHITs:{hit_type_id}:{status}",
    )
