"""The sandboxed frame that shows a requester's template to a worker.

Requester HTML is untrusted. It runs in an <iframe sandbox="allow-forms allow-scripts"> without
allow-same-origin, and the frame's own response carries a CSP `sandbox` directive too, so even
opened on its own it gets an opaque origin: it cannot read the platform's cookies or storage,
and its requests carry no session (the cookies are SameSite=Lax, and an opaque origin is never
same-site). Its form posts the answer with a per-assignment token instead of a session.

The token is an HMAC of the assignment id under the server's secret key: it cannot be guessed,
it is the same on every reload of the work page, and it opens nothing once the assignment has
left the accepted state, so it cannot be used twice.

A requester's page on a host of its own (an MTurk ExternalQuestion, an external page task) is
the exception: the work page frames it directly, with its own origin (EXTERNAL_SANDBOX), so
its cookies, storage and requests to its own server work as on MTurk. See direct_frame() and
docs/adr/0004-sandboxed-task-frame.md, "External pages".
"""

import re
from dataclasses import dataclass
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from microwork.projects import questions, tasktypes, templating
from microwork.projects.enums import TemplateKind
from microwork.projects.models import Project
from microwork.work.models import Assignment

_SALT = "microwork.work.frame-token"
SANDBOX = "allow-forms allow-scripts"
# A requester's page on a host of its own, framed directly by the work page. allow-same-origin
# gives the page its own origin, never the platform's: it is on another host. Pop-ups (psiTurk's
# ad opens the experiment in one) open unsandboxed; allow-top-navigation is withheld, so the
# page cannot navigate the work page away.
EXTERNAL_SANDBOX = (
    "allow-forms allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox "
    "allow-modals"
)
# What the direct frame sends its page as Referer: the platform's origin, never the work
# page's path (turkSubmitTo names the origin anyway).
EXTERNAL_REFERRER_POLICY = "origin"
# The Cross-Origin-Opener-Policy of a page that frames a requester's page (settings has
# same-origin): pop-ups opened from the frame keep their window.open handle.
EXTERNAL_OPENER_POLICY = "same-origin-allow-popups"
# A host that may stand in a CSP source as it is: a DNS name or IPv4 address, or [IPv6].
_SAFE_HOST = re.compile(r"^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])$")


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


def mturk_parameters(
    *, request, task_public_id: str, assignment: Assignment | None, preview: bool
) -> dict:
    """The four query parameters MTurk gives a HIT's page: assignmentId, hitId, workerId and
    turkSubmitTo. turkSubmitTo carries the frame token in its path, so a page that posts to
    `turkSubmitTo + "/mturk/externalSubmit"`, as MTurk pages do, is authorised like our own."""
    if preview or assignment is None:
        return {"assignmentId": PREVIEW_ASSIGNMENT_ID, "hitId": task_public_id}
    from django.urls import reverse

    submit_root = reverse("mturk:submit-root", args=[frame_token(assignment.public_id)])
    return {
        "assignmentId": assignment.public_id,
        "hitId": task_public_id,
        "workerId": assignment.worker.worker_id,
        "turkSubmitTo": request.build_absolute_uri(submit_root).rstrip("/"),
    }


@dataclass(frozen=True)
class DirectFrame:
    """A requester's page the work page frames itself: its address with MTurk's parameters,
    the origin to let into the work page's frame-src, and the frame's height (0: default)."""

    src: str
    origin: str
    height: int


