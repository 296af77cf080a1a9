"""Session engines: Django's `db` and `cached_db` on microwork's own session table
(accounts.models.Session), which keeps the session's user as a column. A signed-in user's
request reads its session and its user in one query, compiled once (common/compiled.py);
`cached_db` reads the database only when the shared cache has lost the session. SESSION_ENGINE
names one of the two modules here; the cookie, the data and the cache keys are Django's own.

The user read with the session reaches Django's authentication through
accounts.middleware.AuthenticationMiddleware, which lends the request's session to
accounts.backends.UserBackend while the request's user is worked out, and only then: Django's
checks of that user (the backend in the session, the password hash) all still run."""

import logging
from contextvars import ContextVar

from django.contrib.auth import SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from microwork.accounts.models import Session, User
from microwork.common.compiled import CompiledQuery

_SESSION_BY_KEY = CompiledQuery(
    lambda session_key: Session.objects.select_related("user").filter(session_key=session_key),
    session_key=str,
)
# The session of the request whose user is being worked out (accounts.middleware), else None.
request_session: ContextVar = ContextVar("microwork_request_session", default=None)


def user_read_with_session(user_id: int) -> User | None:
    """The user with `user_id` if the current request's session was read from the database
    with that user, else None (then the caller reads the user)."""
    session = request_session.get()
    user = getattr(session, "user_read", None)
    return user if user is not None and user.pk == user_id else None


class SessionWithUser:
    """Django's database session store on accounts.models.Session: the user id from the data
    is saved as a column, and the row is read by key with its user (`user_read`). An expired
    row is treated as missing here instead of in the SQL, so that the statement has no time in
    it to swap."""

    user_read: User | None = None

    @classmethod
    def get_model_class(cls):
        return Session

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        instance.user_id = int(user_id) if str(user_id).isdigit() else None
        return instance

    def _get_session_from_db(self):
        self.user_read = None
        try:
            session = _SESSION_BY_KEY.get(session_key=self.session_key)
        except (Session.DoesNotExist, SuspiciousOperation) as error:
            if isinstance(error, SuspiciousOperation):
                logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
                logger.warning(str(error))
            session = None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        self.user_read = session.user
        return session
