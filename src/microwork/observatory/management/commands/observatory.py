"""`microwork observatory snapshot --month 2026-11 [--out DIR] [--queue]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from microwork.observatory import jobs, snapshots, statistics


class Command(BaseCommand):
    help = "Compute and store a month's observatory snapshot (its open data package)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        snapshot = sub.add_parser("snapshot", help="Compute a month's package and store it.")
        snapshot.add_argument("--month", required=True, help="The month, like 2026-11.")
        snapshot.add_argument("--out", help="Also write the package's files to this folder.")
        snapshot.add_argument(
            "--queue", action="store_true", help="Leave the work to the job queue."
        )

    def handle(self, *args, action: str, month: str, out: str | None, queue: bool, **options):
        try:
            first = statistics.parse_month(month)
        except ValueError as error:
            raise CommandError(f"--month: {error}") from None
        if queue:
            jobs.snapshot_month(f"{first:%Y-%m}")
            self.stdout.write(f"Queued the snapshot of {first:%Y-%m}.")
            return
        snapshot = snapshots.snapshot_make(month=first)
        if out:
            folder = Path(out)
            folder.mkdir(parents=True, exist_ok=True)
            for found in snapshot.files.order_by("name"):
                (folder / found.name).write_bytes(bytes(found.content))
        self.stdout.write(
            f"Stored the snapshot of {snapshot.label}: {snapshot.files.count()} files"
            + (f", written to {out}" if out else "")
            + "."
        )
