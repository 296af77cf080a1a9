"""accounts/backends.py: the user each session's id names, read by a compiled query."""

import pytest
from django.urls import reverse

from microwork.accounts.backends import UserBackend
from microwork.accounts.models import User
from tests.accounts.factories import WorkerFactory


def _fields(user) -> dict:
    return {k: v for k, v in vars(user).items() if not k.startswith("_")}


@pytest.mark.django_db
def test_user_backend_get_user_returns_the_row_as_the_orm_reads_it(worker):
    assert _fields(UserBackend().get_user(worker.pk)) == _fields(User.objects.get(pk=worker.pk))
    assert UserBackend().get_user(str(worker.pk)).pk == worker.pk  # Django's own path


@pytest.mark.django_db
def test_user_backend_get_user_refuses_a_missing_or_inactive_user(worker):
    inactive = WorkerFactory(is_active=False)

    assert UserBackend().get_user(worker.pk + 1000) is None
    assert UserBackend().get_user(inactive.pk) is None


@pytest.mark.django_db
def test_a_deactivated_workers_session_no_longer_signs_them_in(client, worker):
    client.force_login(worker)
    assert client.get(reverse("work:marketplace")).status_code == 200

    User.objects.filter(pk=worker.pk).update(is_active=False)
    response = client.get(reverse("work:marketplace"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
