"""Pages of qualifications and blocks: requesters manage their qualification types, grants,
project requirements and blocks; workers see their own qualifications and every block against
them, with its reason and date.

Every lookup is scoped to the requester (another requester's type or project is a 404), and
every rule lives in quality.services.
"""

import re
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microwork.accounts.decorators import requester_required, worker_required
from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.payments import services as payments
from microwork.projects.models import Batch, Project, Task
from microwork.quality import (
    agreement,
    doubtful,
    exports,
    gold,
    overlap,
    rules,
    selectors,
    services,
    stored,
)
from microwork.quality.aggregation import DEFAULT_METHOD, METHODS
from microwork.quality.enums import QualificationStatus
from microwork.quality.forms import (
    BlockForm,
    ConfirmForm,
    GoldSettingsForm,
    GrantForm,
    QualificationTypeForm,
    RequirementFormSet,
    RevokeForm,
    RuleForm,
    add_service_error,
)
from microwork.quality.models import (
    GoldSettings,
    QualificationType,
    Rule,
    RuleAction,
    WorkerBlock,
    WorkerQualification,
)

REQUIREMENT_ERROR_KEY = re.compile(r"^requirements\[(\d+)\]\.(\w+)$")
WORKER_ASSIGNMENTS_SHOWN = 200
WORKERS_PER_PAGE = 50
DOUBTFUL_SHOWN = 50


def _own_type(request, public_id: str) -> QualificationType:
    return get_object_or_404(
        QualificationType, public_id=public_id, owner=request.user, deleted_at__isnull=True
    )


def _worker_or_404(worker_id: str) -> User:
    return get_object_or_404(User, worker_id=worker_id, role=Role.WORKER)


# --- qualification types -------------------------------------------------------------------


@requester_required
@require_GET
def type_list(request):
    types = (
        QualificationType.objects.filter(owner=request.user, deleted_at__isnull=True)
        .annotate(holders=Count("grants", filter=Q(grants__status=QualificationStatus.GRANTED)))
        .order_by("name", "pk")
    )
    blocks = WorkerBlock.objects.filter(requester=request.user).select_related("worker")
    return render(request, "quality/type_list.html", {"types": types, "blocks": blocks})


@requester_required
@require_http_methods(["GET", "POST"])
def type_create(request):
    form = QualificationTypeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            qualification_type = services.qualification_type_create(
                owner=request.user, **form.cleaned_data
            )
        except services.QualificationTypeNameTaken:
            form.add_error("name", _("You already have a qualification type with this name."))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Qualification type created."))
            return redirect("quality:type-detail", public_id=qualification_type.public_id)
    return render(request, "quality/type_form.html", {"form": form, "qualification_type": None})


