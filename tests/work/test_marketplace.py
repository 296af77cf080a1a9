"""The marketplace's search, filters, order and pagination (issue 16)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from microwork.projects.enums import TemplateKind
from tests.accounts.factories import RequesterFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, make_tasks
from tests.web.guard import forbid_writes

pytestmark = pytest.mark.django_db

MARKET = reverse("work:marketplace")


@pytest.fixture(autouse=True)
def floor(settings):
    settings.MICROWORK_PAY_FLOOR_CENTS_PER_HOUR = 1000  # 10.00 per hour


def _project(title, *, age_minutes=0, tasks=1, **fields):
    project = ProjectFactory(
        title=title,
        created_at=timezone.now() - timedelta(minutes=age_minutes),
        assignments_per_task=1,
        **fields,
    )
    make_tasks(PublishedBatchFactory(project=project), tasks)
    return project


@pytest.fixture
def market():
    """Four projects; hourly rates by the declared estimate, never under the floor of 10.00."""
    return {
        # 0.50 in 60 s: 30.00 an hour
        "cats": _project(
            "Cats or dogs",
            description="Tell cats from dogs.",
            keywords="animals, images",
            reward_cents=50,
            estimated_seconds=60,
            template_kind=TemplateKind.IMAGE_CLASSIFICATION,
            template_html="",
            template_config={"image_column": "image_url", "labels": ["cat", "dog"]},
            age_minutes=30,
            tasks=2,
        ),
        # 2.00 in 600 s: 12.00 an hour
        "receipts": _project(
            "Type a receipt",
            description="Copy the total of a shop receipt.",
            reward_cents=200,
            estimated_seconds=600,
            age_minutes=20,
            tasks=5,
        ),
        # 0.05 in 60 s: 3.00 an hour, shown at the floor of 10.00
        "tiny": _project(
            "Tiny survey",
            description="Three questions about cats.",
            reward_cents=5,
            estimated_seconds=60,
            age_minutes=10,
            tasks=3,
        ),
        # 1.00, no estimate (an MTurk HIT type): at the floor
        "hit": _project(
            "A HIT",
            description="From the MTurk door.",
            reward_cents=100,
            estimated_seconds=300,
            estimate_is_declared=False,
            age_minutes=0,
            tasks=1,
        ),
    }


def _titles(client, worker, **params):
    client.force_login(worker)
    response = client.get(MARKET, params)
    assert response.status_code == 200
    return [card["project"].title for card in response.context["cards"]]


def test_default_order_is_newest_first(client, worker, market):
    assert _titles(client, worker) == ["A HIT", "Tiny survey", "Type a receipt", "Cats or dogs"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        # 30.00, 12.00, then the two at the floor of 10.00, newest first
        ("hourly", ["Cats or dogs", "Type a receipt", "A HIT", "Tiny survey"]),
        ("reward", ["Type a receipt", "A HIT", "Cats or dogs", "Tiny survey"]),
        ("slots", ["Type a receipt", "Tiny survey", "Cats or dogs", "A HIT"]),
    ],
)
def test_sorts(client, worker, market, sort, expected):
    assert _titles(client, worker, sort=sort) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # words match the title, the description or the keywords, all of them
        ({"q": "cats"}, ["Tiny survey", "Cats or dogs"]),
        ({"q": "ANIMALS"}, ["Cats or dogs"]),
        ({"q": "cats survey"}, ["Tiny survey"]),
        ({"kind": TemplateKind.IMAGE_CLASSIFICATION}, ["Cats or dogs"]),
        # templates the requesters wrote themselves
        ({"kind": "other"}, ["A HIT", "Tiny survey", "Type a receipt"]),
        ({"min_reward": "1"}, ["A HIT", "Type a receipt"]),
        ({"min_reward": "0,50"}, ["A HIT", "Type a receipt", "Cats or dogs"]),
        ({"min_hourly": "12"}, ["Type a receipt", "Cats or dogs"]),
        ({"min_hourly": "10"}, ["A HIT", "Tiny survey", "Type a receipt", "Cats or dogs"]),
        # only declared estimates can promise a time
        ({"max_minutes": "1"}, ["Tiny survey", "Cats or dogs"]),
        ({"q": "cats", "min_hourly": "20", "sort": "reward"}, ["Cats or dogs"]),
    ],
)
def test_filters(client, worker, market, params, expected):
    assert _titles(client, worker, **params) == expected


def test_a_bad_filter_is_named_and_the_list_stays_whole(client, worker, market):
    client.force_login(worker)

    response = client.get(MARKET, {"min_reward": "abc", "max_minutes": "0"})

    assert len(response.context["cards"]) == 4
    assert set(response.context["filters"].errors) == {"min_reward", "max_minutes"}
    assert "is not an amount" in response.content.decode()


def test_nothing_matching_says_so_with_a_way_back(client, worker, market):
    client.force_login(worker)

    html = client.get(MARKET, {"q": "zebra"}).content.decode()

    assert "No project matches these filters." in html
    assert f'href="{MARKET}">Show all work' in html


def test_search_reads_the_requester_name_but_never_their_email(client, worker):
    lab = RequesterFactory(display_name="Vision Lab", email="secret-name@example.org")
    _project("Boxes", requester=lab)
    _project("Other")
    client.force_login(worker)

    assert _titles(client, worker, q="vision") == ["Boxes"]
    assert _titles(client, worker, q="secret-name") == []


def test_pages_keep_the_filters(client, worker, settings, monkeypatch):
    monkeypatch.setattr("microwork.web.work.views.MARKETPLACE_PAGE_SIZE", 2)
    for number in range(5):
        _project(f"Cats {number}", age_minutes=number)
    client.force_login(worker)

    first = client.get(MARKET, {"q": "cats", "sort": "newest"})
    second = client.get(MARKET, {"q": "cats", "sort": "newest", "page": "2"})

    assert [c["project"].title for c in first.context["cards"]] == ["Cats 0", "Cats 1"]
    assert [c["project"].title for c in second.context["cards"]] == ["Cats 2", "Cats 3"]
    assert 'href="?q=cats&amp;sort=newest&amp;page=2"' in first.content.decode()


def test_the_card_shows_the_description_and_the_type_as_workers_name_it(client, worker, market):
    client.force_login(worker)

    html = client.get(MARKET).content.decode()

    assert '<p class="project-description">Copy the total of a shop receipt.</p>' in html
    assert " · Image classification</p>" in html
    assert " · Other</p>" in html
    # two cards are at the floor: their rate is starred, and the star explained once
    assert html.count('/ hour<span class="muted">*</span>') == 2
    assert html.count("* at least the platform’s pay floor") == 1


def test_filtering_writes_nothing(client, worker, market):
    client.force_login(worker)
    with forbid_writes():
        response = client.get(MARKET, {"q": "cats", "min_hourly": "5", "sort": "hourly"})
    assert response.status_code == 200
