"""How a session's user id becomes the request's user."""

from django.contrib.auth.backends import ModelBackend

from microwork.accounts.models import User
from microwork.accounts.sessions import user_read_with_session
from microwork.common.compiled import CompiledQuery

# Every request of a signed-in user reads this row: compiled once (common/compiled.py).
_USER_BY_PK = CompiledQuery(lambda pk: User.objects.filter(pk=pk), pk=int)


class UserBackend(ModelBackend):
    """Django's ModelBackend (email and password, permissions), with the user of each request
    the one read with its session (accounts/sessions/), else read by a compiled query."""

    def get_user(self, user_id):
        if type(user_id) is not int:
            return super().get_user(user_id)
        user = user_read_with_session(user_id)
        if user is None:
            try:
                user = _USER_BY_PK.get(pk=user_id)
            except User.DoesNotExist:
                return None
        return user if self.user_can_authenticate(user) else None
