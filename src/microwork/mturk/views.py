"""The MTurk pages: externalSubmit for HIT pages, and the requester's API key settings."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from microwork.accounts.decorators import requester_required
from microwork.common.ratelimits import RateLimited, rate_limit
from microwork.mturk import services
from microwork.mturk.forms import AccessKeyCreateForm
from microwork.mturk.models import RequesterAccessKey
from microwork.work import services as work
from microwork.work.frame import (
    PREVIEW_ASSIGNMENT_ID,
    external_reply,
    frame_message,
    frame_refusal,
    frame_token_is_valid,
)
from microwork.work.models import Assignment

# Fields that say who and what, not the answer (MTurk ignores hitId; assignmentId is the key).
NOT_ANSWERS = ("assignmentId", "hitId", "mw_token", "csrfmiddlewaretoken")


@csrf_exempt
@require_http_methods(["GET", "POST"])
@external_reply  # loads in the frame of the page that posted: the work page's, or nested
def external_submit(request, token: str = ""):  # nosec B107  # an optional part of the address, not a password
    """MTurk's externalSubmit: a HIT's page posts its answer with `assignmentId`.

    Authorised like work:submit by the assignment's frame token, in the path of turkSubmitTo
    (a page that posts to turkSubmitTo + "/mturk/externalSubmit") or as the `mw_token` field.
    CSRF-exempt: the page runs in a sandboxed or foreign frame with no cookies.
    """
    data = request.POST if request.method == "POST" else request.GET
    public_id = data.get("assignmentId", "")
    token = token or data.get("mw_token", "")
    if public_id == PREVIEW_ASSIGNMENT_ID:
        return frame_refusal(
            _("You must accept the task before you can submit the results."), status=403
        )
    if not frame_token_is_valid(public_id, token):
        return frame_refusal(_("This submission is not authorised."), status=403)
    try:
        rate_limit(request, "submit")  # per address, as work:submit (web/work/views.py)
    except RateLimited as limited:
        refusal = frame_refusal(
            _("Too many submissions from this connection: wait a minute, then submit again."),
            status=429,
        )
        refusal["Retry-After"] = str(limited.retry_after)
        return refusal
    fields = {name: values for name, values in data.lists() if name not in NOT_ANSWERS}
    try:
        work.assignment_submit(assignment=public_id, fields=fields, worker=None)
    except Assignment.DoesNotExist:
        return frame_refusal(_("This submission is not authorised."), status=403)
    except work.WorkRefused as refusal:
        return frame_refusal(refusal.message, status=409)
    return frame_message(
        heading=_("Submitted, thank you"),
        tone="ok",
        result_type="microwork:submitted",
        assignment_id=public_id,
    )


def submit_root(request, token: str):
    raise Http404("Post answers to this address followed by /mturk/externalSubmit.")


@requester_required
@require_http_methods(["GET", "POST"])
def key_list(request):
    """The requester's MTurk API keys; POST creates one and shows its secret this once."""
    created = None
    form = AccessKeyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key, secret = services.access_key_create(
            requester=request.user, label=form.cleaned_data["label"]
        )
        created = {"access_key_id": key.access_key_id, "secret": secret}
        form = AccessKeyCreateForm()
    keys = RequesterAccessKey.objects.filter(requester=request.user)
    response = render(
        request,
        "mturk/keys.html",
        {
            "keys": keys,
            "form": form,
            "created": created,
            "endpoint_url": request.build_absolute_uri("/mturk/"),
        },
    )
    response["Cache-Control"] = "no-store"  # the page may hold a secret
    return response


@requester_required
@require_POST
def key_revoke(request, access_key_id: str):
    key = get_object_or_404(RequesterAccessKey, access_key_id=access_key_id, requester=request.user)
    services.access_key_revoke(key=key)
    messages.success(request, _("Key %(key)s revoked.") % {"key": key.access_key_id})
    return redirect("mturk:key-list")
