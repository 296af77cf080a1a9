"""Pages of qualification tests and requests.

Workers: the qualifications they can earn, a type's page with its rules, the test itself (a
QuestionForm shown as a form that works on a phone) and its result. Requesters: the requests
waiting for a decision (accept with a value, reject with a reason) and a form to build a
simple test. Every rule lives in quality.qualification_requests; every lookup is scoped to its
owner (another worker's attempt, another requester's request or type is a 404).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microwork.accounts.decorators import requester_required, worker_required
from microwork.quality import qualification_requests, qualification_tests, services
from microwork.quality.enums import QualificationRequestState
from microwork.quality.forms import (
    BuiltQuestionFormSet,
    BuiltTestForm,
    ConfirmForm,
    RequestAcceptForm,
    RequestRejectForm,
    add_service_error,
)
from microwork.quality.models import QualificationRequest, QualificationType

TYPES_PER_PAGE = 50
REQUESTS_SHOWN = 200


# --- workers ---------------------------------------------------------------------------------


@worker_required
@require_GET
def earn_list(request):
    page = Paginator(qualification_requests.earnable_types(), TYPES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = qualification_requests.worker_earn_rows(worker=request.user, types=list(page))
    return render(request, "quality/earn_list.html", {"rows": rows, "page": page})


def _earnable_or_404(public_id: str) -> QualificationType:
    qualification_type = get_object_or_404(
        QualificationType.objects.select_related("owner"), public_id=public_id
    )
    if not qualification_requests.is_earnable(qualification_type):
        raise Http404("No such qualification to earn.")
    return qualification_type


@worker_required
@require_GET
def earn_detail(request, public_id):
    qualification_type = _earnable_or_404(public_id)
    rows = qualification_requests.worker_earn_rows(worker=request.user, types=[qualification_type])
    if not rows:  # the owner blocked this worker: nothing of theirs is shown
        raise Http404("No such qualification to earn.")
    test = (
        qualification_tests.parse_test(qualification_type.test) if qualification_type.test else None
    )
    return render(
        request,
        "quality/earn_detail.html",
        {
            "row": rows[0],
            "qualification_type": qualification_type,
            "test": test,
            "form": ConfirmForm(),
        },
    )


@worker_required
@require_POST
def earn_request(request, public_id):
    qualification_type = _earnable_or_404(public_id)
    if not ConfirmForm(request.POST).is_valid():
        return redirect("quality:earn-detail", public_id=public_id)
    try:
        started = qualification_requests.qualification_request_start(
            qualification_type=qualification_type, worker=request.user
        )
    except services.QualityRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("quality:earn-detail", public_id=public_id)
    if started.state == QualificationRequestState.GRANTED:
        messages.success(request, _("Qualification granted."))
        return redirect("quality:earn-list")
    return redirect("quality:attempt-detail", public_id=started.public_id)


def _own_attempt(request, public_id: str) -> QualificationRequest:
    return get_object_or_404(
        QualificationRequest.objects.select_related("qualification_type__owner"),
        public_id=public_id,
        worker=request.user,
    )


def _attempt_page(request, attempt, *, errors=None, answers=None, status=200):
    is_open = attempt.state == QualificationRequestState.IN_PROGRESS and not attempt.is_overdue()
    test = qualification_tests.parse_test(attempt.test) if attempt.test and is_open else None
    return render(
        request,
        "quality/attempt.html",
        {
            "attempt": attempt,
            "qualification_type": attempt.qualification_type,
            "is_open": is_open,
            "is_overdue": attempt.is_overdue(),
            "questions": _question_rows(test, errors or {}, answers or {}) if test else [],
            "overview": test.overview if test else "",
            "form": ConfirmForm(),
        },
        status=status,
    )


def _question_rows(test, errors: dict, answers: dict) -> list[dict]:
    rows = []
    for item in test.questions:
        given = answers.get(item.identifier)
        chosen = set(given if isinstance(given, list) else [given] if given else [])
        rows.append(
            {
                "question": item,
                "error": errors.get(item.identifier, ""),
                "text_value": given if item.kind == "free_text" else "",
                "choices": [
                    {"selection": choice, "checked": choice.identifier in chosen}
                    for choice in item.selections
                ],
                "other_value": answers.get(item.identifier + qualification_tests.OTHER_SUFFIX, ""),
            }
        )
    return rows


@worker_required
@require_GET
def attempt_detail(request, public_id):
    return _attempt_page(request, _own_attempt(request, public_id))


@worker_required
@require_POST
def attempt_submit(request, public_id):
    attempt = _own_attempt(request, public_id)
    if not ConfirmForm(request.POST).is_valid():
        return redirect("quality:attempt-detail", public_id=public_id)
    if attempt.state != QualificationRequestState.IN_PROGRESS or not attempt.test:
        messages.error(request, _("This test was already submitted or has ended."))
        return redirect("quality:attempt-detail", public_id=public_id)
    answers, errors = {}, {}
    if not attempt.is_overdue():
        test = qualification_tests.parse_test(attempt.test)
        answers, errors = qualification_tests.answers_from_form(test, request.POST)
        if errors:
            return _attempt_page(request, attempt, errors=errors, answers=answers, status=400)
    try:
        done = qualification_requests.qualification_request_submit(
            request=attempt, worker=request.user, answers=answers
        )
    except qualification_requests.RequestNotOpen as refusal:
        messages.error(request, refusal.message)
        return redirect("quality:attempt-detail", public_id=public_id)
    if done.state == QualificationRequestState.EXPIRED:
        messages.error(request, _("The time for this test ran out: your answers were not kept."))
    elif done.state == QualificationRequestState.GRANTED:
        messages.success(request, _("Test scored: qualification granted."))
    else:
        messages.success(request, _("Test submitted: the requester will decide."))
    return redirect("quality:attempt-detail", public_id=public_id)


# --- requesters ------------------------------------------------------------------------------


def _own_type(request, public_id: str) -> QualificationType:
    return get_object_or_404(
        QualificationType, public_id=public_id, owner=request.user, deleted_at__isnull=True
    )


def _own_request(request, public_id: str) -> QualificationRequest:
    return get_object_or_404(
        QualificationRequest.objects.select_related("qualification_type", "worker"),
        public_id=public_id,
        qualification_type__owner=request.user,
    )


def _answer_rows(attempt) -> list[dict]:
    """The questions of a request's test with the worker's answers, for the requester."""
    if not attempt.test:
        return []
    test = qualification_tests.parse_test(attempt.test)
    rows = []
    for item in test.questions:
        given = attempt.answers.get(item.identifier)
        if item.kind == "selection":
            names = {choice.identifier: choice.text for choice in item.selections}
            chosen = given if isinstance(given, list) else [given] if given else []
            shown = ", ".join(names.get(value, value) for value in chosen)
            other = attempt.answers.get(item.identifier + qualification_tests.OTHER_SUFFIX)
            if other:
                shown = f"{shown}, {other}" if shown else other
        else:
            shown = given or ""
        rows.append({"question": item.text or item.identifier, "answer": shown})
    return rows


@requester_required
@require_GET
def type_requests(request, public_id):
    qualification_type = _own_type(request, public_id)
    waiting = list(
        QualificationRequest.objects.filter(
            qualification_type=qualification_type, state=QualificationRequestState.SUBMITTED
        )
        .select_related("worker")
        .order_by("submitted_at", "pk")[:REQUESTS_SHOWN]
    )
    decided = (
        QualificationRequest.objects.filter(qualification_type=qualification_type)
        .exclude(state=QualificationRequestState.SUBMITTED)
        .select_related("worker")
        .order_by("-started_at", "-pk")[:REQUESTS_SHOWN]
    )
    return render(
        request,
        "quality/type_requests.html",
        {
            "qualification_type": qualification_type,
            "waiting": [
                {
                    "request": item,
                    "answers": _answer_rows(item),
                    "accept_form": RequestAcceptForm(prefix=item.public_id),
                    "reject_form": RequestRejectForm(prefix=item.public_id),
                }
                for item in waiting
            ],
            "decided": decided,
            "now": timezone.now(),
        },
    )


@requester_required
@require_POST
def request_accept(request, public_id):
    attempt = _own_request(request, public_id)
    form = RequestAcceptForm(request.POST, prefix=public_id)
    if not form.is_valid():
        messages.error(request, _("Nothing was granted: give a whole number."))
    else:
        try:
            qualification_requests.qualification_request_accept(
                request=attempt,
                requester=request.user,
                integer_value=form.cleaned_data["integer_value"],
            )
        except services.QualityRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Request accepted: qualification granted."))
    return redirect("quality:type-requests", public_id=attempt.qualification_type.public_id)


@requester_required
@require_POST
def request_reject(request, public_id):
    attempt = _own_request(request, public_id)
    form = RequestRejectForm(request.POST, prefix=public_id)
    if not form.is_valid():
        messages.error(request, _("Nothing was rejected: the reason is too long."))
    else:
        try:
            qualification_requests.qualification_request_reject(
                request=attempt, requester=request.user, reason=form.cleaned_data["reason"]
            )
        except services.QualityRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Request rejected."))
    return redirect("quality:type-requests", public_id=attempt.qualification_type.public_id)


@requester_required
@require_http_methods(["GET", "POST"])
def type_test(request, public_id):
    """Build a simple test: questions with options and the right one, and a pass mark. It is
    saved as the type's QuestionForm and AnswerKey (quality.qualification_tests.build_test)."""
    qualification_type = _own_type(request, public_id)
    if request.method == "POST":
        form = BuiltTestForm(request.POST)
        formset = BuiltQuestionFormSet(request.POST, prefix="questions")
        if form.is_valid() and formset.is_valid():
            built = [item.built() for item in formset if not item.is_blank]
            if not built:
                form.add_error(None, _("Write at least one question."))
            elif form.cleaned_data["pass_count"] > len(built):
                form.add_error("pass_count", _("More right answers than questions."))
            else:
                test, key = qualification_tests.build_test(
                    built, pass_count=form.cleaned_data["pass_count"]
                )
                hours = form.cleaned_data["retry_delay_hours"]
                try:
                    services.qualification_type_update(
                        qualification_type=qualification_type,
                        test=test,
                        answer_key=key,
                        test_duration_seconds=form.cleaned_data["duration_minutes"] * 60,
                        retry_delay_seconds=None if hours is None else hours * 3600,
                        auto_granted=False,
                    )
                except (ValidationError, services.QualityRefused) as error:
                    if isinstance(error, ValidationError):
                        add_service_error(form, error)
                    else:
                        form.add_error(None, error.message)
                else:
                    messages.success(request, _("Test saved: workers can take it now."))
                    return redirect("quality:type-detail", public_id=public_id)
        status = 400
    else:
        form = BuiltTestForm(
            initial={
                "duration_minutes": (qualification_type.test_duration_seconds or 600) // 60,
                "retry_delay_hours": (
                    None
                    if qualification_type.retry_delay_seconds is None
                    else qualification_type.retry_delay_seconds // 3600
                ),
            }
        )
        formset = BuiltQuestionFormSet(prefix="questions")
        status = 200
    return render(
        request,
        "quality/type_test.html",
        {
            "qualification_type": qualification_type,
            "form": form,
            "formset": formset,
            "has_test": bool(qualification_type.test),
        },
        status=status,
    )
