"""A requester's webhook pages: endpoints (list, create, edit, delete), their secret (shown
once, at creation and at each rotation), a test event, and the delivery log with re-send.
Rules live in webhooks.services; every lookup is scoped to the requester (another's is 404)."""

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from microwork.accounts.decorators import requester_required
from microwork.webhooks import selectors, services
from microwork.webhooks.forms import EndpointForm
from microwork.webhooks.models import MAX_ENDPOINTS_PER_OWNER, Delivery, WebhookEndpoint

PAGE_SIZE = 50


def _endpoint(request, pk: int) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, pk=pk, owner=request.user)


def _secret_page(request, endpoint: WebhookEndpoint, secret: str, *, rotated: bool):
    response = render(
        request,
        "webhooks/secret.html",
        {"endpoint": endpoint, "secret": secret, "rotated": rotated},
    )
    response["Cache-Control"] = "no-store"  # the page holds a secret
    return response


@require_GET
@requester_required
def endpoint_list(request):
    return render(
        request,
        "webhooks/endpoint_list.html",
        {
            "endpoints": selectors.endpoints_of(request.user),
            "max_endpoints": MAX_ENDPOINTS_PER_OWNER,
        },
    )


@requester_required
@require_http_methods(["GET", "POST"])
def endpoint_create(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                owner=request.user,
                url=form.cleaned_data["url"],
                event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"],
            )
        except services.WebhookRefused as refused:
            form.add_error(None, refused.message)
        else:
            return _secret_page(request, endpoint, secret, rotated=False)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None})


@require_GET
@requester_required
def endpoint_detail(request, pk: int):
    endpoint = _endpoint(request, pk)
    page = Paginator(selectors.deliveries_of(endpoint), PAGE_SIZE).get_page(request.GET.get("page"))
    until = endpoint.previous_secret_until
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "page": page,
            # The previous secret still signs until then (after a rotation).
            "overlap_until": until if until is not None and until > timezone.now() else None,
        },
    )


@requester_required
@require_http_methods(["GET", "POST"])
def endpoint_edit(request, pk: int):
    endpoint = _endpoint(request, pk)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "is_active": endpoint.is_active,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, **form.cleaned_data)
        except services.WebhookRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Endpoint saved."))
            return redirect("webhooks:endpoint-detail", pk=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint})


@requester_required
@require_POST
def endpoint_delete(request, pk: int):
    endpoint = _endpoint(request, pk)
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, _("Endpoint %(url)s deleted.") % {"url": endpoint.url})
    return redirect("webhooks:endpoint-list")


@requester_required
@require_POST
def endpoint_rotate(request, pk: int):
    endpoint, secret = services.endpoint_secret_rotate(endpoint=_endpoint(request, pk))
    return _secret_page(request, endpoint, secret, rotated=True)


@requester_required
@require_POST
def endpoint_test(request, pk: int):
    endpoint = _endpoint(request, pk)
    delivery = services.endpoint_send_test(endpoint=endpoint)
    messages.success(
        request,
        _("Test event %(id)s queued: its delivery shows below.") % {"id": delivery.message_id},
    )
    return redirect("webhooks:endpoint-detail", pk=endpoint.pk)


@require_GET
@requester_required
def delivery_detail(request, pk: int, delivery_pk: int):
    endpoint = _endpoint(request, pk)
    delivery = get_object_or_404(Delivery, pk=delivery_pk, endpoint=endpoint)
    return render(
        request,
        "webhooks/delivery_detail.html",
        {
            "endpoint": endpoint,
            "delivery": delivery,
            # Indented for reading; the body sent is the same JSON, compact (payload_bytes).
            "body": json.dumps(delivery.payload, indent=2, sort_keys=True, ensure_ascii=False),
        },
    )


@requester_required
@require_POST
def delivery_resend(request, pk: int, delivery_pk: int):
    endpoint = _endpoint(request, pk)
    delivery = get_object_or_404(Delivery, pk=delivery_pk, endpoint=endpoint)
    try:
        again = services.delivery_resend(delivery=delivery)
    except services.WebhookRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Message %(id)s queued again.") % {"id": again.message_id})
    return redirect("webhooks:endpoint-detail", pk=endpoint.pk)
