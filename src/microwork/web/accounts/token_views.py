"""The settings page of personal API tokens (docs/api.md): make one (its secret is shown this
once), see when each was last used, revoke one. Workers and requesters alike."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from microwork.accounts import tokens
from microwork.accounts.forms import ApiTokenCreateForm
from microwork.accounts.models import ApiToken


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    """The user's tokens; a POST makes one and shows its secret on this answer only."""
    created = None
    form = ApiTokenCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = tokens.api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)  # a dict names the form's fields
        else:
            created = {"token": token, "secret": secret}
            form = ApiTokenCreateForm()
    response = render(
        request,
        "accounts/api_tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=request.user),
            "form": form,
            "created": created,
            "api_url": request.build_absolute_uri("/api/v1/"),
        },
        status=422 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"  # the page may hold a secret
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.api_token_revoke(token=token, user=request.user)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:api-tokens")
