"""A URLconf whose addresses depend on the active language, for tests/common/test_fixed_urls.py:
i18n_patterns() puts the language in front of each address."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import path


def _page(request, public_id: str = "") -> HttpResponse:
    return HttpResponse()


urlpatterns = i18n_patterns(
    path("work/history/", _page, name="history"),
    path("work/assignments/<str:public_id>/", _page, name="assignment"),
)
