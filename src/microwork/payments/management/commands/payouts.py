"""`microwork payouts ...`: send requested payouts in a SEPA or CSV file, download a file again,
and mark a sent payout failed, as the staff pages do (docs/payouts.md)."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from microwork.common.money import format_money
from microwork.payments import banking, sepa
from microwork.payments import services as payments
from microwork.payments.management.commands._staff import staff_user
from microwork.payments.models import Payout, PayoutFile


class Command(BaseCommand):
    help = (
        "Payout files: `sepa [--version 09|03]` puts every requested IBAN payout in a SEPA "
        "Credit Transfer file validated against its schema; `csv --rail paypal|iban|all` "
        "exports them for another rail; both mark them sent. `file MESSAGE_ID` writes a file "
        "again; `fail PAYOUT REASON` returns a sent payout's money to its worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--by", help="email of the staff member acting (recorded)")
        actions = parser.add_subparsers(dest="action", required=True)
        sepa_file = actions.add_parser("sepa", help="a SEPA Credit Transfer file")
        sepa_file.add_argument("--version", choices=sorted(sepa.VERSIONS), default="09")
        sepa_file.add_argument("--execution-date", type=datetime.date.fromisoformat)
        sepa_file.add_argument("-o", "--output", type=Path, help="where to write the file")
        csv_file = actions.add_parser("csv", help="a CSV file for another rail")
        csv_file.add_argument("--rail", choices=["paypal", "iban", "all"], default="paypal")
        csv_file.add_argument("-o", "--output", type=Path)
        again = actions.add_parser("file", help="write a file sent before again")
        again.add_argument("message_id")
        again.add_argument("-o", "--output", type=Path)
        fail = actions.add_parser("fail", help="a sent payout did not arrive")
        fail.add_argument("payout", type=int)
        fail.add_argument("reason")

    def handle(self, *args, **options):
        actor = staff_user(options["by"])
        action = options["action"]
        try:
            if action == "sepa":
                result = banking.payouts_send_sepa(
                    actor=actor,
                    version=sepa.VERSIONS[options["version"]],
                    execution_date=options["execution_date"],
                )
                self._sent(result, options["output"])
            elif action == "csv":
                rails = {"paypal", "iban"} if options["rail"] == "all" else {options["rail"]}
                self._sent(banking.payouts_send_csv(actor=actor, rails=rails), options["output"])
            elif action == "file":
                payout_file = PayoutFile.objects.filter(message_id=options["message_id"]).first()
                if payout_file is None:
                    raise CommandError(f"no payout file {options['message_id']}")
                self._write(payout_file, options["output"])
            else:
                payout = Payout.objects.filter(pk=options["payout"]).first()
                if payout is None:
                    raise CommandError(f"no payout {options['payout']}")
                payments.payout_mark_failed(payout=payout, reason=options["reason"], actor=actor)
                self.stdout.write(
                    f"payout {payout.pk} failed: "
                    f"{format_money(payout.amount_cents, payout.currency)} back to its worker"
                )
        except sepa.SepaError as error:
            raise CommandError(f"no file was made: {error}") from None
        except payments.PaymentRefused as refused:
            raise CommandError(refused.message) from None

    def _sent(self, result: banking.SendResult, output: Path | None) -> None:
        for skipped in result.skipped:
            self.stderr.write(f"skipped payout {skipped.payout.pk}: {skipped.reason}")
        if result.file is None:
            self.stdout.write("no payout to send")
            return
        payout_file = result.file
        self.stdout.write(
            f"{payout_file.message_id}: {payout_file.payout_count} payouts, "
            f"{format_money(payout_file.total_cents, payout_file.currency)}, marked sent"
        )
        self._write(payout_file, output)

    def _write(self, payout_file: PayoutFile, output: Path | None) -> None:
        if output is None:
            self.stdout.write(payout_file.content)
            return
        output.write_text(payout_file.content, encoding="utf-8")
        self.stdout.write(f"written to {output}")
