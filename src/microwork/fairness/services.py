"""Every write of fair work: the pay floor on measured time, appeals, ratings of requesters,
and a worker's account deletion. One transaction each, keyword-only arguments."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from microwork.accounts.models import User, WorkerProfile
from microwork.fairness import events, floor
from microwork.fairness.enums import AppealDecider, AppealState, AppealSubject
from microwork.fairness.models import Appeal, PayFloorNotice, RequesterRating
from microwork.payments import fees
from microwork.payments import services as payments
from microwork.payments.enums import AccountKind
from microwork.payments.models import Account
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch
from microwork.quality import rules
from microwork.quality import services as quality
from microwork.quality.models import RuleAction, WorkerBlock
from microwork.work import services as work
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.models import Assignment
from microwork.work.selectors import median_work_seconds

# A worker may appeal within this time of the rejection or block; the requester then has the
# answer window, after which the appeal is granted automatically.
APPEAL_WINDOW = timedelta(days=14)
ANSWER_WINDOW = timedelta(days=7)
# A quality rule's action is appealed sooner: it acts on figures still being collected, and the
# worker sees it on their standing page the moment it is taken.
RULE_ACTION_APPEAL_WINDOW = timedelta(days=7)
MAX_MESSAGE = 2000
# A batch's approved work is still held to the pay floor this long after the batch ended: its
# project's measured time may come later (batches_pay_floor_enforce).
FLOOR_AFTER_END = timedelta(days=30)
# How many overdue appeals one call grants; the rest wait for the next read or sweep.
AUTO_GRANT_BATCH = 200


class FairnessRefused(Exception):
    """An action the fair-work rules refuse; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- the pay floor on measured time --------------------------------------------------------


def batch_pay_floor_enforce(*, batch: Batch) -> PayFloorNotice | None:
    """Hold a batch to the pay floor once it has enough submissions.

    If its reward over the measured median work time pays under the floor: tell the requester
    (a PayFloorNotice), top up every approved assignment to the reward that meets the floor,
    raise the reward of the rest (escrow topped up for every slot still owed) and, if the
    requester's funds are short for all that, pause the batch until they are there. All or
    nothing: a short balance pays no top-up, and a later call (after a deposit) does it all and
    resumes the batch it paused. Idempotent: re-running pays nothing twice. Returns the notice
    of the batch's current level, or None when the batch meets the floor.
    """
    batch = Batch.objects.select_related("project").get(pk=batch.pk)
    if batch.status == BatchStatus.DRAFT:
        return None
    measured = batch_measured_time(batch)
    if measured is None:
        return None
    median, submissions = measured
    pending = (
        PayFloorNotice.objects.filter(batch=batch, applied_at__isnull=True)
        .order_by("-new_reward_cents")
        .first()
    )
    target = max(floor.reward_meeting_floor(median), pending.new_reward_cents if pending else 0)
    if target <= batch.reward_cents:
        if batch.reward_override_cents is not None and _underpaid(batch).exists():
            # An approval that raced the raise was paid the old reward: catch it up.
            notice = PayFloorNotice.objects.filter(batch=batch).order_by("-pk").first()
            _raise_reward(batch=batch, notice=notice, target=batch.reward_cents)
        return None
    notice = pending if pending and pending.new_reward_cents == target else None
    if notice is None:
        notice, _created = PayFloorNotice.objects.get_or_create(
            batch=batch,
            new_reward_cents=target,
            defaults={
                "floor_cents_per_hour": floor.floor_cents_per_hour(),
                "median_seconds": median,
                "submissions": submissions,
                "old_reward_cents": batch.reward_cents,
            },
        )
    try:
        _raise_reward(batch=batch, notice=notice, target=target)
    except payments.InsufficientFunds:
        available = payments.balance(
            payments.requester_available(batch.project.requester, batch.project.currency)
        )
        missing = max(1, _raise_cost(batch=batch, target=target) - available)
        _pause_for_funds(batch=batch, notice=notice, missing_cents=missing)
    notice.refresh_from_db()
    return notice


def batch_measured_time(batch: Batch) -> tuple[int, int] | None:
    """(median work seconds, submissions) the pay floor judges `batch` on, or None before
    there are MICROWORK_PAY_FLOOR_MIN_SUBMISSIONS answers.

    The batch's own answers when it has enough; else those of every batch of its project, the
    same work: a HIT of the MTurk API is a batch of one task with a few assignments, and its
    HIT type gathers the answers that measure it.
    """
    enough = settings.MICROWORK_PAY_FLOOR_MIN_SUBMISSIONS
    for assignments in (
        Assignment.objects.filter(task__batch=batch),
        Assignment.objects.filter(task__batch__project_id=batch.project_id),
    ):
        submissions = assignments.filter(state__in=list(ANSWERED_STATES)).count()
        if submissions >= enough:
            median = median_work_seconds(assignments)
            return (median, submissions) if median else None
    return None


