"""A strict Content-Security-Policy on every platform page.

Platform pages run only the platform's own static scripts: no inline script, no eval, no
foreign origin. Views that serve the sandboxed task frame set their own, different policy
(work/frame.py) and this middleware leaves it alone.
"""


def platform_policy(
    *, frame_sources: tuple[str, ...] = (), image_sources: tuple[str, ...] = ()
) -> str:
    """The platform pages' policy; `frame_sources` adds origins the page may frame (the work
    page framing a requester's page, work/frame.py's direct_frame), `image_sources` places
    images may come from (the review page showing the requester's own pictures), for that
    response only."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            " ".join(["img-src 'self' data:", *image_sources]),
            " ".join(["frame-src 'self'", *frame_sources]),
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


PLATFORM_POLICY = platform_policy()

# Static files that browsers render as documents. whitenoise answers before the clickjacking and
# CSP middleware run, so these would carry neither header: a page that can navigate a frame of
# its own (a requester's page framed with allow-same-origin) could open, say, the demo external
# page there with the platform's origin and feed it a javascript: turkSubmitTo. A CSP sandbox
# gives them an opaque origin wherever they load; they still run, and nested in the task frame
# nothing changes (it is opaque already).
STATIC_DOCUMENT_SUFFIXES = (".html", ".htm", ".xhtml", ".svg", ".xml")
STATIC_DOCUMENT_POLICY = "sandbox allow-forms allow-scripts"


def static_headers(headers, path: str, url: str) -> None:
    """WHITENOISE_ADD_HEADERS_FUNCTION: sandbox the static files that are documents."""
    if path.lower().endswith(STATIC_DOCUMENT_SUFFIXES):
        headers["Content-Security-Policy"] = STATIC_DOCUMENT_POLICY


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The admin's pages too: Django's admin runs no inline script nor inline style.
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = PLATFORM_POLICY
        return response
