"""Django's cached database sessions, read from the database (on a cache miss) with their user,
in one compiled query (accounts/sessions/)."""

from django.contrib.sessions.backends import cached_db

from microwork.accounts.sessions import SessionWithUser


class SessionStore(SessionWithUser, cached_db.SessionStore):
    pass
