"""What the requester dashboard's agreement chart and the review page's agreement filter cost
(issue 16): both aggregate small batches in the request, as the batch quality page does.

    PYTHONPATH=.:bench .venv/bin/python bench/review_dashboard.py --batches 8 --answers 5000

Setup, not measured: a throwaway database (bench/scratch.py), one requester with --batches
live batches of --answers submitted answers each over --tasks tasks (stored_aggregation.build:
5 classes, workers of varied reliability). Then timed, the median of --repeat requests through
Django's test client: the dashboard (its agreement chart aggregates the newest 8 live batches'
answers, up to 5,000 in a request) with the cache emptied before each request, as when every
batch has new answers, then visited again with nothing new; the review page unfiltered, and the
review page filtered by agreement (one batch aggregated).
A harness that prints figures, not a test.
"""

import argparse
import os
import statistics
import time

from scratch import scratch_database
from stored_aggregation import build


def median_seconds(fetch, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = fetch()
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--answers", type=int, default=5000, help="per batch")
    parser.add_argument("--tasks", type=int, default=1000, help="per batch")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with scratch_database("mw-bench-review-"):
        from django.db import connection
        from django.db.models import Value
        from django.db.models.functions import Concat
        from django.test import Client
        from django.urls import reverse

        from microwork.accounts.models import User
        from microwork.projects.models import Project
        from tests.accounts.factories import RequesterFactory

        requester = RequesterFactory()
        started = time.perf_counter()
        batches = []
        for seed in range(args.batches):
            batch = build(tasks=args.tasks, answers=args.answers, workers=200, seed=seed + 1)
            Project.objects.filter(pk=batch.project_id).update(requester=requester)
            # build() names its workers bench-<n>@…: rename them before the next build's.
            User.objects.filter(email__startswith="bench-").update(
                email=Concat(Value(f"b{seed}-"), "email")
            )
            batches.append(batch)
        print(
            f"{connection.vendor}: {args.batches} live batches x {args.answers:,} answers "
            f"({args.tasks:,} tasks each); setup {time.perf_counter() - started:.0f} s; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        client = Client()
        client.force_login(requester)
        review = reverse("projects:batch-review", args=[batches[-1].pk])
        from django.core.cache import cache

        dashboard = reverse("projects:project-list")

        def cold_dashboard():
            # As after new answers in every batch: each small batch's agreement is worked out
            # again (quality/stored.py keeps it in the cache under the batch's fingerprint).
            cache.clear()
            return client.get(dashboard)

        seconds = median_seconds(cold_dashboard, args.repeat)
        print(
            f"{'dashboard, every batch changed since the last visit':<52} {seconds * 1000:8.0f} ms median"
        )
        # Each visit works out at most 5,000 answers of the batches not measured yet; after as
        # many visits as batches, every batch's agreement is in the cache.
        for _ in range(args.batches):
            client.get(dashboard)
        pages = [
            ("dashboard, visited again (nothing new)", dashboard),
            ("review page, unfiltered", review),
            ("review page, ?agreement=disagrees", review + "?agreement=disagrees"),
            ("review page, ?agreement=disagrees&page=20", review + "?agreement=disagrees&page=20"),
        ]
        for label, url in pages:
            seconds = median_seconds(lambda url=url: client.get(url), args.repeat)
            print(f"{label:<52} {seconds * 1000:8.0f} ms median", flush=True)


if __name__ == "__main__":
    main()
