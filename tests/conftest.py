import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from microwork.accounts import terms
from tests.accounts.factories import RequesterFactory, WorkerFactory


@pytest.fixture(autouse=True)
def _language_back_to_the_default():
    """A test that leaves a language active (a page answered in French, a service called under
    translation.activate) must not change the words the next test reads."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _rate_counts_from_zero():
    """Rate limits (common/ratelimits.py) count in the default cache, which lives as long as the
    test process: each test starts from zero, as if it were the first client of the day."""
    cache.clear()


@pytest.fixture(autouse=True)
def _no_terms_until_published():
    """The database starts each test with no terms of service: pages take that as known, as a
    process does between its reads of the versions (accounts/terms.py), so no page's queries
    depend on the order tests run in. Publishing a version makes the pages read them again."""
    terms.versions_known_none()
    yield
    terms.versions_known_none()


@pytest.fixture
def private_storage(settings, tmp_path):
    """The private storage (answers' files, stored aggregations) in the test's own folder;
    its path."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    return tmp_path / "private"


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
