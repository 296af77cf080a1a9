"""The bare-Django baseline for bench/load.py: one view doing the same claim and submit service
calls as the real pages, with no sessions, CSRF, templates or middleware.

    DATABASE_URL=... .venv/bin/granian --interface wsgi --workers 2 --blocking-threads 8 \\
        --working-dir bench --port 8001 bare_app:application

This module is its own settings module and URLconf. The worker is named in the POST (no login):
serve it on 127.0.0.1 only, for benchmarks only.
"""

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "bare_app"

from microwork.settings import *  # noqa: E402, F403 - the platform's settings, minus the web layer

MIDDLEWARE = []
ROOT_URLCONF = "bare_app"

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402


@require_POST
def pair(request):
    from microwork.accounts.models import User
    from microwork.projects.models import Project
    from microwork.work import services

    worker = User.objects.get(pk=request.POST["worker"])
    project = Project.objects.get(public_id=request.POST["project"])
    assignment = services.assignment_claim_next(worker=worker, project=project)
    services.assignment_submit(assignment=assignment, fields={"answer": ["ok"]}, worker=worker)
    return HttpResponse(assignment.public_id, content_type="text/plain")


def ping(request):
    """No database, no work: what the server and Django's request cycle cost by themselves."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("pair/", pair), path("ping/", ping)]
application = get_wsgi_application()
