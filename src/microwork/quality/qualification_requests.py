"""Workers asking for qualifications: tests taken on the web, auto-granted types, and the
requester's accept or reject (MTurk's QualificationRequest). One transaction per write; the
pages, the REST API and the MTurk endpoint all come through here.

- A worker may ask for an active, requestable type that has a test or is auto-granted.
  An auto-granted type is granted at once with its AutoGrantedValue.
- Starting a test opens a request `in_progress` with a deadline (TestDurationInSeconds);
  starting again while it runs gives the same one back. Submitted after its deadline, it is
  recorded expired and nothing is granted.
- With an answer key the answers are scored at once and the value granted (whatever it is:
  the requester's requirement says which values qualify, as on MTurk); without one the request
  waits, `submitted`, until the requester accepts it with a value or rejects it with a reason.
- RetryDelayInSeconds: a new request only that long after the last one ended (submitted,
  expired, or decided if later); none means one request ever, as on MTurk. A worker who holds
  the qualification may retake it only if the type has a retry delay.
- Expiry is written by the next write that needs it (a start or a submit); pages and the
  wage figures read an overdue test as expired without writing it.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.quality import qualification_tests, selectors, services
from microwork.quality.enums import OPEN_REQUEST_STATES, QualificationRequestState
from microwork.quality.models import QualificationRequest, QualificationType, WorkerQualification
from microwork.quality.services import MAX_REASON, QualityRefused

State = QualificationRequestState


class RequestNotOpen(QualityRefused):
    """The request was already submitted, decided or expired: nothing more happens to it."""


def is_earnable(qualification_type: QualificationType) -> bool:
    """Whether a worker can ask for it on the platform: a test to take, or granted for asking."""
    return (
        qualification_type.is_active
        and qualification_type.is_requestable
        and bool(qualification_type.test or qualification_type.auto_granted)
    )


def _ended_at(request: QualificationRequest):
    return max(
        moment
        for moment in (request.ended_at, request.decided_at, request.started_at)
        if moment is not None
    )


_UNREAD = object()


def request_refusal(
    *,
    qualification_type: QualificationType,
    worker: User,
    now=None,
    last=_UNREAD,
    holds: bool | None = None,
    is_blocked: bool | None = None,
) -> str | None:
    """Why `worker` may not start a request for `qualification_type` now, in words; None if
    they may. A test in progress is no refusal: starting gives it back. Reads only.

    `last` (the worker's latest request for the type, or None), `holds` (whether they hold it
    granted) and `is_blocked` (by its owner), when given, were read by the caller for many
    types at once and are not read again.
    """
    now = now or timezone.now()
    if not worker.is_worker:
        return _("Only workers can take qualification tests.")
    if not is_earnable(qualification_type):
        return _("This qualification cannot be requested: the requester grants it.")
    if is_blocked is None:
        is_blocked = (
            selectors.worker_block(worker=worker, requester=qualification_type.owner) is not None
        )
    if is_blocked:
        return _("This requester has blocked you.")
    if last is _UNREAD:
        last = (
            QualificationRequest.objects.filter(
                qualification_type=qualification_type, worker=worker
            )
            .order_by("-started_at", "-pk")
            .first()
        )
    earlier = [] if last is None else [last]
    if earlier and earlier[0].state == State.IN_PROGRESS and not earlier[0].is_overdue(now):
        return None
    if earlier and earlier[0].state == State.SUBMITTED:
        return _("Your request is waiting for the requester's decision.")
    delay = qualification_type.retry_delay_seconds
    if holds is None:
        holds = WorkerQualification.objects.filter(
            qualification_type=qualification_type, worker=worker, status="Granted"
        ).exists()
    if delay is None and earlier:
        return _("This qualification can be requested only once.")
    if delay is None and holds:
        return _("You already hold this qualification.")
    if earlier:
        ended = earlier[0].deadline if earlier[0].is_overdue(now) else _ended_at(earlier[0])
        retry_at = ended + timedelta(seconds=delay)
        if now < retry_at:
            return _("You can try again from %(when)s.") % {
                "when": date_format(timezone.localtime(retry_at), "DATETIME_FORMAT")
            }
    return None


def _expire_overdue(*, qualification_type: QualificationType, worker: User, now) -> None:
    QualificationRequest.objects.filter(
        qualification_type=qualification_type,
        worker=worker,
        state=State.IN_PROGRESS,
        deadline__lte=now,
    ).update(state=State.EXPIRED)


@transaction.atomic
def qualification_request_start(
    *, qualification_type: QualificationType, worker: User, now=None
) -> QualificationRequest:
    """Open a request: a test in progress, or for an auto-granted type the grant itself.

    Raise QualityRefused with the reason (request_refusal) if the worker may not. A test
    already in progress is returned as it is.
    """
    now = now or timezone.now()
    qualification_type = QualificationType.objects.get(pk=qualification_type.pk)
    _expire_overdue(qualification_type=qualification_type, worker=worker, now=now)
    refusal = request_refusal(qualification_type=qualification_type, worker=worker, now=now)
    if refusal is not None:
        raise QualityRefused(refusal)
    running = QualificationRequest.objects.filter(
        qualification_type=qualification_type, worker=worker, state=State.IN_PROGRESS
    ).first()
    if running is not None:
        return running
    if qualification_type.auto_granted and not qualification_type.test:
        request = QualificationRequest.objects.create(
            qualification_type=qualification_type,
            worker=worker,
            state=State.GRANTED,
            started_at=now,
            submitted_at=now,
            decided_at=now,
            integer_value=qualification_type.auto_granted_value,
        )
        _grant(request, qualification_type.auto_granted_value)
        return request
    try:
        with transaction.atomic():
            return QualificationRequest.objects.create(
                qualification_type=qualification_type,
                worker=worker,
                state=State.IN_PROGRESS,
                test=qualification_type.test,
                started_at=now,
                deadline=now + timedelta(seconds=qualification_type.test_duration_seconds),
            )
    except IntegrityError:
        # A second click opened it first: that one is the worker's test.
        return QualificationRequest.objects.get(
            qualification_type=qualification_type, worker=worker, state__in=OPEN_REQUEST_STATES
        )


def _grant(request: QualificationRequest, value: int) -> None:
    qualification_type = request.qualification_type
    services.qualification_grant(
        qualification_type=qualification_type,
        worker=request.worker,
        requester=qualification_type.owner,
        integer_value=value,
    )


@transaction.atomic
def qualification_request_submit(
    *, request: QualificationRequest, worker: User, answers: dict, now=None
) -> QualificationRequest:
    """Record the worker's answers to their test in progress and return the request.

    With an answer key it is scored and the value granted (state granted); without one it
    waits for the requester (submitted). After the deadline it is recorded expired, and kept
    so: the returned request says so. Raise RequestNotOpen if it was already submitted or
    decided (two submissions at once: the row lock lets one through).
    """
    now = now or timezone.now()
    locked = (
        QualificationRequest.objects.select_for_update()
        .select_related("qualification_type")
        .get(pk=request.pk, worker=worker)
    )
    if locked.state != State.IN_PROGRESS:
        raise RequestNotOpen(_("This test was already submitted or has ended."))
    if locked.is_overdue(now):
        locked.state = State.EXPIRED
        locked.save(update_fields=["state"])
        return locked
    qualification_type = locked.qualification_type
    locked.answers = answers
    locked.submitted_at = now
    if qualification_type.answer_key:
        test = qualification_tests.parse_test(locked.test)
        key = qualification_tests.parse_answer_key(qualification_type.answer_key, test)
        locked.summed_score, locked.integer_value = qualification_tests.score(key, answers)
        locked.state = State.GRANTED
        locked.decided_at = now
        locked.save()
        _grant(locked, locked.integer_value)
        return locked
    locked.state = State.SUBMITTED
    locked.save()
    return locked


def _locked_for_decision(request: QualificationRequest, requester: User) -> QualificationRequest:
    locked = (
        QualificationRequest.objects.select_for_update()
        .select_related("qualification_type", "worker")
        .get(pk=request.pk)
    )
    if locked.qualification_type.owner_id != requester.pk:
        raise QualityRefused(_("You can only decide requests for qualification types you own."))
    if locked.state != State.SUBMITTED:
        raise RequestNotOpen(
            _("This request is not waiting for a decision (it is %(state)s).")
            % {"state": locked.get_state_display()}
        )
    return locked


@transaction.atomic
def qualification_request_accept(
    *, request: QualificationRequest, requester: User, integer_value: int = 1, now=None
) -> QualificationRequest:
    """Grant the worker the qualification with `integer_value` (MTurk's
    AcceptQualificationRequest). Raise RequestNotOpen unless it is waiting for a decision."""
    locked = _locked_for_decision(request, requester)
    locked.state = State.GRANTED
    locked.integer_value = integer_value
    locked.decided_at = now or timezone.now()
    locked.save(update_fields=["state", "integer_value", "decided_at"])
    _grant(locked, integer_value)
    return locked


@transaction.atomic
def qualification_request_reject(
    *, request: QualificationRequest, requester: User, reason: str = "", now=None
) -> QualificationRequest:
    """Reject the request; the worker sees `reason` (MTurk's RejectQualificationRequest)."""
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": MAX_REASON}})
    locked = _locked_for_decision(request, requester)
    locked.state = State.REJECTED
    locked.reason = reason
    locked.decided_at = now or timezone.now()
    locked.save(update_fields=["state", "reason", "decided_at"])
    return locked


# --- reads for the pages --------------------------------------------------------------------


def earnable_types():
    """The qualification types a worker can ask for: active, requestable, with a test or
    granted on request."""
    return (
        QualificationType.objects.filter(
            deleted_at__isnull=True, status="Active", is_requestable=True
        )
        .filter(~Q(test="") | Q(auto_granted=True))
        .select_related("owner")
        .order_by("name", "pk")
    )


def worker_earn_rows(*, worker: User, types=None, now=None) -> list[dict]:
    """For each type a worker can earn: the worker's last request, their grant, and why they
    may not start now (None if they may). Reads only; a few queries whatever the number."""
    now = now or timezone.now()
    types = list(earnable_types() if types is None else types)
    blocked = set(worker.worker_blocks_received.values_list("requester_id", flat=True))
    types = [item for item in types if item.owner_id not in blocked]
    last = {}
    for request in QualificationRequest.objects.filter(
        worker=worker, qualification_type__in=types
    ).order_by("started_at", "pk"):
        last[request.qualification_type_id] = request
    held = {
        grant.qualification_type_id: grant
        for grant in WorkerQualification.objects.filter(
            worker=worker, qualification_type__in=types, status="Granted"
        )
    }
    return [
        {
            "type": item,
            "request": last.get(item.pk),
            "grant": held.get(item.pk),
            "refusal": request_refusal(
                qualification_type=item,
                worker=worker,
                now=now,
                last=last.get(item.pk),
                holds=item.pk in held,
                is_blocked=False,
            ),
        }
        for item in types
    ]


def tests_for_project(*, worker: User, project) -> list[QualificationType]:
    """The types a project requires that the worker can earn on the platform (a test or a
    request), so its page can link to them."""
    type_ids = project.requirements.filter(qualification_type__isnull=False).values_list(
        "qualification_type_id", flat=True
    )
    return [
        row["type"]
        for row in worker_earn_rows(
            worker=worker, types=earnable_types().filter(pk__in=list(type_ids))
        )
        if row["grant"] is None or row["refusal"] is None
    ]
