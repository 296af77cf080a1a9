"""Django's cached database sessions, read from the database (on a cache miss) by a compiled
query (accounts/sessions/__init__.py)."""

from django.contrib.sessions.backends import cached_db

from microwork.accounts.sessions import CompiledSessionRead


class SessionStore(CompiledSessionRead, cached_db.SessionStore):
    pass
