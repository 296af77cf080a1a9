"""The requester's pages: projects, batch uploads, progress, preview, review and results.

Every lookup is scoped to the requester, so another requester's project or batch is a 404, and
every rule lives in the services these views call.
"""

import re
from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, prefetch_related_objects
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microwork.accounts.decorators import requester_required
from microwork.common.charts import PERCENT, bar_chart
from microwork.common.csp import platform_policy
from microwork.common.csvsafe import csv_lines
from microwork.common.money import format_money, hourly_rate_cents
from microwork.fairness import selectors as fairness_selectors
from microwork.payments import selectors as payment_selectors
from microwork.payments.fees import FeeRule
from microwork.payments.forms import BonusForm
from microwork.payments.services import PaymentRefused
from microwork.projects import preview, services
from microwork.projects.enums import TemplateKind
from microwork.projects.forms import BatchUploadForm, ProjectForm
from microwork.projects.models import Batch, Project, Task
from microwork.projects.tasktypes import ConfigInvalid
from microwork.projects.tasktypes.bounding_boxes import BOXES_FIELD, BoundingBoxes, review_overlay
from microwork.quality import agreement, overlap, stored
from microwork.quality.aggregation import DEFAULT_METHOD
from microwork.web.ratelimits import rate_limited
from microwork.work import coco, dashboard, photo_checks, results, selectors
from microwork.work.enums import ANSWERED_STATES, AssignmentState
from microwork.work.forms import ReviewAction, ReviewForm
from microwork.work.frame import frame_response, render_frame_document
from microwork.work.models import Assignment
from microwork.work.services import (
    ReviewRefused,
    assignments_review,
)

REVIEW_PAGE_SIZE = 50