def _host_of(host: str) -> str:
    """The host of a Host header or netloc: "Example.org:8000" -> "example.org"."""
    host = host.lower()
    if host.startswith("["):
        return host[: host.index("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0]


def is_platform_host(url: str, *, request) -> bool:
    """Whether `url` is a page of the platform itself: a relative address, the host the worker
    reached the platform at, or a host under the platform's cookie domain.

    Any scheme or port of that host counts too: browsers keep cookies per host, not per origin,
    so a page at another port of the platform's host, given an origin of its own, would read and
    set the platform's cookies (csrftoken, and cookies tossed over the session's).
    """
    parts = urlsplit(url)
    if not parts.netloc:
        return True
    host = _host_of(parts.netloc.rsplit("@", 1)[-1])
    if host == _host_of(request.get_host()):
        return True
    for domain in (settings.SESSION_COOKIE_DOMAIN, settings.CSRF_COOKIE_DOMAIN):
        domain = (domain or "").lower().lstrip(".")
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def _external_origin(url: str) -> str:
    """The origin (scheme://host[:port]) of an http(s) URL, written to stand in a CSP source
    list; "" when it holds anything a source may not (the URL then stays nested)."""
    parts = urlsplit(url)
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError:  # a port that is not a number
        return ""
    if ":" in host:
        host = f"[{host}]"
    if parts.scheme not in ("http", "https") or not _SAFE_HOST.match(host):
        return ""
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def direct_frame(
    *,
    project,
    task_input: dict,
    assignment: Assignment | None,
    preview: bool,
    request,
    task_public_id: str,
) -> DirectFrame | None:
    """The requester's page to frame directly in the work page (or the preview page), or None
    when the task is shown in the nested, origin-less task frame as usual.

    Only pages on a host of their own are framed directly: with allow-same-origin a page of the
    platform's own host would get the platform's origin, and with it the worker's session and
    the work page's DOM. Those stay in the task frame (external_frame_response)."""
    if project.template_kind == TemplateKind.EXTERNAL_PAGE:
        from microwork.projects.tasktypes.external_page import page_url

        config = tasktypes.parsed_config(project.template_kind, project.template_config)
        url, height = page_url(config["url_template"], task_input), config["frame_height"]
    elif project.template_kind == TemplateKind.MTURK_QUESTION:
        try:
            question = questions.parse_question(task_input.get(questions.QUESTION_INPUT, ""))
        except questions.QuestionInvalid:
            return None
        if question.kind != "ExternalQuestion":
            return None
        url, height = question.external_url, question.frame_height
    else:
        return None
    origin = _external_origin(url)
    if not origin or is_platform_host(url, request=request):
        return None
    parameters = mturk_parameters(
        request=request, task_public_id=task_public_id, assignment=assignment, preview=preview
    )
    separator = "&" if "?" in url else "?"
    return DirectFrame(
        src=url + separator + urlencode(parameters), origin=origin, height=height or 0
    )


def _render_mturk_question(
    *, project, task_input, assignment, submit_url, preview, request, task_public_id
) -> HttpResponse:
    """HTMLQuestion and ExternalQuestion pages get MTurk's query parameters and post to
    /mturk/externalSubmit; a QuestionForm becomes fields of the platform's own task form."""
    question = questions.parse_question(task_input.get(questions.QUESTION_INPUT, ""))
    parameters = mturk_parameters(
        request=request, task_public_id=task_public_id, assignment=assignment, preview=preview
    )
    if question.kind == "QuestionForm":
        return None
    if question.kind == "HTMLQuestion":
        submit = parameters.get("turkSubmitTo", "") + "/mturk/externalSubmit"
        from django.templatetags.static import static

        document = questions.html_question_document(
            question, submit_url=submit, script_url=static("mturk/externalHIT_v1.js")
        )
        return frame_response(document)
    return external_frame_response(
        project=project,
        url=question.external_url,
        frame_height=question.frame_height,
        parameters=parameters,
    )


def external_frame_response(
    *, project, url: str, frame_height: int | None, parameters: dict, request=None
) -> HttpResponse:
    """A frame that frames a page of the requester's (an ExternalQuestion, an external page
    task), with MTurk's query parameters added to its address. The frame's CSP lets in that
    page's origin alone; a URL starting with "/" is a page of the platform itself."""
    separator = "&" if "?" in url else "?"
    context = {
        "project": project,
        "external_url": url + separator + urlencode(parameters),
        "frame_height": frame_height,
    }
    response = frame_response(render_to_string("work/frame_external.html", context))
    parts = urlsplit(url)
    if parts.scheme:
        origin = f"{parts.scheme}://{parts.netloc}"
    elif request is not None:
        origin = request.build_absolute_uri("/").rstrip("/")
    else:
        origin = "'self'"
    sources = [origin]
    submit_to = urlsplit(parameters.get("turkSubmitTo", ""))
    if submit_to.scheme:
        # The page posts its answer to turkSubmitTo, and the answer loads in the same inner
        # frame: without the platform's origin here a foreign page's submission is blocked.
        submit_origin = f"{submit_to.scheme}://{submit_to.netloc}"
        if submit_origin != origin:
            sources.append(submit_origin)
    response["Content-Security-Policy"] = frame_policy().replace(
        "default-src 'none'", f"default-src 'none'; frame-src {' '.join(sources)}"
    )
    return response


def _render_external_page(*, project, task_input, assignment, preview, request, task_public_id):
    """The external page task type (projects/tasktypes/external_page.py)."""
    from microwork.projects.tasktypes.external_page import page_url

    config = tasktypes.parsed_config(project.template_kind, project.template_config)
    return external_frame_response(
        project=project,
        url=page_url(config["url_template"], task_input),
        frame_height=config["frame_height"],
        parameters=mturk_parameters(
            request=request, task_public_id=task_public_id, assignment=assignment, preview=preview
        ),
        request=request,
    )


def render_frame_document(
    *,
    project: Project,
    task_input: dict,
    assignment: Assignment | None = None,
    submit_url: str | None = None,
    preview: bool = True,
    request=None,
    task_public_id: str = "",
) -> HttpResponse:
    """The whole HTML document of a task frame, with the frame's own sandboxing CSP.

    The requester's template is filled with `task_input` (the values escaped by
    templating.render) and put in the platform's form, which adds `assignmentId` and `mw_token`.
    In preview the submit button is disabled and there is no token. Tasks with an MTurk
    Question (TemplateKind.MTURK_QUESTION) are shown as MTurk would (projects/questions.py).
    """
    if project.template_kind == TemplateKind.MTURK_QUESTION:
        response = _render_mturk_question(
            project=project,
            task_input=task_input,
            assignment=assignment,
            submit_url=submit_url,
            preview=preview,
            request=request,
            task_public_id=task_public_id,
        )
        if response is not None:
            return response
        source = questions.question_form_html(
            questions.parse_question(task_input.get(questions.QUESTION_INPUT, ""))
        )
        task_input = {}
    elif project.template_kind == TemplateKind.EXTERNAL_PAGE:
        return _render_external_page(
            project=project,
            task_input=task_input,
            assignment=assignment,
            preview=preview,
            request=request,
            task_public_id=task_public_id,
        )
    else:
        source = tasktypes.template_source(
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
        "task_html": mark_safe(templating.render(source, task_input)),  # noqa: S308  # nosec B308, B703  # the requester's task html, contained by the frame's sandbox and content policy
        "assignment_id": assignment_id,
        "token": token,
        "submit_url": submit_url or "",
        "preview": preview,
        # A ready-made type's own static scripts and styles, and multipart for a photo.
        "task_type": tasktypes.task_type(project.template_kind),
    }
    return frame_response(render_to_string("work/frame.html", context))


# The answer to a post to turkSubmitTo + "/mturk/externalSubmit". The page is the platform's own
# (a heading, a message and work/frame-done.js), never the requester's, so it keeps its origin
# (allow-same-origin): framed directly by the work page, its message to the work page then comes
# from the platform's origin, which a requester's page cannot forge (work.js checks
# event.origin). No frame-ancestors: nested under an opaque task frame it must load too.
REPLY_POLICY = "; ".join(
    [
        "sandbox allow-forms allow-scripts allow-same-origin",
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'none'",
        "base-uri 'none'",
    ]
)


def external_reply(view):
    """Serve a view's frame responses as the answer to an external page's post: with
    REPLY_POLICY, and framable by any frame, the work page's and the nested task frame's.

    Either framer works: a requester's page framed directly by the work page navigates that
    frame here, and a page of the platform's own, nested in the sandboxed task frame, navigates
    the inner frame, whose opaque origin no frame-ancestors source and no X-Frame-Options value
    match. These pages hold no token and nothing to act on; the task frame itself keeps both.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = REPLY_POLICY
        if response.has_header("X-Frame-Options"):
            del response["X-Frame-Options"]
        response.xframe_options_exempt = True  # or the middleware would add DENY
        return response

    return wrapped


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


def frame_refusal(message: str, *, status: int, retry_url: str = ""):
    """The frame's page when a submission is refused: why, and where to try again."""
    return frame_message(
        heading=_("Not submitted"),
        message=message,
        tone="bad",
        result_type="microwork:refused",
        retry_url=retry_url,
        status=status,
    )


def frame_message(
    *,
    heading: str,
    message: str = "",
    tone: str = "",
    result_type: str = "",
    assignment_id: str = "",
    retry_url: str = "",
    status: int = 200,
):
    """A short page shown inside the task frame after a submission (any door)."""
    context = {
        "heading": heading,
        "message": message,
        "tone": tone,
        "result_type": result_type,
        "assignment_id": assignment_id,
        "retry_url": retry_url,
    }
    return frame_response(render_to_string("work/frame_message.html", context), status=status)
