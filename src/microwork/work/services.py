"""The assignment lifecycle: claim, submit, return, expire, review. One transaction each.

Lock order, everywhere: assignment rows (by id), then task rows (by id). Claims lock only the
task row they hand out (SKIP LOCKED on PostgreSQL), never the batch, so concurrent accepts on one
batch do not queue behind each other.
"""

import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from microwork.accounts.models import User
from microwork.common.compiled import CompiledQuery, save_fields
from microwork.projects import events as project_events
from microwork.projects import tasktypes, templating
from microwork.projects.enums import BatchStatus
from microwork.projects.models import Batch, Project, Task
from microwork.projects.tasktypes.photo_measures import MEASURES_KEY
from microwork.work import claim, events, photo_checks, selectors
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.models import Assignment, BatchFinish

# A rejection can be overturned (approved after all) within this time, as on MTurk.
OVERTURN_WINDOW = timedelta(days=30)
MAX_FEEDBACK = 1024
# How many due auto-approvals one call settles; the rest wait for the next read or sweep.
AUTO_APPROVE_BATCH = 1000
# The work page reports its active time once more when the frame says "submitted", a moment
# after the submit itself; that late report is taken within this time.
ACTIVE_TIME_GRACE = timedelta(seconds=60)


class WorkRefused(Exception):
    """A worker or requester action that the rules refuse; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NoTaskAvailable(WorkRefused):
    pass


class TooManyOpen(NoTaskAvailable):
    def __init__(self, count: int):
        super().__init__(
            ngettext(
                "You have %(count)d task open, the most at once: submit or return it first.",
                "You have %(count)d tasks open, the most at once: submit or return one first.",
                count,
            )
            % {"count": count}
        )


def _check_open_count(count: int) -> None:
    """Refuse a new claim once the worker holds the site's most open assignments at once.

    Checked before the claim, not inside it: two claims of one worker at the very same moment
    (two tabs) can both pass, so a worker may go one over. It is a brake on hoarding slots,
    which needs many claims; the slot and payment invariants do not depend on it.
    """
    if count >= settings.MICROWORK_MAX_OPEN_ASSIGNMENTS:
        raise TooManyOpen(count)


class AssignmentNotOpen(WorkRefused):
    pass


class NotYourAssignment(AssignmentNotOpen):
    """The assignment is another worker's: a door that knows the worker answers "no such
    assignment" (404), as if it did not exist."""


class DeadlinePassed(WorkRefused):
    pass


class ReviewRefused(WorkRefused):
    pass


class AnswerRefused(WorkRefused):
    """The answer itself is refused (empty, too long, not one of the labels); `field` names the
    answer field at fault, "" for the answer as a whole. The assignment stays open."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def assignments_expire_overdue(*, now=None) -> int:
    """Mark accepted assignments past their deadline as expired and give their slots back.

    Time-based rules must hold with no background process, so this runs at the start of every
    claim and before progress is counted; a job may also run it. Returns how many expired.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # SKIP LOCKED: an assignment being submitted right now is left to that submit.
        overdue = list(
            Assignment.objects.select_for_update(skip_locked=True)
            .filter(selectors.expiry_due(now))
            .order_by("pk")
            .values_list("pk", "task_id")
        )
        if not overdue:
            return 0
        Assignment.objects.filter(pk__in=[pk for pk, _task in overdue]).update(
            state=AssignmentState.EXPIRED, ended_at=now
        )
        for task_id, count in sorted(Counter(task for _pk, task in overdue).items()):
            Task.objects.filter(pk=task_id).update(open_slots=F("open_slots") + count)
        task_ids = {task for _pk, task in overdue}
        for batch in _ended_batches(Batch.objects.filter(tasks__in=task_ids).distinct(), now):
            project_events.batch_escrow_due.publish(project_events.BatchEscrowDue(batch=batch))
    return len(overdue)


