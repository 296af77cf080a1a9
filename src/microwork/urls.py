from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from microwork.web import source, well_known
from microwork.web.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path(".well-known/security.txt", well_known.security_txt, name="security-txt"),
    # Browsers ask for /favicon.ico whatever the page says; pages link the SVG (base.html).
    path("favicon.ico", well_known.favicon, name="favicon"),
    # The program's own source, linked from every page (AGPL-3.0, section 13).
    path("source.tar.gz", source.source_tarball, name="source-code"),
    path("accounts/", include("microwork.web.accounts.urls")),
    path("terms/", include("microwork.web.accounts.terms_urls")),
    path("requester/", include("microwork.web.projects.urls")),
    path("work/", include("microwork.web.work.urls")),
    path("payments/", include("microwork.web.payments.urls")),
    path("quality/", include("microwork.web.quality.urls")),
    path("fairness/", include("microwork.web.fairness.urls")),
    path("notifications/", include("microwork.web.notifications.urls")),
    path("webhooks/", include("microwork.web.webhooks.urls")),
    path("observatory/", include("microwork.web.observatory.urls")),
    path("api/", include("microwork.api.urls")),
    path("mturk/", include("microwork.mturk.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.MICROWORK_SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
