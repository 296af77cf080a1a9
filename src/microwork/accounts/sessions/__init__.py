"""Session engines: Django's `db` and `cached_db`, with the session read from the database by a
compiled query (common/compiled.py), as every request of a signed-in user makes that read
(`cached_db` only when the shared cache has lost it). SESSION_ENGINE names one of the two
modules here; the rows, the cookie and the cache keys are Django's own."""

import logging

from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from microwork.common.compiled import CompiledQuery

_SESSION_BY_KEY = CompiledQuery(
    lambda session_key: Session.objects.filter(session_key=session_key), session_key=str
)


class CompiledSessionRead:
    """Django's _get_session_from_db, by key only; an expired row is treated as missing here
    instead of in the SQL, so that the statement has no time in it to swap."""

    def _get_session_from_db(self):
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
        return session