def _ended_batches(batches, now):
    """The batches among `batches` that can hand out no more work: their unused escrow is due back."""
    return [
        batch
        for batch in batches.select_related("project")
        if batch.status == BatchStatus.CANCELLED or batch.is_expired(now)
    ]


# The sweep also runs from the periodic job (work/tasks.py) and whenever a claim finds nothing;
# this only keeps freed slots flowing back in order when no job worker runs.
SWEEP_EVERY_SECONDS = 5.0
_last_sweep = 0.0


def _sweep_if_due() -> bool:
    """Run the expiry sweep if this process has not run it for SWEEP_EVERY_SECONDS."""
    global _last_sweep
    clock = time.monotonic()
    if clock - _last_sweep < SWEEP_EVERY_SECONDS:
        return False
    _last_sweep = clock
    assignments_expire_overdue()
    return True


def assignment_claim_next(
    *, worker: User, project: Project, draw: Callable[[], float] = random.random
) -> Assignment:
    """Give `worker` the next task of `project` with a free slot that they have not had.

    Raise NoTaskAvailable if there is none. A task never gets more slot-holding assignments than
    its redundancy: the row is locked and its counter checked by a constraint. Overdue
    assignments are expired before a worker is told there is nothing left, so a passed deadline
    always frees its slot in time (with or without a job worker).

    Gold mixing: when `draw()` (uniform in [0, 1)) falls under the project's gold mixing rate,
    the worker gets a gold task they have not done, if one has a free slot, and an ordinary
    task otherwise. Gold tasks are handed out only this way, never as ordinary tasks.
    The claim itself is work/claim.py's.
    """
    if not worker.is_worker:
        raise NoTaskAvailable(_("Only workers can accept tasks."))
    gate = events.accept_gate.call()
    facts = claim.read_facts(worker=worker, project=project, gate=gate)
    gate.check(worker=worker, project=project, facts=facts)
    # A double click or a second tab resumes the open assignment instead of taking a second task.
    if facts["has_open_assignment"]:
        open_assignment = _open_assignments(worker, project).order_by("accepted_at").first()
        if open_assignment is not None:
            return open_assignment
    _check_open_count(facts["open_assignments"])
    swept = _sweep_if_due()
    rate = facts["gold_mixing_rate"] or 0
    wants_gold = rate > 0 and draw() * 100 < rate
    for _attempt in range(4):
        try:
            if wants_gold:
                taken = claim.take_next(worker=worker, project=project, gold=True)
                if taken is not None:
                    return taken
                wants_gold = False  # no gold left for this worker: an ordinary task
            taken = claim.take_next(worker=worker, project=project)
        except IntegrityError:
            # The same worker claimed the same task from two tabs at once; try the next task.
            continue
        if taken is not None:
            return taken
        # Slots held by overdue assignments come back before we refuse for lack of slots.
        if swept or not assignments_expire_overdue():
            break
        swept = True
    raise NoTaskAvailable(_("There is no task left for you in this project."))


def _open_assignments(worker: User, project: Project | None = None):
    """The worker's open assignments: in `project`, or across the site."""
    open_ones = Assignment.objects.filter(
        worker=worker, state=AssignmentState.ACCEPTED, deadline__gt=timezone.now()
    )
    return open_ones if project is None else open_ones.filter(task__batch__project=project)


def assignment_claim(*, worker: User, task: Task) -> Assignment:
    """Accept one given task (MTurk's "accept this HIT"); refuse with a reason otherwise.

    Raise TaskFull when it has all the workers it needs, once overdue slots are freed, and
    NoTaskAvailable for another reason (its batch is not live, the worker has had it).
    """
    if not worker.is_worker:
        raise NoTaskAvailable(_("Only workers can accept tasks."))
    project = task.batch.project
    events.accept_gate.call().check(worker=worker, project=project, facts=None)
    _check_open_count(_open_assignments(worker).count())
    try:
        return _claim_given(worker=worker, task=task, project=project)
    except TaskFull:
        # A slot held by an overdue assignment comes back before we say the task is full.
        if not assignments_expire_overdue():
            raise
    return _claim_given(worker=worker, task=task, project=project)


