"""Rate limits on the pages (common/ratelimits.py, docs/adr/0023): a view decorator that counts
each POST before the view runs, and the 429 page a refused one gets."""

from functools import wraps

from django.shortcuts import render

from microwork.common.ratelimits import RateLimited, rate_limit


def too_many(request, limited: RateLimited):
    """429, the wait in words for people and in Retry-After for programs."""
    minutes = -(-limited.retry_after // 60)  # rounded up: "1 minute" for 20 seconds
    response = render(
        request,
        "rate_limited.html",
        {"seconds": limited.retry_after, "minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(limited.retry_after)
    return response


def rate_limited(scope: str):
    """Count each POST to the view as one `scope` act of the signed-in account (if any) and of
    the client's address; past a rate, answer 429 without running the view."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                user = request.user
                try:
                    rate_limit(request, scope, account=user.pk if user.is_authenticated else None)
                except RateLimited as limited:
                    return too_many(request, limited)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
