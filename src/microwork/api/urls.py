from django.urls import path, re_path

from microwork.api.problems import not_found_view
from microwork.api.v1 import api

urlpatterns = [
    path("v1/", api.urls),
    # Any other address under /api/ answers a problem, not the site's HTML page.
    re_path(r"^", not_found_view, name="api-not-found"),
]