class TaskFull(NoTaskAvailable):
    pass


def _claim_given(*, worker: User, task: Task, project: Project) -> Assignment:
    taken = claim.take_given(worker=worker, task_id=task.pk, project=project)
    if taken is claim.Refusal.NOT_LIVE:
        raise NoTaskAvailable(
            _("This task is not open: its batch is paused, cancelled or expired.")
        )
    if taken is claim.Refusal.HAD_IT:
        raise NoTaskAvailable(_("You have already worked on this task."))
    if taken is claim.Refusal.FULL:
        raise TaskFull(_("This task has all the workers it needs."))
    return taken


def _locked_rows(**lookup):
    # With whether the project has active rules, which the submit reads in the same statement.
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("task__batch__project")
        .annotate(**events.submit_annotations.call())
        .filter(**lookup)
    )


# Every submit runs one of these; compiled once, as writing the SQL of a read joining four
# models cost more than running it (common/compiled.py).
_LOCKED_BY_PUBLIC_ID = CompiledQuery(
    lambda public_id: _locked_rows(public_id=public_id), public_id=str
)
_LOCKED_BY_PK = CompiledQuery(lambda pk: _locked_rows(pk=pk), pk=int)
# What a submit writes, by an UPDATE written once (common.compiled.save_fields).
_SUBMITTED_FIELDS = ("state", "answers", "submitted_at", "work_seconds", "auto_approval_due_at")


def _locked_open_assignment(assignment: Assignment | str, worker: User | None) -> Assignment:
    """Lock `assignment` (a row, or its public id) with its task, batch and project; raise
    Assignment.DoesNotExist when a public id names none."""
    if isinstance(assignment, str):
        locked = _LOCKED_BY_PUBLIC_ID.get(public_id=assignment)
    else:
        locked = _LOCKED_BY_PK.get(pk=assignment.pk)
    if worker is not None and locked.worker_id != worker.pk:
        raise NotYourAssignment(_("This assignment is not yours."))
    if locked.state != AssignmentState.ACCEPTED:
        raise AssignmentNotOpen(
            _("This assignment is already %(state)s.")
            % {"state": locked.get_state_display().lower()}
        )
    return locked


