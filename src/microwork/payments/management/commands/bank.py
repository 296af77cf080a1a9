"""`microwork bank ...`: import bank statements and work the queue of unmatched lines, as the
staff pages do (docs/payouts.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.common.money import format_money
from microwork.payments import banking
from microwork.payments.bank_files import StatementError
from microwork.payments.enums import BankLineState
from microwork.payments.management.commands._staff import staff_user
from microwork.payments.models import BankLine


class Command(BaseCommand):
    help = (
        "Bank transfers: `import FILE` reads a CAMT.053/054 statement or a CSV and credits the "
        "requesters whose reference it carries, marks payouts paid or failed, and queues the "
        "rest; `queue` lists the lines waiting; `assign LINE EMAIL` credits one to a requester; "
        "`dismiss LINE REASON` sets one aside."
    )

    def add_arguments(self, parser):
        parser.add_argument("--by", help="email of the staff member acting (recorded)")
        actions = parser.add_subparsers(dest="action", required=True)
        imported = actions.add_parser("import", help="import a statement file")
        imported.add_argument("file", type=Path)
        actions.add_parser("queue", help="list the lines waiting for staff")
        assign = actions.add_parser("assign", help="credit a waiting line to a requester")
        assign.add_argument("line", type=int)
        assign.add_argument("requester", help="the requester's email")
        dismiss = actions.add_parser("dismiss", help="set a waiting line aside, with a reason")
        dismiss.add_argument("line", type=int)
        dismiss.add_argument("reason")

    def handle(self, *args, **options):
        actor = staff_user(options["by"])
        action = options["action"]
        try:
            if action == "import":
                self._import(options["file"], actor)
            elif action == "queue":
                self._queue()
            elif action == "assign":
                line = self._line(options["line"])
                requester = User.objects.filter(
                    email__iexact=options["requester"], role=Role.REQUESTER
                ).first()
                if requester is None:
                    raise CommandError(f"no requester has the email {options['requester']}")
                banking.bank_line_assign(line=line, requester=requester, actor=actor)
                self.stdout.write(
                    f"line {line.pk}: {format_money(line.amount_cents, line.currency)} "
                    f"credited to {requester.email}"
                )
            else:
                line = self._line(options["line"])
                banking.bank_line_dismiss(line=line, reason=options["reason"], actor=actor)
                self.stdout.write(f"line {line.pk} dismissed")
        except StatementError as error:
            raise CommandError(error.message) from None
        except banking.BankingRefused as refused:
            raise CommandError(refused.message) from None

    def _line(self, pk: int) -> BankLine:
        line = BankLine.objects.filter(pk=pk).first()
        if line is None:
            raise CommandError(f"no bank line {pk}")
        return line

    def _import(self, path: Path, actor) -> None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        step = 100

        def progress(done: int, total: int) -> None:
            if done % step == 0 or done == total:
                self.stderr.write(f"  {done}/{total} new lines applied")

        result = banking.statement_import(
            data=data, file_name=path.name, actor=actor, progress=progress
        )
        self.stdout.write(
            f"{path.name}: {result.statement.format}, {len(result.lines)} new lines, "
            f"{result.known} already imported, {result.not_booked} not booked; "
            f"credited {result.credited}, waiting for staff {result.unmatched}, "
            f"payouts paid {result.paid}, payouts failed {result.failed}, "
            f"ignored {result.ignored}"
        )

    def _queue(self) -> None:
        waiting = BankLine.objects.filter(state=BankLineState.UNMATCHED).order_by("pk")
        for line in waiting:
            self.stdout.write(
                f"{line.pk}\t{line.booked_on or ''}\t"
                f"{format_money(line.amount_cents, line.currency)}\t{line.counterparty_name}\t"
                f"{line.remittance}\t{line.note}"
            )
        self.stdout.write(f"{waiting.count()} lines waiting")
