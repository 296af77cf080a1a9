"""Fair work pages: the worker's dashboard, appeals (worker, requester, staff), requesters'
public pages and ratings, and a worker's own data (download, deletion).

Every lookup is scoped to its owner: another worker's assignment, block, rule action or appeal,
another requester's appeal, is a 404.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microwork.accounts.decorators import requester_required, worker_required
from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.fairness import export, selectors, services
from microwork.fairness.forms import AccountDeleteForm, AppealAnswerForm, AppealForm, RatingForm
from microwork.fairness.models import Appeal, RequesterRating
from microwork.payments.services import PaymentRefused
from microwork.quality.models import RuleAction, WorkerBlock
from microwork.work.enums import AssignmentState
from microwork.work.models import Assignment


def staff_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _refusal_to_form(form, error) -> None:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, getattr(error, "message", str(error)))


# --- the worker's dashboard ----------------------------------------------------------------


@worker_required
@require_GET
def worker_dashboard(request):
    return render(
        request,
        "fairness/worker_dashboard.html",
        {**selectors.worker_dashboard(worker=request.user), "currency": _currency()},
    )


def _currency() -> str:
    from django.conf import settings

    return settings.MICROWORK_CURRENCY


# --- appeals: the worker -------------------------------------------------------------------


@worker_required
@require_GET
def worker_appeals(request):
    return render(
        request,
        "fairness/worker_appeals.html",
        {"appeals": selectors.worker_appeals(worker=request.user)},
    )


@worker_required
@require_http_methods(["GET", "POST"])
def appeal_rejection(request, public_id):
    assignment = get_object_or_404(
        Assignment.objects.select_related("task__batch__project__requester"),
        public_id=public_id,
        worker=request.user,
        state=AssignmentState.REJECTED,
    )
    if Appeal.objects.filter(assignment=assignment).exists():
        messages.info(request, _("You have appealed this rejection already."))
        return redirect("fairness:worker-appeals")
    return _appeal_page(
        request,
        open_appeal=lambda message: services.appeal_rejection_open(
            worker=request.user, assignment=assignment, message=message
        ),
        subject=_("the rejection of your work on “%(title)s”")
        % {"title": assignment.task.batch.project.title},
        reason=assignment.feedback,
        date=assignment.reviewed_at,
    )


@worker_required
@require_http_methods(["GET", "POST"])
def appeal_block(request, requester_pk):
    block = get_object_or_404(
        WorkerBlock.objects.select_related("requester"),
        requester_id=requester_pk,
        worker=request.user,
    )
    return _appeal_page(
        request,
        open_appeal=lambda message: services.appeal_block_open(
            worker=request.user, block=block, message=message
        ),
        subject=_("the block by %(name)s") % {"name": block.requester.public_name},
        reason=block.reason,
        date=block.created_at,
    )


@worker_required
@require_http_methods(["GET", "POST"])
def appeal_rule_action(request, action_pk):
    action = get_object_or_404(
        RuleAction.objects.select_related("project", "rule"), pk=action_pk, worker=request.user
    )
    if Appeal.objects.filter(rule_action=action).exists():
        messages.info(request, _("You have appealed this action already."))
        return redirect("fairness:worker-appeals")
    if not action.is_live:
        messages.info(request, _("This action has been lifted: there is nothing to appeal."))
        return redirect("quality:worker-standing")
    return _appeal_page(
        request,
        open_appeal=lambda message: services.appeal_rule_action_open(
            worker=request.user, action=action, message=message
        ),
        subject=_("the action of a quality rule of “%(title)s”") % {"title": action.project.title},
        reason=action.reason,
        date=action.created_at,
        rule_action=action,
    )


def _appeal_page(request, *, open_appeal, subject: str, reason: str, date, rule_action=None):
    """The appeal form for a rejection, a block or a rule's action: `open_appeal(message)`
    opens it."""
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            open_appeal(form.cleaned_data["message"])
        except (services.FairnessRefused, ValidationError) as error:
            _refusal_to_form(form, error)
        else:
            messages.success(request, _("Appeal sent. The requester has 7 days to answer."))
            return redirect("fairness:worker-appeals")
    return render(
        request,
        "fairness/appeal_form.html",
        {
            "form": form,
            "subject": subject,
            "reason": reason,
            "date": date,
            "rule_action": rule_action,
            "appealable_until": rule_action and services.rule_action_appealable_until(rule_action),
        },
    )


# --- appeals: the requester and staff ------------------------------------------------------


@requester_required
@require_GET
def requester_appeals(request):
    appeals = list(selectors.requester_appeals(requester=request.user))
    for appeal in appeals:
        appeal.form = AppealAnswerForm(auto_id=f"appeal-{appeal.public_id}-%s")
    return render(request, "fairness/requester_appeals.html", {"appeals": appeals})


@requester_required
@require_POST
def appeal_answer(request, public_id):
    appeal = get_object_or_404(Appeal, public_id=public_id, requester=request.user)
    form = AppealAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose grant or deny; a denial needs a reason."))
        return redirect("fairness:requester-appeals")
    try:
        services.appeal_answer(
            appeal=appeal,
            requester=request.user,
            grant=form.is_grant,
            answer=form.cleaned_data["answer"],
        )
    except (services.FairnessRefused, PaymentRefused) as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(request, _("Answer recorded."))
    return redirect("fairness:requester-appeals")


@staff_required
@require_GET
def staff_appeals(request):
    appeals = list(selectors.appeals_for_staff())
    for appeal in appeals:
        appeal.form = AppealAnswerForm(auto_id=f"appeal-{appeal.public_id}-%s")
    return render(request, "fairness/staff_appeals.html", {"appeals": appeals})


@staff_required
@require_POST
def appeal_arbitrate(request, public_id):
    appeal = get_object_or_404(Appeal, public_id=public_id)
    form = AppealAnswerForm(request.POST, reason_required=True)
    if not form.is_valid():
        messages.error(request, _("Choose grant or deny, and give the reason."))
        return redirect("fairness:staff-appeals")
    try:
        services.appeal_arbitrate(
            appeal=appeal,
            staff=request.user,
            grant=form.is_grant,
            answer=form.cleaned_data["answer"],
        )
    except (services.FairnessRefused, PaymentRefused) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("fairness:staff-appeals")


# --- requesters' pages and ratings ---------------------------------------------------------


def _requester_or_404(pk: int) -> User:
    return get_object_or_404(User, pk=pk, role=Role.REQUESTER, is_active=True)


@login_required
@require_GET
def requester_profile(request, pk):
    requester = _requester_or_404(pk)
    can_rate = request.user.is_worker and services.worker_has_worked_for(
        worker=request.user, requester=requester
    )
    form = None
    if can_rate:
        mine = RequesterRating.objects.filter(worker=request.user, requester=requester).first()
        initial = (
            {name: getattr(mine, name) for name in ("fair", "fast", "pay", "communication")}
            if mine
            else {}
        )
        form = RatingForm(initial=initial)
    return render(
        request,
        "fairness/requester_profile.html",
        {
            "requester": requester,
            "reputation": selectors.requester_reputation(requester),
            "form": form,
            "currency": _currency(),
        },
    )


@worker_required
@require_POST
def requester_rate(request, pk):
    requester = _requester_or_404(pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.requester_rating_set(
                worker=request.user, requester=requester, **form.cleaned_data
            )
        except services.FairnessRefused as error:
            messages.error(request, error.message)
            return redirect("fairness:requester-profile", pk=requester.pk)
        messages.success(request, _("Rating saved."))
    else:
        messages.error(request, _("Give each a score from 1 to 5."))
    return redirect("fairness:requester-profile", pk=requester.pk)


# --- the worker's own data -----------------------------------------------------------------


@worker_required
@require_GET
def my_data(request):
    return render(request, "fairness/my_data.html", {"form": AccountDeleteForm(user=request.user)})


@worker_required
@require_GET
def my_data_download(request):
    response = HttpResponse(export.worker_data_zip(request.user), content_type="application/zip")
    filename = f"microwork-{request.user.worker_id}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@worker_required
@require_POST
def account_delete(request):
    form = AccountDeleteForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "fairness/my_data.html", {"form": form}, status=400)
    services.worker_account_delete(worker=request.user)
    logout(request)
    messages.success(request, _("Your account is deleted. Your personal data has been erased."))
    return redirect("home")