def _topup_cost(assignment: Assignment, target: int) -> int:
    """What topup_pay() would take from the requester for `assignment`: amount and fee."""
    received = payments.reward_received(assignment)
    if received >= target:
        return 0
    batch = assignment.task.batch
    per_task = fees.tier_assignments(batch.project, batch)
    fee = fees.reward_fee(reward_cents=target, assignments_per_task=per_task)
    old_fee = fees.reward_fee(reward_cents=received, assignments_per_task=per_task)
    return target - received + max(0, fee - old_fee)


def _raise_cost(*, batch: Batch, target: int) -> int:
    """The whole cost of raising `batch` to `target`: top-ups and the escrow's difference."""
    approved = Assignment.objects.filter(
        task__batch=batch, state=AssignmentState.APPROVED
    ).select_related("task__batch__project", "worker")
    topups = sum(_topup_cost(assignment, target) for assignment in approved)
    raised = Batch.objects.select_related("project").get(pk=batch.pk)
    raised.reward_override_cents = target  # in memory only: what escrow would owe
    # Negative when the escrow held a reserve for the floor (adr 0011): it pays the top-ups.
    escrow_missing = payments.escrow_owed(raised) - payments.balance(payments.escrow(raised))
    return max(0, topups + escrow_missing)


def _underpaid(batch: Batch, target: int | None = None):
    """Approved assignments of `batch` whose reward received is under `target` (default: the
    batch's reward), in one query."""
    target = batch.reward_cents if target is None else target
    return (
        Assignment.objects.filter(task__batch=batch, state=AssignmentState.APPROVED)
        .annotate(
            received=Coalesce(
                Sum(
                    "postings__entries__amount_cents",
                    filter=Q(
                        postings__kind__in=payments.REWARD_KINDS,
                        postings__entries__account__kind=AccountKind.WORKER_AVAILABLE,
                    ),
                ),
                0,
            )
        )
        .filter(received__lt=target)
    )


@transaction.atomic
def _raise_reward(*, batch: Batch, notice: PayFloorNotice | None, target: int) -> None:
    """Top up approved work to `target`, make it the batch's reward and set its escrow to
    exactly what it owes. The batch row is locked, so two runs do it once: FOR NO KEY UPDATE,
    because approvals take FOR KEY SHARE on it (their postings' foreign key) while holding the
    accounts we lock next; a plain FOR UPDATE would deadlock with them on PostgreSQL."""
    batch = Batch.objects.select_for_update(no_key=True).select_related("project").get(pk=batch.pk)
    if batch.reward_cents > target:
        return
    count = 0
    paid = 0
    underpaid = list(_underpaid(batch, target).values_list("pk", "received").order_by("pk"))
    approved = Assignment.objects.select_related("task__batch__project", "worker").in_bulk(
        [pk for pk, _received in underpaid]
    )
    # Every account this transaction posts to, locked at once in primary-key order (as each
    # posting does), so approvals running meanwhile cannot hold one we wait for and wait for
    # one we hold.
    currency = batch.project.currency
    accounts = [
        payments.requester_available(batch.project.requester, currency),
        payments.escrow(batch),
        payments.platform_fees(currency),
        *(payments.worker_available(a.worker, currency) for a in approved.values()),
    ]
    list(
        Account.objects.select_for_update()
        .filter(pk__in=[account.pk for account in accounts])
        .order_by("pk")
    )
    if batch.reward_cents < target:
        batch.reward_override_cents = target
        batch.save(update_fields=["reward_override_cents"])
        # The reserve the escrow held for reviewed work (the pay floor's, adr 0011) is no longer
        # owed at the new reward: it goes back to the requester's funds, which the top-ups
        # below draw on, in this transaction, with those accounts locked.
        payments.escrow_release_unused(batch=batch)
    for pk, received in underpaid:
        if payments.topup_pay(assignment=approved[pk], reward_cents=target) is not None:
            count += 1
            paid += target - received
    # Every slot still owed is now owed at the new reward: reserve the difference; an approval
    # that raced the raise took the old price out, so give back what is now held beyond.
    payments.escrow_top_up(batch=batch)
    payments.escrow_release_unused(batch=batch)
    if notice is None:
        return
    was_paused = notice.paused_batch and batch.status == BatchStatus.PAUSED
    if was_paused and not batch.is_expired():
        batch.status = BatchStatus.PUBLISHED
        batch.save(update_fields=["status"])
    PayFloorNotice.objects.filter(pk=notice.pk).update(
        topups_count=notice.topups_count + count,
        topups_cents=notice.topups_cents + paid,
        missing_cents=0,
        applied_at=timezone.now(),
    )