def assignment_submit(
    *,
    assignment: Assignment | str,
    fields: dict[str, list[str]],
    worker: User | None = None,
    files=None,
) -> Assignment:
    """Store the worker's answer and return the submitted row. `assignment` is the row or its
    public id (a frame's post names it so: one locked read, Assignment.DoesNotExist if there is
    none); `fields` are the posted form fields (name -> values), `files` the uploaded files (a
    field photo's picture).

    `worker` is checked when the call comes with a session; a frame submission is authorised by
    its token instead (work/frame.py) and passes None. Refused, with nothing stored: a second
    submit, someone else's assignment, a passed deadline (the assignment then expires), an
    invalid answer.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_open_assignment(assignment, worker)
        if locked.deadline > now:
            project = locked.task.batch.project
            try:
                answers = tasktypes.clean_answers(
                    project.template_kind,
                    project.template_config,
                    fields,
                    files=files,
                    row=locked.task.input,
                )
            except templating.AnswerInvalid as error:
                raise AnswerRefused(error.message, field=error.field) from None
            # A field photo's measures are judged below, not kept in the answer.
            photo_measures = answers.pop(MEASURES_KEY, None)
            locked.state = AssignmentState.SUBMITTED
            locked.answers = answers
            locked.submitted_at = now
            locked.work_seconds = max(0, int((now - locked.accepted_at).total_seconds()))
            locked.auto_approval_due_at = now + timedelta(
                seconds=project.auto_approval_delay_seconds
            )
            save_fields(locked, _SUBMITTED_FIELDS)
            if photo_measures is not None:
                photo_checks.photo_check_record(assignment=locked, measures=photo_measures)
            # Quality acts on the answer: its rules, then dynamic overlap (work/events.py).
            events.assignment_submitted.publish(
                events.AssignmentSubmitted(assignment=locked, now=now)
            )
            return locked
    assignments_expire_overdue(now=now)
    raise DeadlinePassed(
        _("The time allotted for this assignment has run out; the answer was not kept.")
    )


@transaction.atomic
def assignment_record_active_time(
    *, assignment: Assignment, worker: User, seconds: int
) -> Assignment:
    """Record that the work page of `assignment` has been visible and focused for `seconds`.

    The page reports a running total, so the largest report wins: a retry, a duplicate or a
    late report out of order never lowers it. The value is clamped to the time since accept
    (to submit, once submitted): the page cannot have been active longer than the assignment
    was open. Refused with nothing changed (AssignmentNotOpen): someone else's assignment, one
    no longer open (an overdue, returned or expired one, or one submitted more than
    ACTIVE_TIME_GRACE ago).
    """
    now = timezone.now()
    locked = Assignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk)
    if locked.worker_id != worker.pk:
        raise AssignmentNotOpen(_("This assignment is not yours."))
    is_open = locked.state == AssignmentState.ACCEPTED and locked.deadline > now
    just_submitted = (
        locked.state in ANSWERED_STATES
        and locked.submitted_at is not None
        and now - locked.submitted_at <= ACTIVE_TIME_GRACE
    )
    if not (is_open or just_submitted):
        raise AssignmentNotOpen(_("This assignment is no longer open."))
    open_until = locked.submitted_at or now
    elapsed = max(0, int((open_until - locked.accepted_at).total_seconds()))
    seconds = min(max(0, int(seconds)), elapsed)
    if locked.active_seconds is None or seconds > locked.active_seconds:
        locked.active_seconds = seconds
        locked.save(update_fields=["active_seconds"])
    return locked


@transaction.atomic
def assignment_return(*, assignment: Assignment, worker: User) -> Assignment:
    """Give an accepted assignment back (skip); its slot goes back to the pool."""
    locked = _locked_open_assignment(assignment, worker)
    locked.state = AssignmentState.RETURNED
    locked.ended_at = timezone.now()
    locked.save(update_fields=["state", "ended_at"])
    Task.objects.filter(pk=locked.task_id).update(open_slots=F("open_slots") + 1)
    batch = locked.task.batch
    if _ended_batches(Batch.objects.filter(pk=batch.pk), locked.ended_at):
        project_events.batch_escrow_due.publish(project_events.BatchEscrowDue(batch=batch))
    return locked


def _check_reviewer(assignment: Assignment, requester: User) -> None:
    if assignment.task.batch.project.requester_id != requester.pk:
        raise ReviewRefused(_("This assignment is not from one of your projects."))


def _approve_locked(
    locked: Assignment, *, reviewed_at, feedback: str = "", automatic: bool = False
) -> None:
    """Approve a locked assignment; payments pays it (work/events.py): from escrow, or from the
    requester's funds when a rejection is overturned (its escrow went back to them then)."""
    was_rejected = locked.state == AssignmentState.REJECTED
    locked.state = AssignmentState.APPROVED
    locked.reviewed_at = reviewed_at
    locked.is_auto_approved = automatic
    locked.feedback = feedback.strip()[:MAX_FEEDBACK]
    locked.save(update_fields=["state", "reviewed_at", "is_auto_approved", "feedback"])
    events.assignment_approved.publish(
        events.AssignmentApproved(assignment=locked, was_rejected=was_rejected, automatic=automatic)
    )


