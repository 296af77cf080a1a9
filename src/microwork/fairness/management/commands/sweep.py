from django.core.management.base import BaseCommand

from microwork.fairness import settlement


class Command(BaseCommand):
    help = (
        "Settle what is due once: expire overdue assignments, auto-approve due submissions, "
        "return the unused escrow of ended batches, grant overdue appeals, and (--pay-floor) "
        "hold live batches to the pay floor. The job queue runs this every minute."
    )

    def add_arguments(self, parser):
        parser.add_argument("--pay-floor", action="store_true", help="also the pay floor round")

    def handle(self, *args, **options):
        result = settlement.settle_due()
        line = (
            f"expired {result.expired}, auto-approved {result.auto_approved}, "
            f"batches settled {result.batches_settled}, appeals granted {result.appeals_granted}"
        )
        if options["pay_floor"]:
            line += f", batches under the pay floor {settlement.floor_settle_due()}"
        self.stdout.write(line)
