import pytest
from django.db import connection

from tests.accounts.factories import RequesterFactory, WorkerFactory


@pytest.fixture
def worker(db):
    return WorkerFactory()


@pytest.fixture
def requester(db):
    return RequesterFactory()


def pytest_collection_modifyitems(config, items):
    """Skip `@pytest.mark.postgres` tests on SQLite before any database fixture runs.

    They use real threads and transactional tests; on SQLite the flush after a transactional
    test would also trip the ledger's append-only triggers.
    """
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
