"""The worker's pages: find work, preview, accept, do it in the sandboxed frame, return, history.

The work page shows the task in a sandboxed frame (work/frame.py). The frame and the submit
endpoint are authorised by the assignment's frame token, not by the session: the frame's
opaque origin sends no cookies and cannot carry a CSRF token from the platform.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microwork.accounts.decorators import worker_required
from microwork.common.compiled import CompiledQuery
from microwork.common.csp import platform_policy
from microwork.common.durations import format_duration
from microwork.common.fixed_urls import fixed_reverse
from microwork.common.money import format_money
from microwork.common.ratelimits import RateLimited, rate_limit
from microwork.projects.enums import TemplateKind
from microwork.projects.models import Project
from microwork.quality import selectors as quality
from microwork.quality.enums import WorkerAction
from microwork.quality.gold import gold_feedback_message
from microwork.web.ratelimits import rate_limited
from microwork.work import selectors, services
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.forms import ActiveTimeForm, MarketplaceFilterForm
from microwork.work.frame import (
    EXTERNAL_OPENER_POLICY,
    EXTERNAL_REFERRER_POLICY,
    EXTERNAL_SANDBOX,
    SANDBOX,
    direct_frame,
    frame_message,
    frame_refusal,
    frame_token,
    frame_token_is_valid,
    mturk_parameters,
    render_frame_document,
)
from microwork.work.marketplace import marketplace_filter, worker_kind_label
from microwork.work.models import Assignment

MARKETPLACE_PAGE_SIZE = 24
HISTORY_PAGE_SIZE = 50


def format_countdown(seconds: int) -> str:
    """What the work page's countdown shows before its script runs: 605 -> "10:05"."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def _pay_shown(project: Project) -> dict:
    """The pay facts of a project, worded for a worker."""
    facts = selectors.project_pay_facts(project)
    hourly = facts["hourly_cents"]
    return {
        **facts,
        "reward": format_money(project.reward_cents, project.currency),
        "raised_reward": (
            format_money(facts["raised_reward_cents"], project.currency)
            if facts["raised_reward_cents"]
            else ""
        ),
        "hourly": format_money(hourly, project.currency) if hourly is not None else "",
        "time_allotted": format_duration(project.time_allotted_seconds),
        "estimate": format_duration(facts["estimated_seconds"]),
        "median": format_duration(facts["median_seconds"]),
    }


def _project_or_404(public_id: str) -> Project:
    return get_object_or_404(Project.objects.select_related("requester"), public_id=public_id)


def _assignments_with_project(**lookup):
    return Assignment.objects.select_related("task__batch__project").filter(**lookup)


# A worker's every accept and work page reads one of these: compiled once (common/compiled.py).
_PROJECT = CompiledQuery(
    lambda public_id: Project.objects.filter(public_id=public_id), public_id=str
)
_OWN_ASSIGNMENT = CompiledQuery(
    lambda public_id, worker_id: _assignments_with_project(
        public_id=public_id, worker_id=worker_id
    ),
    public_id=str,
    worker_id=int,
)
# The work page's read: the same, and whether the worker has answered a task of the project
# before (its instructions are then closed). An EXISTS in the same statement, not a second
# query: the work page keeps its two (tests/work/test_query_counts.py); on PostgreSQL it walks
# the worker's own assignments by the worker index and stops at the first answered one.
_OWN_ASSIGNMENT_FOR_PAGE = CompiledQuery(
    lambda public_id, worker_id: _assignments_with_project(
        public_id=public_id, worker_id=worker_id
    ).annotate(
        answered_in_project=Exists(
            Assignment.objects.filter(
                worker_id=OuterRef("worker_id"),
                task__batch__project_id=OuterRef("task__batch__project_id"),
                state__in=list(ANSWERED_STATES),
            )
        )
    ),
    public_id=str,
    worker_id=int,
)
# The task frame each work page loads reads this, authorised by its token, not by a session.
_FRAMED_ASSIGNMENT = CompiledQuery(
    lambda public_id: _assignments_with_project(public_id=public_id), public_id=str
)


def _own_assignment_or_404(request, public_id: str) -> Assignment:
    return _OWN_ASSIGNMENT.get_or_404(public_id=public_id, worker_id=request.user.pk)