@transaction.atomic
def _pause_for_funds(*, batch: Batch, notice: PayFloorNotice, missing_cents: int) -> None:
    batch = Batch.objects.select_for_update(no_key=True).get(pk=batch.pk)
    paused = notice.paused_batch
    if batch.status == BatchStatus.PUBLISHED and not batch.is_expired():
        batch.status = BatchStatus.PAUSED
        batch.save(update_fields=["status"])
        paused = True
    PayFloorNotice.objects.filter(pk=notice.pk).update(
        missing_cents=missing_cents, paused_batch=paused
    )


def batches_pay_floor_enforce(*, requester: User | None = None, now=None) -> int:
    """Run batch_pay_floor_enforce() over published and paused batches, expired or not, and
    those cancelled within FLOOR_AFTER_END (the sweep, or one requester's reads): a HIT of the
    MTurk API often ends, or is deleted, before its HIT type has the answers that measure it.
    Returns how many batches have a notice now."""
    since = (now or timezone.now()) - FLOOR_AFTER_END
    batches = Batch.objects.filter(
        Q(status__in=[BatchStatus.PUBLISHED, BatchStatus.PAUSED])
        | Q(status=BatchStatus.CANCELLED, cancelled_at__gt=since)
    )
    if requester is not None:
        batches = batches.filter(project__requester=requester)
    noticed = 0
    for batch in batches.order_by("pk"):
        if batch_pay_floor_enforce(batch=batch) is not None:
            noticed += 1
    return noticed


# --- appeals -------------------------------------------------------------------------------


def _clean_message(message: str, field: str = "message") -> str:
    message = (message or "").strip()
    if not message:
        raise ValidationError({field: _("Write a few words: they are all the other side reads.")})
    if len(message) > MAX_MESSAGE:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": MAX_MESSAGE}})
    return message


@transaction.atomic
def appeal_rejection_open(*, worker: User, assignment: Assignment, message: str) -> Appeal:
    """Appeal the rejection of `assignment` within APPEAL_WINDOW of it; once per rejection."""
    message = _clean_message(message)
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("task__batch__project")
        .get(pk=assignment.pk)
    )
    if assignment.worker_id != worker.pk:
        raise FairnessRefused(_("This assignment is not yours."))
    if assignment.state != AssignmentState.REJECTED:
        raise FairnessRefused(_("Only rejected work can be appealed."))
    now = timezone.now()
    if assignment.reviewed_at and now - assignment.reviewed_at > APPEAL_WINDOW:
        raise FairnessRefused(_("A rejection can be appealed within 14 days."))
    return _appeal_create(
        twins=Appeal.objects.filter(assignment=assignment, subject=AppealSubject.REJECTION),
        already_appealed=_("This rejection has been appealed already."),
        now=now,
        subject=AppealSubject.REJECTION,
        worker=worker,
        requester=assignment.task.batch.project.requester,
        assignment=assignment,
        appealed_reason=assignment.feedback,
        appealed_at=assignment.reviewed_at or now,
        message=message,
    )


@transaction.atomic
def appeal_block_open(*, worker: User, block: WorkerBlock, message: str) -> Appeal:
    """Appeal a requester's block within APPEAL_WINDOW of it; one open appeal at a time."""
    message = _clean_message(message)
    if block.worker_id != worker.pk:
        raise FairnessRefused(_("This block is not about you."))
    now = timezone.now()
    if now - block.created_at > APPEAL_WINDOW:
        raise FairnessRefused(_("A block can be appealed within 14 days."))
    return _appeal_create(
        twins=Appeal.objects.filter(
            subject=AppealSubject.BLOCK,
            worker=worker,
            requester_id=block.requester_id,
            appealed_at=block.created_at,
        ),
        already_appealed=_("This block has been appealed already."),
        now=now,
        subject=AppealSubject.BLOCK,
        worker=worker,
        requester_id=block.requester_id,
        appealed_reason=block.reason,
        appealed_at=block.created_at,
        message=message,
    )


def rule_action_appealable_until(action: RuleAction):
    """The last moment the worker may appeal `action`."""
    return action.created_at + RULE_ACTION_APPEAL_WINDOW