def _locked_for_review(assignment: Assignment, requester: User) -> Assignment:
    locked = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("task__batch__project", "worker")
        .get(pk=assignment.pk)
    )
    _check_reviewer(locked, requester)
    return locked


def _is_auto_approval_due(locked: Assignment, now) -> bool:
    return (
        locked.state == AssignmentState.SUBMITTED
        and locked.auto_approval_due_at is not None
        and locked.auto_approval_due_at <= now
    )


@transaction.atomic
def assignment_approve(
    *, assignment: Assignment, requester: User, feedback: str = ""
) -> Assignment:
    """Approve a submission and pay it, or overturn a rejection within 30 days; after the
    commit its batch is held to the pay floor (review_done, work/events.py). Every door calls
    this: the review page, MTurk's ApproveAssignment, the API.

    InsufficientFunds (payments) when overturning without the funds to pay; nothing changes.
    """
    locked = _approve(assignment=assignment, requester=requester, feedback=feedback)
    events.review_done.publish(events.ReviewDone(batch_ids=frozenset({locked.task.batch_id})))
    batches_finish_done(batch_ids={locked.task.batch_id})
    return locked


def _approve(*, assignment: Assignment, requester: User, feedback: str) -> Assignment:
    locked = _locked_for_review(assignment, requester)
    now = timezone.now()
    if _is_auto_approval_due(locked, now):
        # It was due before anyone looked: it counts as approved at its due time.
        _approve_locked(
            locked, reviewed_at=locked.auto_approval_due_at, feedback=feedback, automatic=True
        )
        return locked
    if locked.state == AssignmentState.REJECTED:
        if locked.reviewed_at and now - locked.reviewed_at > OVERTURN_WINDOW:
            raise ReviewRefused(_("A rejection can only be overturned within 30 days."))
    elif locked.state != AssignmentState.SUBMITTED:
        raise ReviewRefused(
            _("Only submitted work can be approved; this one is %(state)s.")
            % {"state": locked.get_state_display().lower()}
        )
    _approve_locked(locked, reviewed_at=now, feedback=feedback)
    return locked


@transaction.atomic
def assignment_reject(*, assignment: Assignment, requester: User, reason: str) -> Assignment:
    """Reject a submission; a reason is required and is shown to the worker, who may appeal
    within fairness's window from `reviewed_at`.

    The reward and fee go back from escrow to the requester's funds (payments subscribes to
    assignment_rejected). Work past its auto-approval time has been approved already and
    cannot be rejected.
    """
    locked = _reject(assignment=assignment, requester=requester, reason=reason)
    batches_finish_done(batch_ids={locked.task.batch_id})
    return locked


def _reject(*, assignment: Assignment, requester: User, reason: str) -> Assignment:
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused(_("A rejection needs a reason; the worker will see it."))
    locked = _locked_for_review(assignment, requester)
    if _is_auto_approval_due(locked, timezone.now()):
        raise ReviewRefused(
            _("This submission was approved automatically when its review time ran out.")
        )
    if locked.state != AssignmentState.SUBMITTED:
        raise ReviewRefused(
            _("Only submitted work can be rejected; this one is %(state)s.")
            % {"state": locked.get_state_display().lower()}
        )
    locked.state = AssignmentState.REJECTED
    locked.reviewed_at = timezone.now()
    locked.feedback = reason[:MAX_FEEDBACK]
    locked.save(update_fields=["state", "reviewed_at", "feedback"])
    events.assignment_rejected.publish(events.AssignmentRejected(assignment=locked))
    return locked