def _render_framing(request, template: str, context: dict, direct) -> HttpResponse:
    """Render a page with a task frame: the sandboxed task frame document (`frame_url`), or a
    requester's page on a host of its own framed directly (`direct`, frame.direct_frame), whose
    origin this response alone lets into frame-src."""
    if direct is None:
        return render(request, template, {**context, "frame_sandbox": SANDBOX})
    response = render(
        request,
        template,
        {
            **context,
            "frame_url": direct.src,
            "frame_sandbox": EXTERNAL_SANDBOX,
            "frame_referrer_policy": EXTERNAL_REFERRER_POLICY,
            "frame_height": direct.height,
            "frame_is_direct": True,
        },
    )
    response["Content-Security-Policy"] = platform_policy(frame_sources=(direct.origin,))
    # With COOP same-origin, a pop-up opened from a frame of another origin opens, but its
    # window.open returns null, and psiTurk's ad then fails. allow-popups still cuts this page
    # off from a foreign window that opened it; the pop-up may not navigate this page.
    response["Cross-Origin-Opener-Policy"] = EXTERNAL_OPENER_POLICY
    return response


@worker_required
@require_GET
def marketplace(request):
    projects = quality.projects_available_for_worker(worker=request.user)
    filters = MarketplaceFilterForm(request.GET)
    # A bad filter is named beside its field, and the list stays unfiltered.
    cleaned = filters.cleaned_data if filters.is_valid() else {}
    projects = marketplace_filter(projects, **cleaned)
    page = Paginator(projects, MARKETPLACE_PAGE_SIZE).get_page(request.GET.get("page"))
    open_assignments = list(selectors.worker_open_assignments(worker=request.user))
    open_by_project = {}
    for assignment in open_assignments:
        open_by_project.setdefault(assignment.task.batch.project_id, assignment)
    cards = [
        {
            "project": project,
            "pay": _pay_shown(project),
            "open_assignment": open_by_project.get(project.pk),
            "kind": worker_kind_label(project.template_kind),
        }
        for project in page
    ]
    return render(
        request,
        "work/marketplace.html",
        {
            "cards": cards,
            "page": page,
            "open_assignments": open_assignments,
            "filters": filters,
            "floor_marked": any(card["pay"]["hourly_is_floor"] for card in cards),
        },
    )


@worker_required
@require_GET
def project_preview(request, public_id):
    project = _project_or_404(public_id)
    # A block or an unmet PreviewAndAccept requirement is explained, never silently hidden.
    failures = quality.requirement_failures(
        worker=request.user, project=project, action=WorkerAction.PREVIEW
    )
    if failures:
        return render(
            request,
            "quality/preview_refused.html",
            {"project": project, "failures": failures},
            status=403,
        )
    task = selectors.task_to_preview_for_worker(worker=request.user, project=project)
    if task is None:
        raise Http404("No work available in this project.")
    return _render_framing(
        request,
        "work/project_preview.html",
        {
            "project": project,
            "pay": _pay_shown(project),
            "open_assignment": selectors.worker_open_assignment(
                worker=request.user, project=project
            ),
            "frame_url": reverse("work:project-preview-frame", args=[project.public_id]),
        },
        direct_frame(
            project=project,
            task_input=task.input,
            assignment=None,
            preview=True,
            request=request,
            task_public_id=task.public_id,
        ),
    )


@worker_required
@require_GET
def project_preview_frame(request, public_id):
    project = _project_or_404(public_id)
    if not quality.worker_can(WorkerAction.PREVIEW, request.user, project):
        raise Http404("No work available in this project.")
    task = selectors.task_to_preview_for_worker(worker=request.user, project=project)
    if task is None:
        raise Http404("No work available in this project.")
    return render_frame_document(
        project=project,
        task_input=task.input,
        preview=True,
        request=request,
        task_public_id=task.public_id,
    )


@worker_required
@require_POST
@rate_limited("accept")
def project_accept(request, public_id):
    # Not _project_or_404: an accept reads the requester only to word a refusal.
    project = _PROJECT.get_or_404(public_id=public_id)
    try:
        assignment = services.assignment_claim_next(worker=request.user, project=project)
    except services.NoTaskAvailable as refusal:
        messages.error(request, refusal.message)
        return redirect("work:marketplace")
    return redirect(fixed_reverse("work:assignment-detail", assignment.public_id))