@transaction.atomic
def appeal_rule_action_open(*, worker: User, action: RuleAction, message: str) -> Appeal:
    """Appeal the action a project's quality rule took on `worker` (block, flag, lower weight)
    within RULE_ACTION_APPEAL_WINDOW of it, while it is live; once per action.

    The action's row is locked, so a requester lifting it meanwhile is seen: a lifted action
    has nothing left to appeal. The appeal goes to the project's requester, whose rule it is.
    """
    message = _clean_message(message)
    action = (
        RuleAction.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=action.pk)
    )
    if action.worker_id != worker.pk:
        raise FairnessRefused(_("This action is not about you."))
    if not action.is_live:
        raise FairnessRefused(_("This action has been lifted: there is nothing to appeal."))
    now = timezone.now()
    if now > rule_action_appealable_until(action):
        raise FairnessRefused(_("A quality rule's action can be appealed within 7 days."))
    return _appeal_create(
        twins=Appeal.objects.filter(rule_action=action, subject=AppealSubject.RULE_ACTION),
        already_appealed=_("This action has been appealed already."),
        now=now,
        subject=AppealSubject.RULE_ACTION,
        worker=worker,
        requester_id=action.project.requester_id,
        rule_action=action,
        appealed_reason=action.reason,
        appealed_at=action.created_at,
        message=message,
    )


def _appeal_create(*, twins, already_appealed: str, now, **fields) -> Appeal:
    """Open the appeal, to be answered within ANSWER_WINDOW, unless it has a twin: one in
    `twins`, or a concurrent one that the unique constraints on Appeal turn away; refuse it
    then with `already_appealed`."""
    if twins.exists():
        raise FairnessRefused(already_appealed)
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                opened_at=now, answer_due_at=now + ANSWER_WINDOW, **fields
            )
    except IntegrityError:
        raise FairnessRefused(already_appealed) from None
    events.appeal_opened.publish(
        events.AppealOpened(
            appeal_id=appeal.pk, worker_id=appeal.worker_id, requester_id=appeal.requester_id
        )
    )
    return appeal


def _grant_effect(appeal: Appeal) -> None:
    """What granting does: approve and pay the rejected work, lift the block, or lift the rule's
    action (a no-op when the requester lifted it already; its first lifting date stays)."""
    if appeal.subject == AppealSubject.RULE_ACTION:
        rules.rule_action_lift(action=appeal.rule_action)
    elif appeal.subject == AppealSubject.REJECTION:
        assignment = appeal.assignment
        if assignment.state == AssignmentState.APPROVED:
            return  # overturned already by the requester
        try:
            work.assignment_approve(
                assignment=assignment,
                requester=appeal.requester,
                feedback=_("Rejection overturned on appeal."),
            )
        except work.ReviewRefused as refusal:
            raise FairnessRefused(refusal.message) from None
    else:
        quality.worker_block_delete(requester=appeal.requester, worker=appeal.worker)


def _decide(
    appeal: Appeal, *, grant: bool, by: AppealDecider, decider: User | None, answer: str
) -> Appeal:
    locked = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("assignment", "rule_action")
        .get(pk=appeal.pk)
    )
    if grant:
        _grant_effect(locked)
    locked.state = AppealState.GRANTED if grant else AppealState.DENIED
    locked.decided_at = timezone.now()
    locked.decided_by = by
    locked.decider = decider
    locked.answer = answer
    locked.save(update_fields=["state", "decided_at", "decided_by", "decider", "answer"])
    events.appeal_decided.publish(
        events.AppealDecided(
            appeal_id=locked.pk,
            worker_id=locked.worker_id,
            requester_id=locked.requester_id,
            granted=grant,
        )
    )
    return locked


@transaction.atomic
def appeal_answer(*, appeal: Appeal, requester: User, grant: bool, answer: str = "") -> Appeal:
    """The requester grants (the work is paid, the block or the rule's action lifted) or denies
    with a reason.

    Refused once decided, or after the answer window (it is granted automatically then).
    payments.InsufficientFunds when the requester cannot pay the overturned work.
    """
    if appeal.requester_id != requester.pk:
        raise FairnessRefused(_("This appeal is not addressed to you."))
    answer = (answer or "").strip()
    if not grant:
        answer = _clean_message(answer, field="answer")
    locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if locked.state != AppealState.OPEN:
        raise FairnessRefused(_("This appeal has been decided already."))
    if locked.answer_due_at <= timezone.now():
        raise FairnessRefused(_("The time to answer has passed: the appeal is granted."))
    return _decide(
        locked, grant=grant, by=AppealDecider.REQUESTER, decider=requester, answer=answer[:2000]
    )


