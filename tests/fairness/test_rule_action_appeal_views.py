"""The pages of an appeal against a quality rule's action: who may see and post, and what the
worker, the requester and staff see."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from microwork.fairness import services
from microwork.fairness.enums import AppealDecider, AppealState
from microwork.fairness.models import Appeal
from microwork.fairness.settlement import settle_due
from microwork.quality import rules
from microwork.quality.enums import RuleActionKind
from tests.accounts.factories import RequesterFactory, UserFactory, WorkerFactory
from tests.fairness.factories import REASON, rule_action
from tests.web.guard import forbid_writes

pytestmark = pytest.mark.django_db


def url(action):
    return f"/fairness/appeals/rule-action/{action.pk}/"


def answer_url(appeal):
    return f"/fairness/requester/appeals/{appeal.public_id}/answer/"


def decide_url(appeal):
    return f"/fairness/staff/appeals/{appeal.public_id}/decide/"


def lifted_at(action):
    action.refresh_from_db()
    return action.lifted_at


@pytest.fixture
def appeal():
    action = rule_action()
    return services.appeal_rule_action_open(
        worker=action.worker, action=action, message="I checked every answer."
    )


@pytest.fixture
def staff(db):
    return UserFactory(role="requester", is_staff=True)


# --- the worker's appeal page --------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_appeal_page_sends_visitors_to_log_in(client, method):
    action = rule_action()

    response = getattr(client, method)(url(action), {"message": "x"})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_appeal_page_refuses_requesters(client, method):
    action = rule_action()
    client.force_login(action.project.requester)

    assert getattr(client, method)(url(action), {"message": "x"}).status_code == 403
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_workers_action_is_404(client, worker, method):
    action = rule_action()
    client.force_login(worker)

    assert getattr(client, method)(url(action), {"message": "Mine"}).status_code == 404
    assert not Appeal.objects.exists()
    assert lifted_at(action) is None


def test_worker_appeals_from_the_standing_page(client):
    action = rule_action()
    client.force_login(action.worker)
    assert url(action) in client.get("/quality/standing/").content.decode()

    page = client.get(url(action)).content.decode()
    assert escape(REASON) in page
    assert "accuracy on gold below (%): 70 % → block from this project" in page
    assert '50 % <span class="muted">(10 observations)</span>' in page
    response = client.post(url(action), {"message": "I checked every answer."})

    assert (response.status_code, response.url) == (302, "/fairness/appeals/")
    appeal = Appeal.objects.get()
    assert (appeal.subject, appeal.rule_action, appeal.message) == (
        "rule_action",
        action,
        "I checked every answer.",
    )
    mine = client.get("/fairness/appeals/").content.decode()
    assert "I checked every answer." in mine and action.project.title in mine
    standing = client.get("/quality/standing/").content.decode()
    assert url(action) not in standing
    assert "Appeal: Waiting for an answer" in standing


def test_standing_page_offers_no_appeal_of_a_lifted_or_old_action(client):
    worker = WorkerFactory()
    lifted = rule_action(worker=worker, lifted_at=timezone.now())
    old = rule_action(worker=worker, created_at=timezone.now() - timedelta(days=8))
    client.force_login(worker)

    standing = client.get("/quality/standing/").content.decode()

    assert url(lifted) not in standing
    assert url(old) not in standing


def test_a_lifted_action_cannot_be_appealed_on_the_page(client):
    action = rule_action()
    rules.rule_action_lift(action=action)
    before = lifted_at(action)
    client.force_login(action.worker)

    got = client.get(url(action))
    posted = client.post(url(action), {"message": "Please"})

    assert (got.status_code, got.url) == (302, "/quality/standing/")
    assert (posted.status_code, posted.url) == (302, "/quality/standing/")
    assert not Appeal.objects.exists()
    assert lifted_at(action) == before


def test_an_old_action_is_refused_on_the_page(client):
    action = rule_action(created_at=timezone.now() - timedelta(days=8))
    client.force_login(action.worker)

    response = client.post(url(action), {"message": "Please"})

    assert response.status_code == 200
    assert "can be appealed within 7 days" in response.content.decode()
    assert not Appeal.objects.exists()


def test_a_second_appeal_goes_to_the_appeals_list(client, appeal):
    client.force_login(appeal.worker)

    response = client.post(url(appeal.rule_action), {"message": "Again"})

    assert (response.status_code, response.url) == (302, "/fairness/appeals/")
    assert list(Appeal.objects.values_list("message", flat=True)) == ["I checked every answer."]


# --- the requester -------------------------------------------------------------------------


def test_requester_sees_the_rule_the_figure_and_the_observations(client, appeal):
    client.force_login(appeal.requester)

    page = client.get("/fairness/requester/appeals/").content.decode()

    assert "Quality rule&#x27;s action" in page
    assert appeal.rule_action.project.title in page
    assert "accuracy on gold below (%): 70 % → block from this project" in page
    assert '50 % <span class="muted">(10 observations)</span>' in page
    assert escape(REASON) in page
    assert "I checked every answer." in page
    assert appeal.worker.worker_id in page


def test_requester_grants_on_the_page_and_the_action_is_lifted(client, appeal):
    client.force_login(appeal.requester)

    client.post(answer_url(appeal), {"decision": "grant"})

    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by) == (AppealState.GRANTED, AppealDecider.REQUESTER)
    assert lifted_at(appeal.rule_action) is not None
    client.force_login(appeal.worker)
    standing = client.get("/quality/standing/").content.decode()
    assert "Appeal: Granted" in standing
    assert "lifted on" in standing


def test_requester_denies_on_the_page_with_a_reason_and_nothing_changes(client, appeal):
    client.force_login(appeal.requester)

    client.post(answer_url(appeal), {"decision": "deny"})  # no reason: refused
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN
    client.post(answer_url(appeal), {"decision": "deny", "answer": "Gold is right."})

    appeal.refresh_from_db()
    assert (appeal.state, appeal.answer) == (AppealState.DENIED, "Gold is right.")
    assert lifted_at(appeal.rule_action) is None


def test_another_requester_gets_404_and_nothing_changes(client, appeal):
    client.force_login(RequesterFactory())

    response = client.post(answer_url(appeal), {"decision": "grant"})

    assert response.status_code == 404
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN
    assert lifted_at(appeal.rule_action) is None
    assert escape(REASON) not in client.get("/fairness/requester/appeals/").content.decode()


def test_the_worker_cannot_answer_their_own_appeal(client, appeal):
    client.force_login(appeal.worker)

    assert client.post(answer_url(appeal), {"decision": "grant"}).status_code == 403
    assert client.post(answer_url(appeal), {}).status_code == 403
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN
    assert lifted_at(appeal.rule_action) is None


def test_answer_endpoint_sends_visitors_to_log_in(client, appeal):
    response = client.post(answer_url(appeal), {"decision": "grant"})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert lifted_at(appeal.rule_action) is None


@pytest.mark.parametrize(
    "page", ["/fairness/appeals/", "/fairness/requester/appeals/", "/fairness/staff/appeals/"]
)
def test_appeals_page_shows_an_overdue_appeal_granted_without_writing(client, appeal, staff, page):
    due = timezone.now() - timedelta(seconds=1)
    Appeal.objects.filter(pk=appeal.pk).update(answer_due_at=due)
    reader = {
        "/fairness/appeals/": appeal.worker,
        "/fairness/requester/appeals/": appeal.requester,
        "/fairness/staff/appeals/": staff,
    }[page]
    client.force_login(reader)

    with forbid_writes():
        response = client.get(page)

    (shown,) = response.context["appeals"]
    assert shown.is_grant_due is True
    text = response.content.decode()
    assert "automatically: no answer by" in text
    assert "answer due by" not in text
    assert answer_url(appeal) not in text
    assert decide_url(appeal) not in text
    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_at) == (AppealState.OPEN, None)
    assert lifted_at(appeal.rule_action) is None


@pytest.mark.parametrize("page", ["/fairness/appeals/", "/fairness/requester/appeals/"])
def test_sweep_grants_the_overdue_appeal_the_pages_showed_once(client, appeal, page):
    Appeal.objects.filter(pk=appeal.pk).update(answer_due_at=timezone.now() - timedelta(seconds=1))

    assert settle_due().appeals_granted == 1
    first = lifted_at(appeal.rule_action)
    assert settle_due().appeals_granted == 0

    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by) == (AppealState.GRANTED, AppealDecider.AUTOMATIC)
    assert first is not None
    assert lifted_at(appeal.rule_action) == first
    client.force_login(appeal.worker if page == "/fairness/appeals/" else appeal.requester)
    (shown,) = client.get(page).context["appeals"]
    assert (shown.state, shown.is_grant_due) == (AppealState.GRANTED, False)


# --- staff ---------------------------------------------------------------------------------


def test_staff_see_and_arbitrate_a_rule_action_appeal(client, appeal, staff):
    client.force_login(staff)
    page = client.get("/fairness/staff/appeals/").content.decode()
    assert "accuracy on gold below (%): 70 % → block from this project" in page

    client.post(decide_url(appeal), {"decision": "grant"})  # no reason: refused
    assert lifted_at(appeal.rule_action) is None
    client.post(decide_url(appeal), {"decision": "grant", "answer": "Gold was wrong."})

    appeal.refresh_from_db()
    assert (appeal.state, appeal.decided_by, appeal.decider) == (
        AppealState.GRANTED,
        AppealDecider.STAFF,
        staff,
    )
    assert lifted_at(appeal.rule_action) is not None


@pytest.mark.parametrize("role", ["anonymous", "worker", "requester"])
def test_only_staff_arbitrate(client, appeal, role):
    if role != "anonymous":
        client.force_login(appeal.worker if role == "worker" else appeal.requester)

    response = client.post(decide_url(appeal), {"decision": "grant", "answer": "Yes"})

    assert response.status_code == (302 if role == "anonymous" else 403)
    appeal.refresh_from_db()
    assert appeal.state == AppealState.OPEN
    assert lifted_at(appeal.rule_action) is None


def test_a_lower_weight_appeal_page_shows_the_weight(client):
    action = rule_action(kind=RuleActionKind.LOWER_WEIGHT)
    services.appeal_rule_action_open(worker=action.worker, action=action, message="Fair?")
    client.force_login(action.project.requester)

    page = client.get("/fairness/requester/appeals/").content.decode()

    assert "→ lower the weight of their answers (to 25 %)" in page