@worker_required
@require_GET
def assignment_detail(request, public_id):
    assignment = _OWN_ASSIGNMENT_FOR_PAGE.get_or_404(public_id=public_id, worker_id=request.user.pk)
    project = assignment.task.batch.project
    is_open = assignment.state == AssignmentState.ACCEPTED and not assignment.is_overdue()
    frame_url, direct = "", None
    if is_open:
        direct = direct_frame(
            project=project,
            task_input=assignment.task.input,
            assignment=assignment,
            preview=False,
            request=request,
            task_public_id=assignment.task.public_id,
        )
        frame_url = "{}?token={}".format(
            fixed_reverse("work:assignment-frame", assignment.public_id),
            frame_token(assignment.public_id),
        )
        if project.template_kind == TemplateKind.MTURK_QUESTION:
            # An HTMLQuestion's own scripts read MTurk's parameters from the frame's address.
            frame_url += "&" + urlencode(
                mturk_parameters(
                    request=request,
                    task_public_id=assignment.task.public_id,
                    assignment=assignment,
                    preview=False,
                )
            )
    return _render_framing(
        request,
        "work/assignment_detail.html",
        {
            "assignment": assignment,
            "project": project,
            "reward": format_money(project.reward_cents, project.currency),
            "is_open": is_open,
            "frame_url": frame_url,
            "seconds_left": assignment.seconds_left,
            "time_left": format_countdown(assignment.seconds_left),
            # Open until the worker has answered one task of the project.
            "instructions_open": not assignment.answered_in_project,
            "tally": _tally_shown(request.session.get(TALLY_KEY)),
        },
        direct,
    )


# The worker's tally of this session (since they logged in): tasks submitted and earned, kept
# in the session as the work page confirms each submission (assignment_state, a POST), so the
# work page reads it with the session it loads anyway, at no query.
TALLY_KEY = "microwork.work_tally"
_TALLY_REMEMBERS = 50  # assignments already counted, so a second confirmation counts nothing


def _tally_count(request, assignment: Assignment) -> None:
    """Count `assignment`, just confirmed submitted, in the session's tally, once; and say so
    on the next page."""
    tally = request.session.get(TALLY_KEY) or {"tasks": 0, "earned": {}, "counted": []}
    if assignment.public_id in tally["counted"]:
        return
    project = assignment.task.batch.project
    reward = assignment.task.batch.reward_cents
    tally["tasks"] += 1
    tally["earned"][project.currency] = tally["earned"].get(project.currency, 0) + reward
    tally["counted"] = [*tally["counted"], assignment.public_id][-_TALLY_REMEMBERS:]
    request.session[TALLY_KEY] = tally
    messages.success(
        request,
        _("Submitted: %(project)s, %(reward)s")
        % {"project": project.title, "reward": format_money(reward, project.currency)},
    )


def _tally_shown(tally: dict | None) -> str:
    if not tally or not tally.get("tasks"):
        return ""
    earned = ", ".join(
        format_money(cents, currency) for currency, cents in sorted(tally["earned"].items())
    )
    return ngettext(
        "This session: %(count)d task, %(earned)s",
        "This session: %(count)d tasks, %(earned)s",
        tally["tasks"],
    ) % {"count": tally["tasks"], "earned": earned}


@worker_required
@require_POST
def assignment_active_time(request, public_id):
    """Take the work page's running total of seconds it was visible and focused (a beacon)."""
    assignment = _own_assignment_or_404(request, public_id)
    form = ActiveTimeForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    try:
        services.assignment_record_active_time(
            assignment=assignment, worker=request.user, seconds=form.cleaned_data["seconds"]
        )
    except services.WorkRefused:
        # Nobody reads a beacon's answer; the status is for logs and tests.
        return HttpResponse(status=409)
    return HttpResponse(status=204)


@worker_required
@require_http_methods(["GET", "POST"])
def assignment_state(request, public_id):
    """What the server holds of the worker's own assignment. The work page asks this (a POST)
    when the task frame says "submitted", and moves on only if the server has the answer: the
    frame runs the requester's code, whose word alone proves nothing (docs/adr/0004). The POST
    also counts a submitted assignment in the session's tally, once, with a message for the
    next page; a GET only reads."""
    assignment = _own_assignment_or_404(request, public_id)
    state = selectors.assignment_state_due(assignment)
    submitted = state in ANSWERED_STATES
    if submitted and request.method == "POST":
        _tally_count(request, assignment)
    # In training mode the frame now shows the right answer after a mistake on a gold task:
    # the page waits for the worker to read it instead of moving on at once.
    feedback = submitted and bool(gold_feedback_message(assignment))
    return JsonResponse(
        {"state": state.value, "submitted": submitted, "feedback": feedback},
        headers={"Cache-Control": "no-store"},
    )


