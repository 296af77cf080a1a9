"""A strict Content-Security-Policy on every platform page.

Platform pages run only the platform's own static scripts: no inline script, no eval, no
foreign origin. Views that serve the sandboxed task frame set their own, different policy
(work/frame.py) and this middleware leaves it alone.
"""

PLATFORM_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and not request.path.startswith("/admin/"):
            response["Content-Security-Policy"] = PLATFORM_POLICY
        return response
