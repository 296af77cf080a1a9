"""The site header's links and the language list are rendered once per process (the
"fragments" cache, templates/base.html); what belongs to one person or one request is not."""

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import RequesterFactory, WorkerFactory

WORKER_LINKS = ["Find work", "My work", "Earnings", "Hours and wage", "Qualifications", "Settings"]
REQUESTER_LINKS = ["Projects", "Balance", "Qualifications", "Appeals", "Webhooks", "API tokens"]
STAFF_LINKS = ["Deposits", "Payouts", "Arbitration", "Admin"]


@pytest.fixture(autouse=True)
def _empty_fragments():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


def _nav(html: str) -> list[str]:
    nav = html.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', nav)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_each_role_sees_its_own_links_whoever_came_first():
    worker, requester = WorkerFactory(), RequesterFactory()
    staff_worker = WorkerFactory(is_staff=True)

    pages = [
        (_signed_in(user), url)
        for user, url in (
            (worker, reverse("work:history")),
            (requester, reverse("projects:project-list")),
            (staff_worker, reverse("work:history")),
            (worker, reverse("work:marketplace")),
        )
    ]
    navs = [_nav(client.get(url).content.decode()) for client, url in pages]

    assert navs == [WORKER_LINKS, REQUESTER_LINKS, WORKER_LINKS + STAFF_LINKS, WORKER_LINKS]
    assert _nav(Client().get(reverse("accounts:login")).content.decode()) == ["Log in", "Sign up"]


@pytest.mark.django_db
def test_the_links_and_the_language_list_follow_the_language():
    client = _signed_in(WorkerFactory())

    english = client.get(reverse("work:history")).content.decode()
    french = client.get(reverse("work:history"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert _nav(english)[0] == "Find work" and _nav(french)[0] == "Trouver du travail"
    assert '<option value="en" lang="en" selected>' in english
    assert '<option value="fr" lang="fr" selected>' in french
    assert '<option value="fr" lang="fr" selected>' not in english


@pytest.mark.django_db
def test_the_worker_id_and_the_csrf_token_stay_each_requests_own():
    first, second = WorkerFactory(), WorkerFactory()
    first_client = _signed_in(first)
    second_client = Client(enforce_csrf_checks=True)
    second_client.force_login(second)

    first_page = first_client.get(reverse("work:history")).content.decode()
    second_page = second_client.get(reverse("work:history")).content.decode()
    logout_form = second_page.split('action="/accounts/logout/"', 1)[1].split("</form>", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', logout_form).group(1)
    response = second_client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})

    assert first.worker_id in first_page and second.worker_id not in first_page
    assert second.worker_id in second_page and first.worker_id not in second_page
    assert response.status_code == 302  # the page's own token, valid for its own session
    assert second_client.get(reverse("work:history")).status_code == 302  # signed out
    assert first_client.get(reverse("work:history")).status_code == 200
