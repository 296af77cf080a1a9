import pytest
from django.db import connection

from tests.accounts.factories import RequesterFactory, WorkerFactory


@pytest.fixture
def worker(db):
    return WorkerFactory()


@pytest.fixture
def requester(db):
    return RequesterFactory()


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")
