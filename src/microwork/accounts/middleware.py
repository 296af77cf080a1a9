"""Django's AuthenticationMiddleware, with the request's user taken from the row its session was
read with (accounts/sessions/): one query for both instead of two."""

from django.contrib.auth import middleware
from django.utils.functional import SimpleLazyObject

from microwork.accounts.sessions import request_session


class AuthenticationMiddleware(middleware.AuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))


def _get_user(request):
    """Django's get_user(request), while the request's session is lent to the backend."""
    lent = request_session.set(request.session)
    try:
        return middleware.get_user(request)
    finally:
        request_session.reset(lent)
