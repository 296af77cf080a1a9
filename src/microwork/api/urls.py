from django.urls import path, re_path

from microwork.api.problems import method_problems, not_found_view
from microwork.api.v1 import api

# ninja answers a method an address does not take with a plain 405: made a problem here.
# (Not named app_name: a urlconf module's app_name would namespace all of /api/.)
_v1_patterns, _v1_app, _v1_namespace = api.urls
for _pattern in _v1_patterns:
    _pattern.callback = method_problems(_pattern.callback)

urlpatterns = [
    path("v1/", (_v1_patterns, _v1_app, _v1_namespace)),
    # Any other address under /api/ answers a problem, not the site's HTML page.
    re_path(r"^", not_found_view, name="api-not-found"),
]
