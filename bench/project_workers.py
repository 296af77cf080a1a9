"""What the requester's per-project workers page costs (quality.views.project_workers).

    PYTHONPATH=. .venv/bin/python bench/project_workers.py --answers 1000000 --workers 10000

Setup, not measured: a throwaway SQLite data directory in /tmp (or, with DATABASE_URL, a
database <name>_bench, created and dropped), one batch built as bench/stored_aggregation.py
builds it, and its stored aggregation computed (a batch that large is always read from it).
Then, timed (wall and CPU): the page's first and last pages through the test client, and,
for comparison, the figures of every worker at once from every stored label (what the page
computed before it was paginated). A harness that prints figures, not a test.
"""

import argparse

from scratch import scratch_database

from bench.stored_aggregation import add_build_arguments, build, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_build_arguments(parser, workers=10_000)
    args = parser.parse_args()

    with scratch_database("mw-bench-workers-"):
        from django.conf import settings
        from django.core.paginator import Paginator
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        from microwork.quality import selectors, stored
        from microwork.quality.aggregation import DEFAULT_METHOD
        from microwork.quality.models import BatchAggregation
        from microwork.web.quality.views import WORKERS_PER_PAGE

        settings.MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = 1
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        figures: list = []
        print(
            f"{connection.vendor}: {args.tasks:,} tasks, {args.answers:,} answers, "
            f"{args.workers:,} workers",
            flush=True,
        )
        batch = build(tasks=args.tasks, answers=args.answers, workers=args.workers, seed=args.seed)
        project = batch.project
        fingerprint, n_answers = stored.batch_fingerprint(batch, DEFAULT_METHOD)
        queued = BatchAggregation.objects.create(
            batch=batch, method=DEFAULT_METHOD, fingerprint=fingerprint, n_answers=n_answers
        )
        assert stored.batch_aggregation_compute(aggregation_id=queued.pk).state == "done"

        client = Client()
        client.force_login(project.requester)
        url = reverse("quality:project-workers", args=[project.pk])
        client.get(url)  # warm: imports, templates
        with timed("workers page, page 1", figures):
            first = client.get(url)
        rows = Paginator(list(selectors.project_worker_rows(project=project)), WORKERS_PER_PAGE)
        with timed(f"workers page, page {rows.num_pages} (the last)", figures):
            last = client.get(f"{url}?page={rows.num_pages}")
        assert (first.status_code, last.status_code) == (200, 200)
        print(f"{'pages of ' + str(WORKERS_PER_PAGE) + ' workers':<44} {rows.num_pages:8d}")
        with timed("  of which: every worker's row (one scan)", figures):
            rows = Paginator(list(selectors.project_worker_rows(project=project)), WORKERS_PER_PAGE)
        with timed("  of which: the project's median time", figures):
            selectors._median_seconds(selectors._answered(project))
        workers = [row["worker__worker_id"] for row in rows.page(1)]
        with timed("  of which: stored labels, page 1's tasks", figures):
            stored.project_stored_labels(
                project=project,
                method=DEFAULT_METHOD,
                tasks=selectors.project_worker_tasks(project=project, workers=workers),
            )
        with timed("before: the stored labels of every task", figures):
            precomputed, _pending = stored.project_stored_labels(
                project=project, method=DEFAULT_METHOD
            )
        with timed("before: every worker's figures", figures):
            everyone = selectors.project_worker_figures(project=project, precomputed=precomputed)
        page = selectors.project_worker_figures(
            project=project, precomputed=precomputed, workers=workers
        )
        print(
            "page 1 figures identical:", everyone["workers"][:WORKERS_PER_PAGE] == page["workers"]
        )


if __name__ == "__main__":
    main()