def assignments_auto_approve_due(
    *,
    now=None,
    requester: User | None = None,
    worker: User | None = None,
    batch: Batch | None = None,
) -> int:
    """Approve and pay every submission whose auto-approval time has passed; each approval
    records its original due time. Returns how many were approved.

    Run by the periodic sweep (fairness.settlement.settle_due) and by the writes that need it
    settled first (a payout request); a page shows what is due without approving it.
    """
    now = now or timezone.now()
    due = Assignment.objects.filter(selectors.auto_approval_due(now))
    if requester is not None:
        due = due.filter(task__batch__project__requester=requester)
    if worker is not None:
        due = due.filter(worker=worker)
    if batch is not None:
        due = due.filter(task__batch=batch)
    approved = 0
    batch_ids = set()
    # A bounded list, not a cursor: SQLite must not be written while a cursor on it is open.
    for pk in list(
        due.order_by("auto_approval_due_at").values_list("pk", flat=True)[:AUTO_APPROVE_BATCH]
    ):
        with transaction.atomic():
            locked = (
                Assignment.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("task__batch__project", "worker")
                .filter(pk=pk, state=AssignmentState.SUBMITTED)
                .first()
            )
            if locked is None:
                continue  # reviewed meanwhile, or being reviewed right now
            _approve_locked(locked, reviewed_at=locked.auto_approval_due_at, automatic=True)
            approved += 1
            batch_ids.add(locked.task.batch_id)
    if batch_ids:
        events.review_done.publish(events.ReviewDone(batch_ids=frozenset(batch_ids)))
        batches_finish_done(batch_ids=batch_ids, now=now)
    return approved


def assignments_auto_approve_all_due(
    *, now=None, worker: User | None = None, rounds: int | None = None
) -> int:
    """assignments_auto_approve_due() again while it fills a whole round (AUTO_APPROVE_BATCH),
    at most `rounds` times (None: until none is left). Returns how many were approved."""
    approved = 0
    done_rounds = 0
    while rounds is None or done_rounds < rounds:
        done = assignments_auto_approve_due(now=now, worker=worker)
        approved += done
        done_rounds += 1
        if done < AUTO_APPROVE_BATCH:
            break
    return approved


@transaction.atomic
def assignments_review(*, assignments, requester: User, approve: bool, reason: str = "") -> int:
    """Approve or reject many submissions at once: all or none. Returns how many.

    The rules of assignment_approve and assignment_reject, one by one in id order (the first
    refused one refuses them all), in a bounded number of queries however many there are: the
    rows are locked together, written by a few UPDATEs, and their money moves at once
    (assignments_approved / assignments_rejected, which payments answers with one set of
    postings).
    """
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ReviewRefused(_("A rejection needs a reason; the worker will see it."))
    locked = list(
        Assignment.objects.select_for_update(of=("self",))
        # The requester too: the escrow's account is named by it, once per row.
        .select_related("task__batch__project__requester", "worker")
        .filter(pk__in={assignment.pk for assignment in assignments})
        .order_by("pk")
    )
    if not locked:
        return 0
    now = timezone.now()
    for row in locked:
        _check_reviewer(row, requester)
    batch_ids = {row.task.batch_id for row in locked}
    if approve:
        _approve_many(locked, now=now, feedback=reason)
        events.review_done.publish(events.ReviewDone(batch_ids=frozenset(batch_ids)))
    else:
        _reject_many(locked, now=now, reason=reason)
    batches_finish_done(batch_ids=batch_ids)
    return len(locked)


