"""`microwork worker`: run the job queue (huey's consumer) with microwork's jobs, docs/adr/0009.

One worker runs the periodic sweep every minute (microwork.fairness.jobs). More workers on other
machines are safe (the jobs are idempotent) but only add duplicate sweeps. The jobs are the
`jobs` modules of the installed apps, found as the admin finds `admin` modules: common sits below
every app and imports none of them (.importlinter).
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the job queue: background jobs and the periodic sweep."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, help="job threads (MICROWORK_QUEUE_WORKERS)")

    def handle(self, *args, **options):
        from django.utils.module_loading import autodiscover_modules
        from huey.contrib.djhuey import HUEY

        autodiscover_modules("jobs")  # registers every app's jobs with the queue

        # The queue's own tables (PostgreSQL: huey_*); SQLite and Redis need nothing here.
        initialize = getattr(HUEY.storage, "initialize_schema", None)
        if initialize is not None:
            initialize()
        extra = {"workers": options["workers"]} if options["workers"] else {}
        call_command("run_huey", disable_autoload=True, **extra)