def _duration(seconds: int | None) -> str:
    """12 -> "12 seconds", 600 -> "10 minutes", 93600 -> "1 day, 2 hours"."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    start = timezone.now()
    return timesince(start, start + timedelta(seconds=seconds), depth=2)


def _money(project: Project, cents: int | None) -> str:
    return "—" if cents is None else format_money(cents, project.currency)


def _own_project(request, pk: int) -> Project:
    return get_object_or_404(Project, pk=pk, requester=request.user)


def _own_batch(request, pk: int) -> Batch:
    return get_object_or_404(
        Batch.objects.select_related("project"), pk=pk, project__requester=request.user
    )


def _project_facts(project: Project) -> list[tuple[str, str]]:
    hourly = hourly_rate_cents(reward_cents=project.reward_cents, seconds=project.estimated_seconds)
    return [
        (_("Reward per assignment"), _money(project, project.reward_cents)),
        (_("Estimated time per task"), _duration(project.estimated_seconds)),
        (_("Estimated hourly rate"), _money(project, hourly)),
        (_("Workers per task"), _workers_per_task(project)),
        (_("Time allotted"), _duration(project.time_allotted_seconds)),
        (_("Batch lifetime"), _duration(project.lifetime_seconds)),
        (_("Auto-approval after"), _duration(project.auto_approval_delay_seconds)),
        (_("Template"), project.get_template_kind_display()),
        (_("HIT type id"), project.public_id),
    ]


def _workers_per_task(project: Project) -> str:
    if project.template_kind == TemplateKind.MTURK_QUESTION:
        # A HIT type's project: each HIT (task) carries its own MaxAssignments.
        span = Task.objects.filter(batch__project=project).aggregate(
            low=Min("max_assignments"), high=Max("max_assignments")
        )
        if span["low"] is None:
            return _("set by each HIT (MaxAssignments)")
        if span["low"] == span["high"]:
            return _("%(count)d, set by each HIT (MaxAssignments)") % {"count": span["low"]}
        return _("%(low)d to %(high)d, set by each HIT (MaxAssignments)") % span
    if not project.overlap_dynamic:
        return str(project.assignments_per_task)
    return _(
        "%(minimum)d to %(maximum)d: a task stops when %(threshold)d%% of its answers agree"
    ) % {
        "minimum": project.assignments_per_task,
        "maximum": project.overlap_max,
        "threshold": project.overlap_threshold_percent,
    }


@requester_required
@require_GET
def project_list(request):
    projects = list(
        Project.objects.filter(requester=request.user)
        .annotate(batch_count=Count("batches"))
        .order_by("-created_at", "-pk")
    )
    for project in projects:
        project.reward_display = _money(project, project.reward_cents)
    by_hour = dashboard.requester_answers_by_hour(requester=request.user)
    chart = bar_chart(
        [row["answers"] for row in by_hour],
        [timezone.localtime(row["hour"]).strftime("%H:00") for row in by_hour],
        label_every=6,
    )
    live_batches = dashboard.requester_live_batches(requester=request.user)
    progress = dashboard.requester_progress_by_day(requester=request.user) if projects else None
    agreement_rows = _batches_agreement(live_batches[:AGREEMENT_BATCHES_SHOWN])
    return render(
        request,
        "projects/project_list.html",
        {
            "projects": projects,
            "money": payment_selectors.requester_money(request.user),
            "live_batches": live_batches,
            "waiting": dashboard.requester_waiting_review(requester=request.user),
            "by_hour": by_hour,
            "answers_today": sum(row["answers"] for row in by_hour),
            "chart": chart,
            "progress": progress,
            "progress_chart": _progress_chart(progress) if progress else None,
            "agreement_rows": agreement_rows,
            "agreement_chart": _agreement_chart(agreement_rows),
        },
    )


# The agreement chart shows the newest few live batches. A large batch's figure is read from
# its stored aggregation; small ones are aggregated in the request, like their quality page,
# up to this many answers in all (bench/review_dashboard.py: about 0.1 s per 1,000 answers
# on a loaded machine); the rest say to open their quality page.
AGREEMENT_BATCHES_SHOWN = 8
AGREEMENT_ANSWERS_IN_REQUEST = 5_000


def _progress_chart(progress: dict) -> dict:
    """Answers received by the live batches in all at the end of each day, against the answers
    they plan (the dashed line)."""
    days = progress["days"]
    highest = max([row["total"] for row in days] + [progress["planned"], 1])
    return bar_chart(
        [row["total"] for row in days],
        [date_format(row["day"], "j M") for row in days],
        step=_round_step(highest),
        reference=progress["planned"] or None,
        label_every=7,
        names=[date_format(row["day"], "SHORT_DATE_FORMAT") for row in days],
    )


def _round_step(highest: int) -> int:
    """A scale step that gives round grid values: 2, 10, 50, 100, 500… near a tenth of the top."""
    step = 2
    while step * 10 < highest:
        step *= 5 if str(step).startswith("2") else 2
    return step


def _batches_agreement(batches: list[Batch]) -> list[dict]:
    """Per batch, numbered for the chart: its agreement with its aggregated labels
    (stored.BatchAgreement)."""
    found = stored.batches_agreement(
        batches=batches, method=DEFAULT_METHOD, budget=AGREEMENT_ANSWERS_IN_REQUEST
    )
    return [
        {"number": number, "batch": batch, "agreement": measured, "rate": measured.rate}
        for number, (batch, measured) in enumerate(zip(batches, found, strict=True), start=1)
    ]


def _agreement_chart(rows: list[dict]) -> dict | None:
    shown = [row for row in rows if row["rate"] is not None and row["rate"].n]
    if not shown:
        return None
    return bar_chart(
        [round(row["rate"].percent) for row in shown],
        [str(row["number"]) for row in shown],
        step=50,
        top=100,
        label_every=1,
        unit=PERCENT,
        names=[f"{row['number']}. {row['batch'].name}" for row in shown],
    )


@requester_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(requester=request.user, **form.project_fields())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Project created. Upload a batch to give it tasks."))
            return redirect("projects:project-detail", pk=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "project": None})


def _project_detail(request, project, *, upload_form=None, upload_error=None, status=200):
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "facts": _project_facts(project),
            "batches": selectors.project_batches_with_progress(project=project),
            "required_columns": services.project_required_columns(project),
            "upload_form": upload_form or BatchUploadForm(),
            "upload_error": upload_error,
            "more_errors": (
                upload_error.error_count - len(upload_error.errors) if upload_error else 0
            ),
            "terms_locked": services.project_terms_locked(project),
        },
        status=status,
    )


@requester_required
@require_GET
def project_detail(request, pk):
    return _project_detail(request, _own_project(request, pk))


@requester_required
@require_GET
def project_sample_csv(request, pk):
    """A CSV with just the header the template needs, to fill in with a spreadsheet."""
    project = _own_project(request, pk)
    response = StreamingHttpResponse(
        csv_lines([services.project_required_columns(project)]),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="project-{project.pk}-sample.csv"'
    return response


@requester_required
@require_http_methods(["GET", "POST"])
def project_edit(request, pk):
    project = _own_project(request, pk)
    form = ProjectForm(request.POST or None, initial=ProjectForm.initial_for(project))
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(project=project, **form.project_fields())
        except services.ProjectTermsLocked:
            form.add_error(
                None,
                _(
                    "Pay, time and template are frozen once a batch of this project has been "
                    "published: workers accepted work under them. Create a new project to "
                    "change them."
                ),
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Project saved."))
            return redirect("projects:project-detail", pk=project.pk)
    return render(
        request,
        "projects/project_form.html",
        {
            "form": form,
            "project": project,
            "terms_locked": services.project_terms_locked(project),
        },
    )


@requester_required
@require_POST
@rate_limited("upload")
def batch_upload(request, pk):
    project = _own_project(request, pk)
    form = BatchUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _project_detail(request, project, upload_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        batch = services.batch_create_from_upload(
            project=project, file=upload, filename=upload.name, name=form.cleaned_data["name"]
        )
    except services.BatchUploadInvalid as invalid:
        return _project_detail(request, project, upload_form=form, upload_error=invalid, status=400)
    messages.success(
        request,
        ngettext(
            "Batch uploaded: %(n)d task. Preview it, then publish.",
            "Batch uploaded: %(n)d tasks. Preview them, then publish.",
            batch.task_count,
        )
        % {"n": batch.task_count},
    )
    return redirect("projects:batch-detail", pk=batch.pk)


@requester_required
@require_GET
def batch_detail(request, pk):
    batch = _own_batch(request, pk)
    progress = selectors.batch_progress(batch)
    project = batch.project
    cost = payment_selectors.batch_cost(batch)
    assignment_counts = [
        (state.value, state.label, progress["assignments"][state.value])
        for state in AssignmentState
    ]
    return render(
        request,
        "projects/batch_detail.html",
        {
            "batch": batch,
            "project": project,
            "progress": progress,
            "assignment_counts": assignment_counts,
            "median": _duration(progress["median_seconds"]),
            "hourly": _money(project, progress["hourly_cents"]),
            "estimated_hourly": _money(
                project,
                hourly_rate_cents(
                    reward_cents=project.reward_cents, seconds=project.estimated_seconds
                ),
            ),
            "actions": services.batch_available_actions(batch),
            "has_coco": coco.is_exportable(batch),
            "cost": {
                "slots": cost["slots"],
                "rewards": _money(project, cost["rewards_cents"]),
                "fees": _money(project, cost["fees_cents"]),
                "total": _money(project, cost["total_cents"]),
            },
            "overlap": _overlap_facts(batch),
            # What the next pay floor check would do (fairness/settlement.py), not done here.
            "pay_floor_due": fairness_selectors.batch_pay_floor_due(batch),
        },
    )


def _overlap_facts(batch: Batch) -> dict | None:
    summary = overlap.batch_overlap_summary(batch)
    if summary is not None:
        summary["money_saved"] = _money(batch.project, summary["money_saved_cents"])
    return summary


def _batch_action(request, pk, action, done_message):
    batch = _own_batch(request, pk)
    try:
        action(batch=batch)
    except services.BatchStateError as error:
        messages.error(request, str(error))
    except PaymentRefused as error:  # publishing moves the batch's cost into escrow
        messages.error(request, error.message)
    else:
        messages.success(request, done_message)
    return redirect("projects:batch-detail", pk=batch.pk)


# These POSTs carry no input but the CSRF token, so they need no form.
@requester_required
@require_POST
def batch_publish(request, pk):
    return _batch_action(
        request, pk, services.batch_publish, _("Batch published: workers can now accept its tasks.")
    )


@requester_required
@require_POST
def batch_pause(request, pk):
    return _batch_action(
        request, pk, services.batch_pause, _("Batch paused: no new assignments are handed out.")
    )


@requester_required
@require_POST
def batch_resume(request, pk):
    return _batch_action(request, pk, services.batch_resume, _("Batch resumed."))


@requester_required
@require_POST
def batch_cancel(request, pk):
    return _batch_action(
        request,
        pk,
        services.batch_cancel,
        _("Batch cancelled. Work already accepted can still be submitted and paid."),
    )


def _first_task(batch: Batch):
    return batch.tasks.order_by("row_number").first()


@requester_required
@require_GET
def batch_preview(request, pk):
    batch = _own_batch(request, pk)
    return render(
        request,
        "projects/batch_preview.html",
        {"batch": batch, "project": batch.project, "task": _first_task(batch)},
    )


@requester_required
@require_GET
def batch_preview_frame(request, pk):
    """The first task as a worker's frame shows it, with submitting disabled."""
    batch = _own_batch(request, pk)
    task = _first_task(batch)
    return render_frame_document(
        project=batch.project,
        task_input=task.input if task else {},
        preview=True,
        request=request,
        task_public_id=task.public_id if task else "",
    )


