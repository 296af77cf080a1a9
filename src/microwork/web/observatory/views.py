"""The observatory's pages: public statistics read from stored snapshots (a GET never
computes nor writes), the method, and the worker's own survey page."""

import io
import zipfile

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microwork.accounts.decorators import worker_required
from microwork.observatory import charts, consent, selectors, services
from microwork.observatory.forms import SurveyForm
from microwork.observatory.models import SnapshotFile, SurveyResponse

MEDIA_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
}
# Zip entries carry this date, so the same files make the same zip bytes.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)


@require_GET
def index(request, month: str | None = None):
    snapshot = selectors.snapshot_for(month)
    if month is not None and snapshot is None:
        raise Http404
    months = selectors.snapshot_months()
    context = {"snapshot": snapshot, "months": months, "version": selectors.snapshots_version()}
    if snapshot is not None:
        # Drawn only when the page's cached fragment (keyed by every snapshot's computation time
        # and the language) is missing: the template calls it.
        context["figures"] = lambda: charts.page_figures(
            snapshot.figures, selectors.monthly_series()
        )
    return render(request, "observatory/index.html", context)


@require_GET
def method(request):
    return render(request, "observatory/method.html", selectors.method_context())


def _file(month: str, name: str) -> SnapshotFile:
    snapshot = selectors.snapshot_for(month)
    if snapshot is None:
        raise Http404
    return get_object_or_404(SnapshotFile, snapshot=snapshot, name=name)


@require_GET
def file_download(request, month: str, name: str):
    found = _file(month, name)
    suffix = name[name.rfind(".") :]
    response = HttpResponse(
        bytes(found.content), content_type=MEDIA_TYPES.get(suffix, "text/plain")
    )
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may fetch it
    return response


@require_GET
def package_download(request, month: str):
    snapshot = selectors.snapshot_for(month)
    if snapshot is None:
        raise Http404
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for found in snapshot.files.order_by("name"):
            info = zipfile.ZipInfo(f"microwork-observatory-{month}/{found.name}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, bytes(found.content))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="microwork-observatory-{month}.zip"'
    return response


@worker_required
@require_http_methods(["GET", "POST"])
def survey(request):
    response = SurveyResponse.objects.filter(worker=request.user).first()
    if request.method == "POST":
        form = SurveyForm(request.POST, instance=response)
        if form.is_valid():
            try:
                services.survey_answer(
                    worker=request.user,
                    answers=form.answers(),
                    consent_version=form.cleaned_data["consent_version"],
                )
            except services.SurveyRefused as refused:
                form.add_error(None, refused)
            else:
                messages.success(request, _("Thank you: your answers are saved."))
                return redirect("observatory:survey")
    else:
        form = SurveyForm(instance=response)
    return render(
        request,
        "observatory/survey.html",
        {
            "form": form,
            "response": response,
            "consent_text": consent.TEXTS[consent.CURRENT_VERSION] % {"k": selectors.k()},
            "consent_version": consent.CURRENT_VERSION,
            "reward": selectors.survey_reward(request.user),
        },
        status=400 if form.errors else 200,
    )


@worker_required
@require_POST
def survey_withdraw(request):
    if services.survey_withdraw(worker=request.user):
        messages.success(
            request, _("Your answers are erased; no statistic computed from now on includes them.")
        )
    return redirect("observatory:survey")
