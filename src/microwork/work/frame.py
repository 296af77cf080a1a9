"""The sandboxed frame that shows a requester's template to a worker.

Requester HTML is untrusted. It runs in an <iframe sandbox="allow-forms allow-scripts"> without
allow-same-origin, and the frame's own response carries a CSP `sandbox` directive too, so even
opened on its own it gets an opaque origin: it cannot read the platform's cookies or storage,
and its requests carry no session (the cookies are SameSite=Lax, and an opaque origin is never
same-site). Its form posts the answer with a per-assignment token instead of a session.

The token is an HMAC of the assignment id under the server's secret key: it cannot be guessed,
it is the same on every reload of the work page, and it opens nothing once the assignment has
left the accepted state, so it cannot be used twice.
"""

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.safestring import mark_safe

from microwork.projects import templating
from microwork.projects.models import Project
from microwork.work.models import Assignment

_SALT = "microwork.work.frame-token"
SANDBOX = "allow-forms allow-scripts"


def frame_token(assignment_public_id: str) -> str:
    return salted_hmac(_SALT, assignment_public_id, algorithm="sha256").hexdigest()


def frame_token_is_valid(assignment_public_id: str, token: str) -> bool:
    return bool(token) and constant_time_compare(frame_token(assignment_public_id), token)


def frame_policy() -> str:
    """The CSP of a task frame: requester scripts may run inside, but may only talk to the
    platform's submit endpoint; no fetch, no foreign form target, no framing by others."""
    media = " ".join(["'self'", *settings.MICROWORK_FRAME_MEDIA_SOURCES])
    return "; ".join(
        [
            f"sandbox {SANDBOX}",
            "default-src 'none'",
            "script-src 'self' 'unsafe-inline'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {media}",
            f"media-src {media}",
            "font-src 'self' data:",
            "connect-src 'none'",
            "form-action 'self'",
            "frame-ancestors 'self'",
            "base-uri 'none'",
        ]
    )


# The MTurk convention: a previewed task's form says it has no assignment yet.
PREVIEW_ASSIGNMENT_ID = "ASSIGNMENT_ID_NOT_AVAILABLE"


def render_frame_document(
    *,
    project: Project,
    task_input: dict,
    assignment: Assignment | None = None,
    submit_url: str | None = None,
    preview: bool = True,
) -> HttpResponse:
    """The whole HTML document of a task frame, with the frame's own sandboxing CSP.

    The requester's template is filled with `task_input` (the values escaped by
    templating.render) and put in the platform's form, which adds `assignmentId` and `mw_token`.
    In preview the submit button is disabled and there is no token.
    """
    source = templating.template_source(
        project.template_kind, project.template_html, project.template_config
    )
    if preview or assignment is None:
        assignment_id, token = PREVIEW_ASSIGNMENT_ID, ""
    else:
        assignment_id, token = assignment.public_id, frame_token(assignment.public_id)
    context = {
        "project": project,
        # Requester HTML is not escaped on purpose: it is the task itself. It is untrusted, and
        # the sandbox (iframe attribute and CSP header) is what contains it.
        "task_html": mark_safe(templating.render(source, task_input)),  # noqa: S308
        "assignment_id": assignment_id,
        "token": token,
        "submit_url": submit_url or "",
        "preview": preview,
    }
    return frame_response(render_to_string("work/frame.html", context))


def frame_response(content: str, *, status: int = 200) -> HttpResponse:
    """A response for the task frame: the sandboxing CSP, which the platform middleware keeps."""
    response = HttpResponse(content, status=status)
    response["Content-Security-Policy"] = frame_policy()
    # The document carries the assignment's token: keep it out of shared and browser caches.
    response["Cache-Control"] = "no-store"
    # Every other page is X-Frame-Options: DENY; the task frame is the one page the platform
    # frames itself (CSP frame-ancestors 'self' says the same to current browsers).
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response
