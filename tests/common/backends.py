"""Marks for the tests of one PostgreSQL backend: microwork's (the default) or Django's own
(MICROWORK_DB_BACKEND=stock, which CI runs the suite on too: .ci/run)."""

import pytest
from django.conf import settings

ENGINE = settings.DATABASES["default"]["ENGINE"]

microwork_backend = pytest.mark.skipif(
    ENGINE != "microwork.common.postgresql",
    reason="microwork's PostgreSQL backend only (common/postgresql/)",
)
stock_backend = pytest.mark.skipif(
    ENGINE != "django.db.backends.postgresql",
    reason="Django's own PostgreSQL backend only (MICROWORK_DB_BACKEND=stock)",
)
