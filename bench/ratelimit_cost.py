"""CPU of one accept's rate limit (common/ratelimits.py: two counts, the account's and the
address's), on the local-memory cache or on Redis (docs/adr/0023).

    .venv/bin/python bench/ratelimit_cost.py locmem
    .venv/bin/python bench/ratelimit_cost.py redis [redis://127.0.0.1:6379/14]

The Redis database given is cleared before and after. Prints the best of 5 rounds of 2,000
calls; a harness that prints figures, not a test.
"""

import os
import sys
import time


def main() -> None:
    where = sys.argv[1] if len(sys.argv) > 1 else "locmem"
    os.environ["DJANGO_SETTINGS_MODULE"] = "microwork.settings"
    os.environ["MICROWORK_RATE_ACCEPT"] = "1000000/m"  # counted, never reached
    os.environ["MICROWORK_RATE_ACCEPT_ADDRESS"] = "1000000/m"
    if where == "redis":
        url = sys.argv[2] if len(sys.argv) > 2 else "redis://127.0.0.1:6379/14"
        os.environ["MICROWORK_CACHE_URL"] = url
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import RequestFactory

    from microwork.common.ratelimits import rate_limit

    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.7")
    cache.clear()
    rate_limit(request, "accept", account=0)
    rounds = []
    for _ in range(5):
        calls = 2000
        cpu, wall = time.process_time(), time.perf_counter()
        for index in range(calls):
            rate_limit(request, "accept", account=index % 50)
        rounds.append(
            ((time.process_time() - cpu) / calls * 1e6, (time.perf_counter() - wall) / calls * 1e6)
        )
    cpu, wall = min(rounds)
    print(f"{where}: {cpu:.0f} µs CPU, {wall:.0f} µs wall a rate_limit() of two counts")
    cache.clear()


if __name__ == "__main__":
    main()
