"""Where a worker's payouts go: an IBAN and its holder, or a PayPal address (PayoutMethod).

A change is the moment an account taken over would redirect a worker's money, so:
- the form asks for the current password (payments/forms.py);
- the worker is told at once, by email and on the site (the payout_method_changed event,
  answered by notifications);
- payouts wait PAYOUT_METHOD_HOLD after any change, the first one too: payout_request()
  refuses until then, saying when it becomes possible, and the SEPA export skips payouts
  whose method changed within it (docs/deposits.md, docs/adr/0024).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from microwork.accounts.models import User
from microwork.payments import events
from microwork.payments.enums import PayoutMethodKind
from microwork.payments.models import PayoutMethod

PAYOUT_METHOD_HOLD = timedelta(hours=24)


class PayoutMethodInvalid(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def iban_normalise(text: str) -> tuple[str, str]:
    """(IBAN compact and upper-case, its BIC or "" when schwifty cannot derive it) of `text`,
    as typed ("fr76 3000 …"); PayoutMethodInvalid says what is wrong."""
    try:
        iban = IBAN(text or "")
    except SchwiftyException as error:
        raise PayoutMethodInvalid(
            "iban", _("This is not a valid IBAN (%(reason)s).") % {"reason": str(error)}
        ) from None
    try:
        bic = iban.bic
    except SchwiftyException:
        bic = None
    return iban.compact, str(bic) if bic else ""


def payouts_possible_from(worker: User):
    """When the worker may next be paid out: the end of the hold after their last change of
    payout details, or None when there is no hold."""
    changed_at = (
        PayoutMethod.objects.filter(worker=worker).values_list("changed_at", flat=True).first()
    )
    if changed_at is None:
        return None
    until = changed_at + PAYOUT_METHOD_HOLD
    return until if until > timezone.now() else None


def _destination(method: PayoutMethod) -> str:
    if method.kind == PayoutMethodKind.IBAN:
        return f"…{method.iban[-4:]}"
    local, _at, domain = method.paypal_email.partition("@")
    return f"{local[:1]}…@{domain}"


@transaction.atomic
def payout_method_set(
    *, worker: User, kind: str, iban: str = "", holder: str = "", paypal_email: str = ""
) -> PayoutMethod:
    """Set where `worker`'s payouts go. The caller has checked the worker's password.

    The IBAN is validated and normalised with schwifty (BIC derived when the bank is known);
    a holder is required with it. Saving the same details again changes nothing and tells no
    one; any real change restarts the 24-hour hold and publishes payout_method_changed.
    PayoutMethodInvalid names the field at fault; nothing is saved then.
    """
    if not worker.is_worker:
        raise PayoutMethodInvalid("kind", _("Only workers have payout details."))
    if kind == PayoutMethodKind.IBAN:
        compact, bic = iban_normalise(iban)
        holder = " ".join((holder or "").split())
        if not holder:
            raise PayoutMethodInvalid("holder", _("Give the name of the account holder."))
        if len(holder) > 70:
            # SEPA's limit for a creditor's name.
            raise PayoutMethodInvalid("holder", _("The holder's name is at most 70 characters."))
        wanted = {"iban": compact, "bic": bic, "holder": holder, "paypal_email": ""}
    elif kind == PayoutMethodKind.PAYPAL:
        email = (paypal_email or "").strip()
        if not email or "@" not in email:
            raise PayoutMethodInvalid("paypal_email", _("Give your PayPal email address."))
        local, _at, domain = email.rpartition("@")
        wanted = {"iban": "", "bic": "", "holder": "", "paypal_email": f"{local}@{domain.lower()}"}
    else:
        raise PayoutMethodInvalid("kind", _("Choose a bank account or PayPal."))
    method = PayoutMethod.objects.select_for_update().filter(worker=worker).first()
    if (
        method is not None
        and method.kind == kind
        and all(getattr(method, field) == value for field, value in wanted.items())
    ):
        return method  # the same details again: no change, no new hold
    now = timezone.now()
    if method is None:
        method = PayoutMethod(worker=worker)
    method.kind = kind
    for field, value in wanted.items():
        setattr(method, field, value)
    method.changed_at = now
    method.save()
    events.payout_method_changed.publish(
        events.PayoutMethodChanged(
            worker_id=worker.pk,
            kind=kind,
            destination=_destination(method),
            payouts_from=(now + PAYOUT_METHOD_HOLD).isoformat(),
        )
    )
    return method
