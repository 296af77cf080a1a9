from microwork.mturk import selectors, shapes
from microwork.mturk.pagination import paginate


def run(requester, params) -> dict:
    return paginate(
        selectors.hits(requester),
        params,
        result_key="HITs",
        shape=shapes.hit_shape,
        scope="ListHITs",
    )