@requester_required
@require_http_methods(["GET", "POST"])
def type_edit(request, public_id):
    qualification_type = _own_type(request, public_id)
    form = QualificationTypeForm(
        request.POST or None,
        initial=QualificationTypeForm.initial_for(qualification_type),
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.qualification_type_update(
                qualification_type=qualification_type, **form.update_fields()
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Qualification type saved."))
            return redirect("quality:type-detail", public_id=qualification_type.public_id)
    return render(
        request,
        "quality/type_form.html",
        {"form": form, "qualification_type": qualification_type},
    )


def _type_detail(request, qualification_type, *, grant_form=None, status=200):
    grants = (
        WorkerQualification.objects.filter(qualification_type=qualification_type)
        .select_related("worker")
        .order_by("status", "-granted_at", "-pk")
    )
    rows = [
        {"grant": grant, "revoke_form": RevokeForm(initial={"worker_id": grant.worker.worker_id})}
        for grant in grants
    ]
    return render(
        request,
        "quality/type_detail.html",
        {
            "qualification_type": qualification_type,
            "rows": rows,
            "grant_form": grant_form or GrantForm(),
            "delete_form": ConfirmForm(),
        },
        status=status,
    )


@requester_required
@require_GET
def type_detail(request, public_id):
    return _type_detail(request, _own_type(request, public_id))


@requester_required
@require_POST
def type_grant(request, public_id):
    qualification_type = _own_type(request, public_id)
    form = GrantForm(request.POST)
    if form.is_valid():
        try:
            services.qualification_grant(
                qualification_type=qualification_type,
                worker=form.cleaned_data["worker_id"],
                requester=request.user,
                integer_value=form.cleaned_data["integer_value"],
            )
        except services.QualityRefused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Qualification granted."))
            return redirect("quality:type-detail", public_id=public_id)
    return _type_detail(request, qualification_type, grant_form=form, status=400)


@requester_required
@require_POST
def type_revoke(request, public_id):
    qualification_type = _own_type(request, public_id)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was revoked: the worker id or reason is not valid."))
        return redirect("quality:type-detail", public_id=public_id)
    try:
        services.qualification_revoke(
            qualification_type=qualification_type,
            worker=form.cleaned_data["worker_id"],
            requester=request.user,
            reason=form.cleaned_data["reason"],
        )
    except services.QualityRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Qualification revoked."))
    return redirect("quality:type-detail", public_id=public_id)


@requester_required
@require_POST
def type_delete(request, public_id):
    qualification_type = _own_type(request, public_id)
    if ConfirmForm(request.POST).is_valid():
        services.qualification_type_delete(qualification_type=qualification_type)
        messages.success(
            request, _("Qualification type deleted. Workers who hold it keep their value.")
        )
    return redirect("quality:type-list")


# --- one worker, as a requester sees them ----------------------------------------------------


def _worker_detail(request, worker, *, block_form=None, status=200):
    assignments = selectors.requester_worker_assignments(requester=request.user, worker=worker)
    return render(
        request,
        "quality/worker_detail.html",
        {
            "worker": worker,
            "assignments": assignments[:WORKER_ASSIGNMENTS_SHOWN],
            "assignment_count": assignments.count(),
            "grants": WorkerQualification.objects.filter(
                worker=worker, qualification_type__owner=request.user
            )
            .select_related("qualification_type")
            .order_by("qualification_type__name"),
            # Not "block": inside {% block %} that name is the template block itself.
            "worker_block": selectors.worker_block(worker=worker, requester=request.user),
            "block_form": block_form or BlockForm(),
            "unblock_form": ConfirmForm(),
        },
        status=status,
    )


@requester_required
@require_GET
def requester_worker_detail(request, worker_id):
    return _worker_detail(request, _worker_or_404(worker_id))


@requester_required
@require_POST
def worker_block(request, worker_id):
    worker = _worker_or_404(worker_id)
    form = BlockForm(request.POST)
    if form.is_valid():
        try:
            services.worker_block_create(
                requester=request.user, worker=worker, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Worker blocked from all your projects."))
            return redirect("quality:requester-worker-detail", worker_id=worker.worker_id)
    return _worker_detail(request, worker, block_form=form, status=400)


@requester_required
@require_POST
def worker_unblock(request, worker_id):
    worker = _worker_or_404(worker_id)
    if ConfirmForm(request.POST).is_valid() and services.worker_block_delete(
        requester=request.user, worker=worker
    ):
        messages.success(request, _("Block lifted."))
    return redirect("quality:requester-worker-detail", worker_id=worker.worker_id)


# --- project requirements ------------------------------------------------------------------


@requester_required
@require_http_methods(["GET", "POST"])
def project_requirements(request, pk):
    project = get_object_or_404(Project, pk=pk, requester=request.user)
    types = list(
        QualificationType.objects.filter(owner=request.user, deleted_at__isnull=True).order_by(
            "name", "pk"
        )
    )
    existing = list(project.requirements.select_related("qualification_type"))
    form_kwargs = {"qualification_types": types}
    if request.method == "POST":
        formset = RequirementFormSet(request.POST, form_kwargs=form_kwargs)
        if formset.is_valid():
            filled = [(index, form) for index, form in enumerate(formset) if not form.is_blank]
            try:
                services.project_requirements_set(
                    project=project, requirements=[form.requirement() for _i, form in filled]
                )
            except ValidationError as error:
                _show_requirement_errors(formset, filled, error)
            else:
                messages.success(request, _("Requirements saved."))
                return redirect("projects:project-detail", pk=project.pk)
    else:
        formset = RequirementFormSet(
            initial=[RequirementFormSet.form.initial_for(r) for r in existing],
            form_kwargs=form_kwargs,
        )
    return render(
        request,
        "quality/project_requirements.html",
        {"project": project, "formset": formset},
        status=400 if request.method == "POST" else 200,
    )


def _show_requirement_errors(formset, filled, error: ValidationError) -> None:
    for key, problems in error.message_dict.items():
        match = REQUIREMENT_ERROR_KEY.match(key)
        if match is None:
            formset._non_form_errors = formset.error_class(problems)
            continue
        _index, form = filled[int(match.group(1))]
        field = match.group(2)
        field = (
            field
            if field in form.fields
            else ("values" if field.endswith("_values") else "qualification")
        )
        form.add_error(field, problems)


# --- the worker's own standing -------------------------------------------------------------


@worker_required
@require_GET
def worker_standing(request):
    return render(
        request, "quality/worker_standing.html", selectors.worker_standing(worker=request.user)
    )


# --- a batch's aggregated data set and agreement report ------------------------------------

EXPORT_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}
EXPORT_WRITERS = {
    "csv": exports.export_csv,
    "jsonl": exports.export_jsonl,
    "parquet": exports.export_parquet,
}


def _own_batch(request, pk) -> Batch:
    return get_object_or_404(
        Batch.objects.select_related("project"), pk=pk, project__requester=request.user
    )


def _chosen_method(request) -> str | None:
    method = request.GET.get("method") or DEFAULT_METHOD
    return method if method in METHODS else None


def _earlier_result_id(request) -> int | None:
    """The stored aggregation ?result= names (stored.batch_dataset_source checks it is one of
    the batch's)."""
    wanted = request.GET.get("result", "")
    return int(wanted) if wanted.isdigit() else None


@requester_required
@require_GET
def batch_export(request, pk, file_format):
    """The batch's aggregated data set as a download; ?method= picks the categorical method.

    A large batch's comes from its stored aggregation (quality/stored.py): until that is
    computed the answer is a page saying where it stands (202), with the button that asks for
    it and the last result, if any; ?result=<id> downloads that one. A GET writes nothing."""
    batch = _own_batch(request, pk)
    if file_format not in EXPORT_WRITERS:
        raise Http404
    method = _chosen_method(request)
    if method is None:
        return HttpResponse(
            _("Unknown method; choose one of: %(methods)s.") % {"methods": ", ".join(METHODS)},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if file_format == "parquet" and not exports.parquet_available():
        return HttpResponse(
            _("Parquet files need pyarrow on the server (the parquet extra); use CSV or JSONL."),
            status=501,
            content_type="text/plain; charset=utf-8",
        )
    source = stored.batch_dataset_source(
        batch=batch, method=method, result_id=_earlier_result_id(request)
    )
    if source.pending is not None:
        return render(
            request,
            "quality/batch_aggregation_pending.html",
            {
                "batch": batch,
                "project": batch.project,
                "method": method,
                "file_format": file_format,
                "status": source.pending,
            },
            status=202,
        )
    try:
        stream = EXPORT_WRITERS[file_format](batch, method=method, aggregated=source.aggregated)
    except exports.ParquetUnavailable:
        return HttpResponse(
            _("Parquet files need pyarrow on the server (the parquet extra); use CSV or JSONL."),
            status=501,
            content_type="text/plain; charset=utf-8",
        )
    response = StreamingHttpResponse(stream, content_type=EXPORT_CONTENT_TYPES[file_format])
    suffix = "" if method == DEFAULT_METHOD else f"-{method}"
    response["Content-Disposition"] = (
        f'attachment; filename="batch-{batch.pk}-aggregated{suffix}.{file_format}"'
    )
    return response


@requester_required
@require_GET
def batch_quality(request, pk):
    """Agreement (Krippendorff's alpha), confusion against gold and per-worker figures.

    A large batch's come from its stored aggregation; until that is computed the page says
    where it stands, with the button that asks for it, and shows the last result, dated, if
    there is one. A GET writes nothing."""
    batch = _own_batch(request, pk)
    method = _chosen_method(request) or DEFAULT_METHOD
    status = stored.batch_aggregation_status(batch=batch, method=method)
    shown = None
    found = None
    if status.is_synchronous:
        report = agreement.batch_report(batch, method=method)
        found = doubtful.batch_doubtful_tasks(batch)
    else:
        shown = status.current if status.is_fresh else status.latest
        report = stored.stored_report(shown) if shown is not None else None
    return render(
        request,
        "quality/batch_quality.html",
        {
            "doubtful": found,
            "doubtful_shown": found.tasks[:DOUBTFUL_SHOWN] if found else [],
            "doubtful_below_percent": round(found.below * 100) if found else None,
            "confirm_form": ConfirmForm(),
            "batch": batch,
            "project": batch.project,
            "method": method,
            "methods": METHODS,
            "report": report,
            "status": status,
            "shown": shown,
            "parquet_available": exports.parquet_available(),
        },
    )


@requester_required
@require_POST
def batch_doubtful_more(request, pk):
    """One more answer on each task of the batch doubtful now (quality/doubtful.py), its
    escrow reserved from the requester's funds; all or nothing."""
    batch = _own_batch(request, pk)
    if not ConfirmForm(request.POST).is_valid():
        return redirect("quality:batch-quality", pk=batch.pk)
    try:
        extended = doubtful.doubtful_ask_more(batch=batch)
    except payments.InsufficientFunds:
        messages.error(request, _("Not enough funds for these answers: nothing was asked."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "One more answer asked on %(n)d task.",
                "One more answer asked on each of %(n)d tasks.",
                extended,
            )
            % {"n": extended},
        )
    return redirect(f"{reverse('quality:batch-quality', kwargs={'pk': batch.pk})}#doubtful")


class AggregationRequestForm(forms.Form):
    """The button of a large batch's aggregation notice: the method, and the page to go back
    to. `next` must be one of the pages that show the notice for this batch: the batch's
    quality page or one of its downloads, or its project's workers page; anything else (another
    batch's page, another site) is refused, so the form cannot redirect elsewhere."""

    method = forms.ChoiceField(choices=[(name, name) for name in METHODS])
    next = forms.CharField(max_length=2000, required=False)

    def __init__(self, *args, batch: Batch, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch

    def clean_next(self) -> str:
        wanted = urlsplit(self.cleaned_data["next"])
        if not wanted.path:
            return ""
        if wanted.scheme or wanted.netloc or wanted.path not in self._pages():
            raise ValidationError(_("Not a page of this batch."), code="invalid")
        return wanted.path

    def back_to(self) -> str:
        """The page to redirect to, with the method asked for (and the workers page's page)."""
        path = self.cleaned_data["next"] or self._pages()[0]
        query = {"method": self.cleaned_data["method"]}
        page = QueryDict(urlsplit(self.data.get("next", "")).query).get("page", "")
        if path == self._pages()[-1] and page.isdigit():
            query["page"] = page
        return f"{path}?{urlencode(query)}"

    def _pages(self) -> list[str]:
        batch = self.batch
        return [
            reverse("quality:batch-quality", kwargs={"pk": batch.pk}),
            *(
                reverse("quality:batch-export", kwargs={"pk": batch.pk, "file_format": name})
                for name in EXPORT_WRITERS
            ),
            reverse("quality:project-workers", kwargs={"pk": batch.project_id}),
        ]


@requester_required
@require_POST
def batch_aggregation_request(request, pk):
    """Queue a large batch's aggregation by the method asked for, or queue its failed one again
    (stored.batch_aggregation_request): the button of the notice its pages show; then back to
    the page it came from. Nothing is queued twice: a computation already queued or running,
    or a fresh result, is left as it is."""
    batch = _own_batch(request, pk)
    form = AggregationRequestForm(request.POST, batch=batch)
    if not form.is_valid():
        messages.error(request, _("Nothing was queued: the method or the page is not valid."))
        return redirect("quality:batch-quality", pk=batch.pk)
    status = stored.batch_aggregation_request(batch=batch, method=form.cleaned_data["method"])
    if status.in_progress is not None:
        messages.success(
            request, _("The aggregation is being computed; the page shows it once it is ready.")
        )
    return redirect(form.back_to())


# --- a project's gold questions, rules and workers -----------------------------------------


def _own_project(request, pk) -> Project:
    return get_object_or_404(Project, pk=pk, requester=request.user)


def _gold_initial(project: Project) -> dict:
    settings = GoldSettings.objects.filter(project=project).first()
    if settings is None:
        return {"mixing_rate_percent": 0, "shows_feedback": False}
    return {
        "mixing_rate_percent": settings.mixing_rate_percent,
        "workers_per_gold_task": settings.workers_per_gold_task,
        "shows_feedback": settings.shows_feedback,
    }


class ConfidenceTargetForm(forms.Form):
    target_percent = forms.IntegerField(
        label=gettext_lazy("Confidence target (%)"),
        min_value=51,
        max_value=99,
        required=False,
        help_text=gettext_lazy(
            "For example 95: a task stops once its answer is right with a probability of at "
            "least 0.95."
        ),
    )


def _project_quality(
    request, project, *, gold_form=None, rule_form=None, target_form=None, status=200
):
    return render(
        request,
        "quality/project_quality.html",
        {
            "project": project,
            "target_form": target_form
            or ConfidenceTargetForm(initial={"target_percent": overlap.confidence_target(project)}),
            "gold_form": gold_form or GoldSettingsForm(initial=_gold_initial(project)),
            "rule_form": rule_form or RuleForm(),
            "confirm_form": ConfirmForm(),
            "gold_tasks": Task.objects.filter(batch__project=project, gold__isnull=False).count(),
            **selectors.project_rules(project=project),
        },
        status=status,
    )


@requester_required
@require_GET
def project_quality(request, pk):
    """Gold mixing and training mode, the project's rules and every action they took."""
    return _project_quality(request, _own_project(request, pk))


@requester_required
@require_POST
def project_gold(request, pk):
    project = _own_project(request, pk)
    form = GoldSettingsForm(request.POST)
    if form.is_valid():
        try:
            gold.gold_settings_save(project=project, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Gold settings saved."))
            return redirect("quality:project-quality", pk=project.pk)
    return _project_quality(request, project, gold_form=form, status=400)


@requester_required
@require_POST
def project_confidence_target(request, pk):
    """Set or clear the project's calibrated stop for dynamic overlap (overlap.py)."""
    project = _own_project(request, pk)
    form = ConfidenceTargetForm(request.POST)
    if form.is_valid():
        try:
            overlap.confidence_target_set(
                project=project, target_percent=form.cleaned_data["target_percent"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Confidence target saved."))
            return redirect("quality:project-quality", pk=project.pk)
    return _project_quality(request, project, target_form=form, status=400)


@requester_required
@require_POST
def rule_create(request, pk):
    project = _own_project(request, pk)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            services.rule_create(project=project, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Rule added. It acts on answers from now on."))
            return redirect("quality:project-quality", pk=project.pk)
    return _project_quality(request, project, rule_form=form, status=400)


@requester_required
@require_POST
def rule_disable(request, pk, rule_pk):
    project = _own_project(request, pk)
    rule = get_object_or_404(Rule, pk=rule_pk, project=project)
    if ConfirmForm(request.POST).is_valid():
        rules.rule_deactivate(rule=rule)
        messages.success(request, _("Rule disabled. The actions it took stay until you lift them."))
    return redirect("quality:project-quality", pk=project.pk)


@requester_required
@require_POST
def rule_action_lift(request, pk, action_pk):
    project = _own_project(request, pk)
    action = get_object_or_404(RuleAction, pk=action_pk, project=project)
    if ConfirmForm(request.POST).is_valid():
        rules.rule_action_lift(action=action)
        messages.success(request, _("Action lifted. The worker sees when it ended."))
    return redirect("quality:project-quality", pk=project.pk)


@requester_required
@require_GET
def project_workers(request, pk):
    """Per worker of the project, a page of WORKERS_PER_PAGE (most answers first): gold
    accuracy, agreement, speed and rejection rate, each with its number of observations,
    their weight and the rule actions on them. A page number past the end shows the last."""
    project = _own_project(request, pk)
    method = _chosen_method(request) or DEFAULT_METHOD
    # Every worker's row is read in one scan of the answers (a few bytes a worker), rather than
    # a count and a page's slice, each a scan of their own.
    rows = list(selectors.project_worker_rows(project=project))
    page = Paginator(rows, WORKERS_PER_PAGE).get_page(request.GET.get("page"))
    workers = [row["worker__worker_id"] for row in page]
    # Large batches' labels come stored (quality/stored.py), those of the tasks the page's
    # workers answered only; the others are aggregated here.
    precomputed, pending = stored.project_stored_labels(
        project=project,
        method=method,
        tasks=selectors.project_worker_tasks(project=project, workers=workers),
    )
    return render(
        request,
        "quality/project_workers.html",
        {
            "project": project,
            "method": method,
            "methods": METHODS,
            "pending": pending,
            "refreshes": any(item.status.in_progress for item in pending),
            "page": page,
            **selectors.project_worker_figures(
                project=project,
                method=method,
                precomputed=precomputed,
                workers=workers,
            ),
        },
    )
