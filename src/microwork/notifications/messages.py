"""Each kind of notification in words, in the active language: a title (an email's subject)
and a sentence, and the page it points to. The caller picks the language
(translation.override): the reader's when a page shows it, the recipient's when it is mailed.

Parameters hold what the words need (names, amounts, a reason as the requester typed it), so
showing a page of notifications reads no other table.
"""

from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from microwork.common.money import format_money
from microwork.notifications.enums import NotificationKind as Kind


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    path: str  # the page to open, absolute path on the site


def _money(params: dict, field: str = "amount_cents") -> str:
    return format_money(params.get(field, 0), params.get("currency", "EUR"))


def render(kind: str, params: dict) -> Message:
    """The words of a notification of `kind` with `params`, in the active language."""
    p = params
    if kind == Kind.ASSIGNMENT_APPROVED:
        text = _("Your work on “%(project)s” was approved: %(reward)s.") % {
            "project": p.get("project", ""),
            "reward": _money(p, "reward_cents"),
        }
        if p.get("feedback"):
            text += " " + _("The requester wrote: %(feedback)s") % {"feedback": p["feedback"]}
        return Message(_("Work approved"), text, reverse("work:history"))
    if kind == Kind.ASSIGNMENT_REJECTED:
        return Message(
            _("Work rejected"),
            _("Your work on “%(project)s” was rejected, and you may appeal. Reason: %(reason)s")
            % {"project": p.get("project", ""), "reason": p.get("reason", "")},
            reverse("fairness:worker-appeals"),
        )
    if kind == Kind.BONUS_SENT:
        return Message(
            _("Bonus received"),
            _("You received a bonus of %(amount)s for your work on “%(project)s”: %(reason)s")
            % {"amount": _money(p), "project": p.get("project", ""), "reason": p.get("reason", "")},
            reverse("payments:worker-earnings"),
        )
    if kind == Kind.APPEAL_DECIDED:
        if p.get("granted"):
            text = _("Your appeal was granted.")
        else:
            text = _("Your appeal was denied.")
        if p.get("answer"):
            text += " " + _("The answer: %(answer)s") % {"answer": p["answer"]}
        return Message(_("Appeal answered"), text, reverse("fairness:worker-appeals"))
    if kind == Kind.PAYOUT_PAID:
        return Message(
            _("Payout paid"),
            _("Your payout of %(amount)s has been paid.") % {"amount": _money(p)},
            reverse("payments:worker-earnings"),
        )
    if kind == Kind.PAYOUT_METHOD_CHANGED:
        if p.get("kind") == "paypal":
            where = _("the PayPal account %(destination)s") % {"destination": p.get("destination")}
        else:
            where = _("the bank account ending %(destination)s") % {
                "destination": p.get("destination")
            }
        return Message(
            _("Payout details changed"),
            _(
                "Your payouts now go to %(where)s. Payouts wait 24 hours after a change. If you "
                "did not make this change, change your password at once and write to us."
            )
            % {"where": where},
            reverse("payments:payout-method"),
        )
    if kind == Kind.WORKER_BLOCKED:
        return Message(
            _("Blocked by a requester"),
            _(
                "%(requester)s blocked you from their projects, and you may appeal. Reason: %(reason)s"
            )
            % {"requester": p.get("requester", ""), "reason": p.get("reason", "")},
            reverse("quality:worker-standing"),
        )
    if kind == Kind.WORKER_UNBLOCKED:
        return Message(
            _("Block lifted"),
            _("%(requester)s lifted their block: you can work on their projects again.")
            % {"requester": p.get("requester", "")},
            reverse("quality:worker-standing"),
        )
    if kind == Kind.QUALIFICATION_GRANTED:
        return Message(
            _("Qualification granted"),
            _("You were granted the qualification “%(name)s” (value %(value)s).")
            % {"name": p.get("qualification", ""), "value": p.get("value", 1)},
            reverse("quality:worker-standing"),
        )
    if kind == Kind.REQUESTER_MESSAGE:
        return Message(
            p.get("subject", ""),
            _("%(requester)s wrote: %(message)s")
            % {"requester": p.get("requester", ""), "message": p.get("message", "")},
            reverse("notifications:list"),
        )
    if kind == Kind.BATCH_FINISHED:
        return Message(
            _("Batch finished"),
            _(
                "Your batch “%(batch)s” of “%(project)s” is finished: nothing is left to do or review."
            )
            % {"batch": p.get("batch", ""), "project": p.get("project", "")},
            reverse("projects:batch-detail", args=[p["batch_id"]])
            if p.get("batch_id")
            else reverse("projects:project-list"),
        )
    if kind == Kind.APPEAL_OPENED:
        return Message(
            _("Appeal opened"),
            _("Worker %(worker)s appealed. Please answer within 7 days.")
            % {"worker": p.get("worker", "")},
            reverse("fairness:requester-appeals"),
        )
    if kind == Kind.BALANCE_LOW:
        return Message(
            _("Balance low"),
            _("Your available balance is down to %(amount)s.")
            % {"amount": _money(p, "available_cents")},
            reverse("payments:requester-balance"),
        )
    if kind == Kind.DEPOSIT_REVERSED:
        text = _("A card payment was refunded or disputed: %(amount)s was taken back.") % {
            "amount": _money(p)
        }
        if p.get("owed_cents"):
            text += " " + _(
                "Its money was already spent: you owe %(owed)s, paid first from your next "
                "deposit, and publishing waits until then."
            ) % {"owed": _money(p, "owed_cents")}
        return Message(_("Card payment taken back"), text, reverse("payments:requester-balance"))
    if kind == Kind.ESCROW_RETURNED:
        return Message(
            _("Escrow returned"),
            _("%(amount)s held for your batch “%(batch)s” came back to your balance.")
            % {"amount": _money(p), "batch": p.get("batch", "")},
            reverse("payments:requester-balance"),
        )
    if kind == Kind.TERMS_PUBLISHED:
        effective = timezone.localtime(datetime.fromisoformat(p["effective_at"]))
        french = (get_language() or "").split("-")[0] == "fr"
        summary = p.get("summary_fr" if french else "summary_en", "")
        return Message(
            _("Terms of service changed"),
            _(
                "Version %(number)s of the terms of service is in force from %(date)s. What "
                "changes: %(summary)s"
            )
            % {
                "number": p.get("number", ""),
                "date": formats.date_format(effective, "DATE_FORMAT"),
                "summary": summary,
            },
            reverse("terms:detail", args=[p["number"]]),
        )
    raise ValueError(f"unknown notification kind {kind!r}")
