"""Django's database sessions, read by a compiled query (accounts/sessions/__init__.py)."""

from django.contrib.sessions.backends import db

from microwork.accounts.sessions import CompiledSessionRead


class SessionStore(CompiledSessionRead, db.SessionStore):
    pass
