"""GetFileUploadURL's answer: a short-lived signed address of a file a worker sent with an
answer (a field photo), served without a session, as MTurk's pre-signed S3 URLs are.

Only the HIT's requester can get one (the operation looks the assignment up among theirs); the
address names the assignment and the field, is signed with the server's key and lasts
URL_LIFETIME seconds, MTurk's 60. Anyone holding it in that minute can download the file, as
with S3. A GET never writes.
"""

import mimetypes
import posixpath

from django.core import signing
from django.core.files.storage import storages
from django.http import FileResponse, Http404
from django.urls import reverse
from django.views.decorators.http import require_GET

from microwork.projects import tasktypes
from microwork.work.models import Assignment

URL_LIFETIME = 60
SALT = "mturk.file-upload-url"


def stored_file_name(assignment: Assignment, field: str) -> str | None:
    project = assignment.task.batch.project
    name = tasktypes.answer_file_name(
        kind=project.template_kind,
        config=project.template_config,
        answers=assignment.answers,
        field=field,
    )
    if name is None or not storages["private"].exists(name):
        return None
    return name


def signed_path(assignment: Assignment, field: str) -> str:
    token = signing.dumps({"a": assignment.public_id, "f": field}, salt=SALT, compress=True)
    return reverse("mturk:file-upload", args=[token])


@require_GET
def file_upload(request, token: str):
    try:
        signed = signing.loads(token, salt=SALT, max_age=URL_LIFETIME)
    except signing.BadSignature:  # also SignatureExpired
        raise Http404("This address has expired or is not valid.") from None
    assignment = (
        Assignment.objects.select_related("task__batch__project")
        .filter(public_id=signed.get("a"))
        .first()
    )
    name = stored_file_name(assignment, signed.get("f", "")) if assignment else None
    if name is None:
        raise Http404("No such file.")
    extension = posixpath.splitext(name)[1]
    return FileResponse(
        storages["private"].open(name, "rb"),
        as_attachment=True,
        filename=f"{assignment.public_id}-{signed['f']}{extension}",
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )
