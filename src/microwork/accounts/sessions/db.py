"""Django's database sessions, with their user, in one compiled query (accounts/sessions/)."""

from django.contrib.sessions.backends import db

from microwork.accounts.sessions import SessionWithUser


class SessionStore(SessionWithUser, db.SessionStore):
    pass