@require_GET
def assignment_frame(request, public_id):
    """The task itself, inside the work page's sandboxed frame; the token authorises it."""
    if not frame_token_is_valid(public_id, request.GET.get("token", "")):
        raise Http404("No such task frame.")
    assignment = _FRAMED_ASSIGNMENT.get_or_404(public_id=public_id)
    if assignment.state != AssignmentState.ACCEPTED or assignment.is_overdue():
        return frame_message(
            heading=_("This assignment is no longer open"),
            message=_("It is %(state)s.") % {"state": assignment.shown_state.lower()},
            tone="bad",
        )
    return render_frame_document(
        project=assignment.task.batch.project,
        task_input=assignment.task.input,
        assignment=assignment,
        submit_url=fixed_reverse("work:submit"),
        preview=False,
        request=request,
        task_public_id=assignment.task.public_id,
    )


@csrf_exempt
@require_POST
def submit(request):
    """Take an answer posted by the task frame, like MTurk's externalSubmit.

    CSRF-exempt and session-free on purpose: the frame has an opaque origin and no cookies, and
    the per-assignment token (work/frame.py) stands in for both. Anything else is refused with
    nothing stored.
    """
    public_id = request.POST.get("assignmentId", "")
    if not frame_token_is_valid(public_id, request.POST.get("mw_token", "")):
        return frame_refusal(_("This submission is not authorised."), status=403)
    try:
        # Per address only: the frame sends no session, and a worker's submits are bounded by
        # their accepts, which are counted per account.
        rate_limit(request, "submit")
    except RateLimited as limited:
        refusal = frame_refusal(
            _("Too many submissions from this connection: wait a minute, then submit again."),
            status=429,
            retry_url="{}?token={}".format(
                reverse("work:assignment-frame", args=[public_id]), frame_token(public_id)
            ),
        )
        refusal["Retry-After"] = str(limited.retry_after)
        return refusal
    try:
        submitted = services.assignment_submit(
            assignment=public_id,
            fields=dict(request.POST.lists()),
            worker=None,
            files=request.FILES,
        )
    except Assignment.DoesNotExist:
        return frame_refusal(_("This submission is not authorised."), status=403)
    except (services.AssignmentNotOpen, services.DeadlinePassed) as refusal:
        return frame_refusal(refusal.message, status=409)
    except services.WorkRefused as refusal:
        # The answer itself was refused (empty, too long, not one of the labels): the
        # assignment is still open, so the worker can go back and answer again.
        retry_url = "{}?token={}".format(
            reverse("work:assignment-frame", args=[public_id]), frame_token(public_id)
        )
        return frame_refusal(refusal.message, status=400, retry_url=retry_url)
    return frame_message(
        heading=_("Submitted, thank you"),
        # quality/gold.py: training mode; `submitted` is the row just written, with its task.
        message=gold_feedback_message(submitted, is_fresh=True),
        tone="ok",
        result_type="microwork:submitted",
        assignment_id=submitted.public_id,
    )


@worker_required
@require_POST
@rate_limited("return")
def assignment_return(request, public_id):
    assignment = _own_assignment_or_404(request, public_id)
    try:
        services.assignment_return(assignment=assignment, worker=request.user)
    except services.WorkRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Task returned; it is open for other workers again."))
    return redirect("work:marketplace")


@worker_required
@require_GET
def history(request):
    assignments = selectors.worker_history(worker=request.user)
    page = Paginator(assignments, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "assignment": assignment,
            "project": assignment.task.batch.project,
            # As time has decided it: expired past the deadline, approved past the
            # auto-approval time, before the sweep writes it down.
            "state": selectors.assignment_state_due(assignment),
            "reward": format_money(
                assignment.task.batch.reward_cents, assignment.task.batch.project.currency
            ),
            "work_time": format_duration(assignment.work_seconds),
            "active_time": format_duration(assignment.active_seconds),
        }
        for assignment in page
    ]
    return render(request, "work/history.html", {"page": page, "rows": rows})
