import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from microwork.accounts.models import WorkerProfile
from microwork.accounts.services import worker_profile_update
from tests.accounts.factories import RequesterFactory

pytestmark = pytest.mark.django_db


def test_worker_profile_update_creates_then_updates_the_profile(worker):
    first = worker_profile_update(worker=worker, country="us", subdivision="US-wa", is_adult=True)
    second = worker_profile_update(worker=worker, country="FR", subdivision="", is_adult=False)

    assert first.pk == second.pk
    assert (second.country, second.subdivision, second.is_adult) == ("FR", "", False)
    assert WorkerProfile.objects.count() == 1


@pytest.mark.parametrize(
    ("country", "subdivision", "field"),
    [("XX", "", "country"), ("", "WA", "subdivision"), ("US", "WASH", "subdivision")],
)
def test_worker_profile_update_refuses_bad_codes(worker, country, subdivision, field):
    with pytest.raises(ValidationError) as error:
        worker_profile_update(
            worker=worker, country=country, subdivision=subdivision, is_adult=True
        )

    assert list(error.value.message_dict) == [field]
    assert not WorkerProfile.objects.exists()


def test_worker_profile_update_refuses_a_requester():
    with pytest.raises(ValidationError):
        worker_profile_update(worker=RequesterFactory(), country="US", is_adult=True)

    assert not WorkerProfile.objects.exists()


def test_worker_settings_page_saves_the_profile(client, worker):
    client.force_login(worker)
    url = reverse("accounts:worker-settings")

    response = client.post(url, {"country": "CA", "subdivision": "QC", "is_adult": "on"})

    assert response.url == url
    profile = WorkerProfile.objects.get(user=worker)
    assert (profile.country, profile.subdivision, profile.is_adult) == ("CA", "QC", True)
    assert client.get(url).context["form"].initial["country"] == "CA"


def test_worker_settings_page_shows_a_bad_subdivision_on_its_field(client, worker):
    client.force_login(worker)

    response = client.post(
        reverse("accounts:worker-settings"), {"country": "", "subdivision": "QC"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["subdivision"] == ["Choose a country first."]
    assert not WorkerProfile.objects.exists()


def test_worker_settings_page_roles(client):
    url = reverse("accounts:worker-settings")
    assert client.get(url).url == f"{reverse('accounts:login')}?next={url}"

    client.force_login(RequesterFactory())
    assert client.get(url).status_code == 403
