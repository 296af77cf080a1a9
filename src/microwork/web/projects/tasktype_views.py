"""The requester's download of a file a worker sent with an answer (a field photo).

Files are never served from a public media address: this view checks that the assignment is
from one of the requester's projects, and serves the stored copy (without location EXIF unless
the project asked to keep it).
"""

import mimetypes
import posixpath

from django.core.files.storage import storages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from microwork.accounts.decorators import requester_required
from microwork.projects import tasktypes
from microwork.work.models import Assignment


@requester_required
@require_GET
def answer_file(request, public_id, field):
    assignment = get_object_or_404(
        Assignment.objects.select_related("task__batch__project"),
        public_id=public_id,
        task__batch__project__requester=request.user,
    )
    project = assignment.task.batch.project
    name = tasktypes.answer_file_name(
        kind=project.template_kind,
        config=project.template_config,
        answers=assignment.answers,
        field=field,
    )
    if name is None or not storages["private"].exists(name):
        raise Http404("No such file.")
    extension = posixpath.splitext(name)[1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(
        storages["private"].open(name, "rb"),
        as_attachment=True,
        filename=f"{assignment.public_id}-{field}{extension}",
        content_type=content_type,
    )
