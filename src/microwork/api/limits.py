"""Rate limits on the REST API (common/ratelimits.py, docs/adr/0023): a refused request is a
429 problem with Retry-After, raised before the operation does anything."""

from microwork.api.problems import ApiProblem
from microwork.common.ratelimits import RateLimited, rate_limit


def api_rate_limit(request, scope: str, *, account: object) -> None:
    """Count one `scope` act of `account` and of the request's address, or raise a 429."""
    try:
        rate_limit(request, scope, account=account)
    except RateLimited as limited:
        raise ApiProblem(
            429,
            "too-many-requests",
            f"Too many requests ({scope}) from this account or address; "
            f"retry in {limited.retry_after} s.",
            headers={"Retry-After": str(limited.retry_after)},
        ) from None
