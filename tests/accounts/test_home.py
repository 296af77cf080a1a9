"""The landing page says what microwork is to each audience, in both languages (issue 16)."""

import pytest
from django.urls import reverse

from tests.accounts.factories import RequesterFactory, WorkerFactory

pytestmark = pytest.mark.django_db


def test_visitors_see_what_the_platform_is_for_each_audience(client):
    html = client.get(reverse("home")).content.decode()

    for heading in ("For people who do the work", "For requesters", "How it works"):
        assert f"<h2>{heading}</h2>" in html
    assert f'href="{reverse("accounts:signup")}"' in html
    assert f'href="{reverse("observatory:index")}"' in html


def test_the_landing_page_is_french_for_a_french_reader(client):
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "<h2>Pour les personnes qui font le travail</h2>" in html
    assert "<h2>Comment ça marche</h2>" in html
    assert "For requesters" not in html


@pytest.mark.parametrize(
    ("role", "start"),
    [("worker", "work:marketplace"), ("requester", "projects:project-list")],
)
def test_people_logged_in_go_to_their_own_start_page(client, role, start):
    client.force_login(WorkerFactory() if role == "worker" else RequesterFactory())

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse(start)