@transaction.atomic
def appeal_arbitrate(*, appeal: Appeal, staff: User, grant: bool, answer: str) -> Appeal:
    """Staff decide an open or denied appeal; a reason is always given."""
    if not staff.is_staff:
        raise FairnessRefused(_("Only platform staff arbitrate appeals."))
    answer = _clean_message(answer, field="answer")
    locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if locked.state == AppealState.GRANTED:
        raise FairnessRefused(_("This appeal has been granted already."))
    if locked.state == AppealState.DENIED and not grant:
        raise FairnessRefused(_("This appeal has been denied already."))
    return _decide(locked, grant=grant, by=AppealDecider.STAFF, decider=staff, answer=answer)


def grant_due(now) -> Q:
    """Open appeals past their answer window: what appeals_grant_overdue() grants, and what
    the appeals pages show as granted before it has run (selectors)."""
    return Q(state=AppealState.OPEN, answer_due_at__lte=now)


def appeals_grant_overdue(*, now=None, requester: User | None = None, worker: User | None = None):
    """Grant every open appeal whose answer window has passed: the rejected work is paid, the
    block or the rule's action lifted. Runs from the sweep (settlement.settle_due) and, for one
    worker, in the accept that a block would refuse (quality's overdue_appeals_grant hook), so a
    requester's silence decides for the worker. An appeal the requester cannot pay for (funds
    short) stays open and is tried again next time. Returns how many."""
    now = now or timezone.now()
    due = Appeal.objects.filter(grant_due(now))
    if requester is not None:
        due = due.filter(requester=requester)
    if worker is not None:
        due = due.filter(worker=worker)
    granted = 0
    for pk in list(due.order_by("answer_due_at").values_list("pk", flat=True)[:AUTO_GRANT_BATCH]):
        try:
            with transaction.atomic():
                locked = (
                    Appeal.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, state=AppealState.OPEN)
                    .first()
                )
                if locked is None:
                    continue
                _decide(
                    locked,
                    grant=True,
                    by=AppealDecider.AUTOMATIC,
                    decider=None,
                    answer=_("The requester did not answer within 7 days."),
                )
                granted += 1
        except (payments.PaymentRefused, FairnessRefused):
            continue
    return granted


# --- ratings of requesters -----------------------------------------------------------------


def worker_has_worked_for(*, worker: User, requester: User) -> bool:
    """Whether the worker submitted work in one of the requester's projects."""
    return Assignment.objects.filter(
        worker=worker,
        task__batch__project__requester=requester,
        state__in=list(ANSWERED_STATES),
    ).exists()


@transaction.atomic
def requester_rating_set(
    *, worker: User, requester: User, fair: int, fast: int, pay: int, communication: int
) -> RequesterRating:
    """Rate a requester 1 to 5 on each dimension, or change one's rating; only a worker who
    submitted work for them may."""
    if not worker.is_worker or not requester.is_requester:
        raise FairnessRefused(_("Workers rate requesters."))
    if not worker_has_worked_for(worker=worker, requester=requester):
        raise FairnessRefused(_("You can rate a requester once you have done work for them."))
    scores = {"fair": fair, "fast": fast, "pay": pay, "communication": communication}
    for name, value in scores.items():
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError({name: _("From 1 to 5.")})
    rating, created = RequesterRating.objects.select_for_update().get_or_create(
        worker=worker, requester=requester, defaults=scores
    )
    if not created:
        for name, value in scores.items():
            setattr(rating, name, value)
        rating.updated_at = timezone.now()
        rating.save(update_fields=[*scores, "updated_at"])
    return rating


# --- a worker's account --------------------------------------------------------------------


ERASED_MESSAGE = "[erased with the worker's account]"


def deleted_email(worker: User) -> str:
    return f"deleted-{worker.worker_id.lower()}@deleted.invalid"


@transaction.atomic
def worker_account_delete(*, worker: User) -> User:
    """Erase the worker's personal data and close the account.

    The email becomes a placeholder, the display name and profile (country, age) go, the
    password can no longer be used and the account is inactive. What the platform owes others
    stays under the pseudonymous worker id: assignments and answers (requesters paid for them),
    the ledger (append-only, the books must balance), appeals and ratings. The appeals' own
    messages are the worker's words and may hold personal data: they are erased.
    """
    if not worker.is_worker:
        raise FairnessRefused(_("Only workers' accounts are deleted this way."))
    worker = User.objects.select_for_update().get(pk=worker.pk)
    WorkerProfile.objects.filter(user=worker).delete()
    Appeal.objects.filter(worker=worker).update(message=ERASED_MESSAGE)
    worker.email = deleted_email(worker)
    worker.display_name = ""
    worker.set_unusable_password()
    worker.is_active = False
    worker.save(update_fields=["email", "display_name", "password", "is_active"])
    return worker
