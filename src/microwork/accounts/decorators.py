"""Role gates for views. A worker on a requester page (or the reverse) gets 403, not a redirect
loop; an anonymous visitor is sent to log in."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from microwork.accounts.enums import Role


def _role_required(role: Role):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role != role:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


worker_required = _role_required(Role.WORKER)
requester_required = _role_required(Role.REQUESTER)
