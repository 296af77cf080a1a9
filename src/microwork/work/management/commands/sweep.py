from django.core.management.base import BaseCommand

from microwork.work.jobs import sweep_run


class Command(BaseCommand):
    help = (
        "Apply the time rules once: expire overdue assignments, auto-approve due submissions, "
        "return the unused escrow of ended batches. The job queue runs this every minute."
    )

    def handle(self, *args, **options):
        result = sweep_run()
        self.stdout.write(
            f"expired {result.expired}, auto-approved {result.auto_approved}, "
            f"batches settled {result.batches_settled}"
        )