def _approve_many(locked: list[Assignment], *, now, feedback: str) -> None:
    """_approve's rules and writes for many locked rows: those due are approved at their due
    time, automatically; a rejection within the window is overturned."""
    due, by_hand, overturned = [], [], set()
    for row in locked:
        if _is_auto_approval_due(row, now):
            due.append(row)
            continue
        if row.state == AssignmentState.REJECTED:
            if row.reviewed_at and now - row.reviewed_at > OVERTURN_WINDOW:
                raise ReviewRefused(_("A rejection can only be overturned within 30 days."))
            overturned.add(row.pk)
        elif row.state != AssignmentState.SUBMITTED:
            raise ReviewRefused(
                _("Only submitted work can be approved; this one is %(state)s.")
                % {"state": row.get_state_display().lower()}
            )
        by_hand.append(row)
    feedback = feedback[:MAX_FEEDBACK]
    if by_hand:
        Assignment.objects.filter(pk__in=[row.pk for row in by_hand]).update(
            state=AssignmentState.APPROVED,
            reviewed_at=now,
            is_auto_approved=False,
            feedback=feedback,
        )
    if due:
        Assignment.objects.filter(pk__in=[row.pk for row in due]).update(
            state=AssignmentState.APPROVED,
            reviewed_at=F("auto_approval_due_at"),
            is_auto_approved=True,
            feedback=feedback,
        )
    automatic = {row.pk for row in due}
    for row in locked:
        row.state = AssignmentState.APPROVED
        row.is_auto_approved = row.pk in automatic
        row.reviewed_at = row.auto_approval_due_at if row.is_auto_approved else now
        row.feedback = feedback
    events.assignments_approved.publish(
        events.AssignmentsApproved(
            approvals=tuple(
                events.AssignmentApproved(
                    assignment=row,
                    was_rejected=row.pk in overturned,
                    automatic=row.pk in automatic,
                )
                for row in locked
            )
        )
    )


def _reject_many(locked: list[Assignment], *, now, reason: str) -> None:
    """_reject's rules and writes for many locked rows."""
    for row in locked:
        if _is_auto_approval_due(row, now):
            raise ReviewRefused(
                _("This submission was approved automatically when its review time ran out.")
            )
        if row.state != AssignmentState.SUBMITTED:
            raise ReviewRefused(
                _("Only submitted work can be rejected; this one is %(state)s.")
                % {"state": row.get_state_display().lower()}
            )
    reason = reason[:MAX_FEEDBACK]
    Assignment.objects.filter(pk__in=[row.pk for row in locked]).update(
        state=AssignmentState.REJECTED, reviewed_at=now, feedback=reason
    )
    for row in locked:
        row.state, row.reviewed_at, row.feedback = AssignmentState.REJECTED, now, reason
    events.assignments_rejected.publish(
        events.AssignmentsRejected(
            rejections=tuple(events.AssignmentRejected(assignment=row) for row in locked)
        )
    )


def batches_finish_done(*, batch_ids=None, now=None) -> int:
    """Publish batch_finished for each batch (of `batch_ids`, when given) that has nothing left
    to do or review and was not found finished before: no assignment accepted or submitted,
    and either every slot taken (each one approved or rejected, then) or the batch ended
    (cancelled, or past its lifetime). Returns how many finished now.

    The acts that can finish a batch call it (a review, and through batch_escrow_due an expiry
    or a return in an ended batch, a cancel); the sweep calls it for every batch, for those
    that simply ran out of time, and for any that two concurrent reviews each left to the
    other. The BatchFinish row is inserted before the publish: a batch finishes once.
    """
    now = now or timezone.now()
    pending = Assignment.objects.filter(
        task__batch=OuterRef("pk"),
        state__in=[AssignmentState.ACCEPTED, AssignmentState.SUBMITTED],
    )
    open_task = Task.objects.filter(batch=OuterRef("pk"), open_slots__gt=0)
    done = (
        Batch.objects.exclude(status=BatchStatus.DRAFT)
        .filter(finish__isnull=True)
        .filter(~Exists(pending))
        .filter(Q(status=BatchStatus.CANCELLED) | Q(expires_at__lte=now) | ~Exists(open_task))
    )
    if batch_ids is not None:
        done = done.filter(pk__in=batch_ids)
    finished = 0
    for batch_id, requester_id in list(done.order_by("pk").values_list("pk", "project__requester")):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    BatchFinish.objects.create(batch_id=batch_id, finished_at=now)
            except IntegrityError:
                continue  # a concurrent act finished it first, and published it
            events.batch_finished.publish(
                events.BatchFinished(batch_id=batch_id, requester_id=requester_id)
            )
        finished += 1
    return finished
