"""A cap on request bodies (MICROWORK_MAX_UPLOAD_BYTES, docs/adr/0023), checked before anything
reads the body: a batch file, a field photo or any other body larger than the cap is answered
413 from its Content-Length alone, and a body sent without one (chunked) is cut off when its
reading passes the cap.

The 413 speaks each door's language without importing it (common is the lowest package): an
RFC 9457 problem under /api/ (the shape of api/problems.py), MTurk's RequestError under
/mturk/, a page elsewhere.
"""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

PROBLEM_TYPE = "https://microwork.dev/problems/payload-too-large"  # api/problems.py's PROBLEM_BASE


class CappedStream:
    """A request's body stream that raises RequestDataTooBig once more than `limit` bytes were
    read: the last guard for a body whose length was not declared."""

    def __init__(self, stream, limit: int):
        self._stream = stream
        self._left = limit

    def _count(self, data: bytes) -> bytes:
        self._left -= len(data)
        if self._left < 0:
            raise RequestDataTooBig(
                f"The request body is larger than {settings.MICROWORK_MAX_UPLOAD_BYTES} bytes."
            )
        return data

    def read(self, *args) -> bytes:
        return self._count(self._stream.read(*args))

    def readline(self, *args) -> bytes:
        return self._count(self._stream.readline(*args))

    def __iter__(self):
        return iter(self.readline, b"")

    def close(self):
        return self._stream.close()


def _declared_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def too_large(request, limit: int) -> HttpResponse:
    message = _("The request is larger than %(size)s MB, the most this site takes.") % {
        "size": f"{limit / 1024 / 1024:.3g}"
    }
    if request.path.startswith("/api/"):
        body = {
            "type": PROBLEM_TYPE,
            "title": "Payload too large",
            "status": 413,
            "detail": message,
        }
        return HttpResponse(json.dumps(body), status=413, content_type="application/problem+json")
    if request.path.startswith("/mturk/"):
        body = {"__type": "RequestError", "Message": message}
        return HttpResponse(json.dumps(body), status=400, content_type="application/x-amz-json-1.1")
    return render(request, "payload_too_large.html", {"message": message}, status=413)


class BodyLimitMiddleware:
    """Refuse a body over the cap before it is read; cap the reading of one of unknown length."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.MICROWORK_MAX_UPLOAD_BYTES
        length = _declared_length(request)
        if length is not None and length > limit:
            return too_large(request, limit)
        if length is None and hasattr(request, "_stream"):
            request._stream = CappedStream(request._stream, limit)
        return self.get_response(request)
