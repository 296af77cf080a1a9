"""Addresses a browser or a robot asks for on its own: /.well-known/security.txt (RFC 9116),
how to report a flaw, and /favicon.ico."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET

# RFC 9116 asks for an Expires under a year away; a moving date, to the day, never goes stale.
SECURITY_TXT_LIFETIME = timedelta(days=180)


@require_GET
def security_txt(request):
    host = request.get_host().rsplit(":", 1)[0]
    contact = settings.MICROWORK_SECURITY_CONTACT or f"mailto:security@{host}"
    expires = (timezone.now() + SECURITY_TXT_LIFETIME).date()
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.isoformat()}T00:00:00Z",
        "Preferred-Languages: en, fr",
        f"Canonical: {request.build_absolute_uri()}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
def favicon(request):
    """The site's icon, which pages link as SVG (base.html). Worked out per request: in
    production the static name carries its hash, known once collectstatic has run."""
    return HttpResponsePermanentRedirect(static("microwork/favicon.svg"))