@requester_required
@require_http_methods(["GET", "POST"])
def batch_review(request, pk):
    batch = _own_batch(request, pk)
    state = request.GET.get("state", "")
    if state not in ANSWERED_STATES:
        state = ""
    worker_id = request.GET.get("worker", "").strip()[:40]
    scoped = Assignment.objects.filter(
        task__batch=batch, task__batch__project__requester=request.user
    )
    form = ReviewForm(_one_row_decision(request.POST) or None, assignments=scoped)
    if request.method == "POST" and form.is_valid():
        action = form.cleaned_data["action"]
        if action == ReviewAction.APPROVE_ALL:
            chosen = list(selectors.batch_submitted(batch))
        else:
            chosen = list(form.cleaned_data["selected"])
        try:
            count = assignments_review(
                assignments=chosen,
                requester=request.user,
                approve=action != ReviewAction.REJECT,
                reason=form.cleaned_data["reason"],
            )
        except (ReviewRefused, PaymentRefused) as error:
            form.add_error(None, error.message)
        else:
            if action == ReviewAction.REJECT:
                text = ngettext("%(n)d submission rejected.", "%(n)d submissions rejected.", count)
            else:
                text = ngettext("%(n)d submission approved.", "%(n)d submissions approved.", count)
            messages.success(request, text % {"n": count})
            url = reverse("projects:batch-review", args=[batch.pk])
            return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)
    # Work past its auto-approval time is shown approved, and offered for no decision; the
    # sweep approves and pays it (a decision posted meanwhile approves it as it was due).
    listed = selectors.batch_submissions(batch=batch, state=state, worker_id=worker_id)
    agreement_filter = request.GET.get("agreement", "")
    agreement_note = ""
    if agreement_filter in AGREEMENT_FILTERS:
        submissions, agreement_note = _submissions_by_agreement(
            request, batch, listed, agrees=AGREEMENT_FILTERS[agreement_filter]
        )
    else:
        agreement_filter = ""
        submissions = Paginator(listed, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    boxes_config = _boxes_config(batch.project)
    for assignment in submissions:
        assignment.picture = _picture_in(assignment.task.input, boxes_config)
        # A boxes answer's boxes, drawn over its picture (the worker drew them on that image).
        assignment.overlay = (
            review_overlay(boxes_config, assignment.answers)
            if boxes_config is not None and assignment.picture
            else None
        )
        assignment.answer_items = [
            (name, results.answer_cell(value, separator="; "))
            for name, value in (assignment.answers or {}).items()
        ]
        # Each row's own request key: a double click on its button sends one bonus.
        assignment.bonus_form = BonusForm(
            form_id=f"bonus-{assignment.public_id}", auto_id=f"bonus-{assignment.public_id}-%s"
        )
    prefetch_related_objects(submissions.object_list, "bonuses")
    if batch.project.template_kind == TemplateKind.FIELD_PHOTO:
        # What the photo checks found, with the reason (work/photo_checks.py).
        prefetch_related_objects(submissions.object_list, "photo_check__duplicate_of")
        for assignment in submissions:
            check = getattr(assignment, "photo_check", None)
            assignment.photo_flags = photo_checks.reasons(check) if check else []
    ticked = {str(value) for value in form["selected"].value() or []} if form.is_bound else set()
    response = render(
        request,
        "projects/batch_review.html",
        {
            "batch": batch,
            "project": batch.project,
            "form": form,
            "submissions": submissions,
            "state": state,
            "states": [(key, key.label) for key in ANSWERED_STATES],
            "ticked": ticked,
            "worker_id": worker_id,
            "agreement": agreement_filter,
            "boxes_field": BOXES_FIELD,
            "agreement_note": agreement_note,
            "waiting": selectors.batch_waiting_count(batch),
            "bonus_fee_note": _bonus_fee_note(batch.project),
        },
    )
    # The requester's own pictures (their rows' https: addresses) are shown beside the answers.
    response["Content-Security-Policy"] = platform_policy(image_sources=("https:",))
    return response


# ?agreement= on the review page: answers that agree, or disagree, with the aggregated label.
AGREEMENT_FILTERS = {"agrees": True, "disagrees": False}


def _submissions_by_agreement(request, batch: Batch, listed, *, agrees: bool):
    """The page of `listed` (batch_submissions, in its order) whose answers agree or disagree
    with the batch's aggregated labels, those its quality page compares answers with, and a
    note when there is nothing to compare with. A large batch whose aggregation was never
    computed lists nothing (the note says where to ask for it): a GET computes nothing."""
    labels = stored.batch_labels(batch=batch, method=DEFAULT_METHOD)
    note = ""
    if labels is None:
        note = _(
            "The aggregated labels of this batch are not computed yet: ask for them on its "
            "quality page, then filter again."
        )
        ids = []
    else:
        ids = agreement.assignment_ids_by_agreement(listed, labels, agrees=agrees)
    if labels == {}:
        note = _(
            "No answer of this batch has an aggregated label to compare with: only answers "
            "chosen from a list have one."
        )
    submissions = Paginator(ids, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = {a.pk: a for a in listed.filter(pk__in=submissions.object_list)}
    submissions.object_list = [shown[pk] for pk in submissions.object_list if pk in shown]
    return submissions, note


# A row's picture: the first input value that is an image's address (an image, transcription or
# boxes task's column, or a custom template's), shown beside the answer on the review page.
_PICTURE = re.compile(
    r"^(https://\S+\.(png|jpe?g|gif|webp|avif|svg)(\?\S*)?|data:image/(png|jpeg|gif|webp);base64,\S+)$",
    re.I,
)


def _boxes_config(project: Project) -> dict | None:
    """A bounding-boxes project's parsed configuration; None for other kinds, or a config that
    no longer parses (the page then shows the answers without drawing them)."""
    if project.template_kind != TemplateKind.BOUNDING_BOXES:
        return None
    try:
        return BoundingBoxes().parse(project.template_config or {})
    except ConfigInvalid:
        return None


def _is_picture(value) -> bool:
    return isinstance(value, str) and len(value) < 200_000 and bool(_PICTURE.match(value.strip()))


def _picture_in(row: dict, boxes_config: dict | None = None) -> str:
    """The row's picture: a boxes task's own image column first (the image its boxes were
    drawn on), else the first value that is an image's address."""
    row = row or {}
    if boxes_config is not None and _is_picture(row.get(boxes_config["image_column"])):
        return row[boxes_config["image_column"]].strip()
    for value in row.values():
        if _is_picture(value):
            return value.strip()
    return ""


def _one_row_decision(data):
    """A row's own Approve or Reject button posts `row` = "approve:<id>" or "reject:<id>": the
    review form then decides that submission alone, whatever else is ticked."""
    decision, _sep, pk = data.get("row", "").partition(":")
    if decision not in (ReviewAction.APPROVE, ReviewAction.REJECT) or not pk.isdigit():
        return data
    data = data.copy()
    data["action"] = decision
    data.setlist("selected", [pk])
    return data


def _bonus_fee_note(project: Project) -> str:
    rule = FeeRule.from_settings()
    return _("A fee of %(percent)s%% (at least %(minimum)s) is added to each bonus.") % {
        "percent": Decimal(rule.rate_bp) / 100,
        "minimum": format_money(rule.minimum_cents, project.currency),
    }


def _download(stream, content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requester_required
@require_GET
def batch_results_csv(request, pk):
    batch = _own_batch(request, pk)
    return _download(
        results.results_csv(batch), "text/csv; charset=utf-8", f"batch-{batch.pk}-results.csv"
    )


@requester_required
@require_GET
def batch_results_jsonl(request, pk):
    batch = _own_batch(request, pk)
    return _download(
        results.results_jsonl(batch), "application/x-ndjson", f"batch-{batch.pk}-results.jsonl"
    )


@requester_required
@require_GET
def batch_results_coco(request, pk):
    """A bounding-boxes batch's boxes as a COCO file; other batches have none (404)."""
    batch = _own_batch(request, pk)
    if not coco.is_exportable(batch):
        raise Http404("Only a bounding-boxes batch has a COCO file.")
    return _download(coco.coco_json(batch), "application/json", f"batch-{batch.pk}-coco.json")


@requester_required
@require_POST
def template_preview(request):
    """Check the template part of the project form and keep it for the preview frame.

    Answers JSON: the frame's address, the template's columns and the sample row, or (400) one
    message naming the bad field. `project` (when editing) must be the requester's own: its
    last batch gives the sample row when none is typed.
    """
    project = None
    if request.POST.get("project"):
        try:
            project = _own_project(request, int(request.POST["project"]))
        except ValueError:
            raise Http404("No such project.") from None
    try:
        draft = preview.draft_from_form(request.POST)
        columns = draft.columns()
        row, source = preview.sample_row(
            request.POST.get("sample_row", ""), columns=columns, project=project
        )
    except preview.PreviewInvalid as error:
        return JsonResponse(
            {"ok": False, "field": error.field, "message": error.message}, status=400
        )
    version = request.session.get(preview.SESSION_KEY, {}).get("version", 0) + 1
    request.session[preview.SESSION_KEY] = {
        "version": version,
        "title": request.POST.get("title", "")[:200],
        "kind": draft.kind,
        "template_html": draft.template_html,
        "config": draft.config,
        "row": row,
    }
    return JsonResponse(
        {
            "ok": True,
            "frame_url": f"{reverse('projects:template-preview-frame')}?v={version}",
            "columns": columns,
            "row": row,
            "row_source": source,
        }
    )


@requester_required
@require_GET
def template_preview_frame(request):
    """The last previewed template as a worker's frame shows it, with submitting disabled."""
    draft = request.session.get(preview.SESSION_KEY)
    if not draft:
        return frame_response(_("Nothing to preview yet."), status=404)
    project = Project(
        title=draft["title"] or _("Preview"),
        template_kind=draft["kind"],
        template_html=draft["template_html"],
        template_config=draft["config"],
    )
    return render_frame_document(
        project=project, task_input=draft["row"], preview=True, request=request
    )
