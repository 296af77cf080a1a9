"""The same act through the requester's web pages, through the MTurk API and through the REST
API leaves the same state and the same ledger (#15, #21).

Each scenario builds its starting state twice, the same way, then acts once through each door:
the review and bonus pages with Django's test client, logged in as the requester, boto3
through the MTurk endpoint in-process (tests/mturk/conftest.py), and the REST API with a
personal token (api/requester/). Workers act through their own
pages in both runs: accept, open the task frame, post its form. What each run leaves is read
with ids and timestamps normalised away (people, tasks and accounts by their part in the
scenario) and compared exactly: assignments, tasks, the batch, bonuses, pay floor notices and
every posting of the ledger, entry by entry, in the order they were written.

Every request commits on its own, as in production: each one runs inside
django_capture_on_commit_callbacks(execute=True), so what waits for a commit (the pay floor
after a review) runs between two requests, not once at the end of the test.

Not here, having no page that does the same act:
- CreateAdditionalAssignmentsForHIT: no page adds assignments to a task.
- UpdateExpirationForHIT: the batch page's Cancel ends a batch for good and marks it cancelled;
  an expiry keeps it published, with an end that can be moved again. Not the same act.
"""

import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from microwork.accounts.models import User
from microwork.fairness.models import PayFloorNotice
from microwork.fairness.settlement import settle_due
from microwork.mturk import services as mturk_services
from microwork.payments import services as payments
from microwork.payments.enums import AccountKind
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import Bonus, Posting
from microwork.projects import services as projects
from microwork.projects.models import Batch, Project, Task
from microwork.work.models import Assignment
from tests.accounts.factories import UserFactory, WorkerFactory
from tests.api.conftest import api_client_for
from tests.mturk.conftest import make_client
from tests.projects.factories import project_fields

pytestmark = pytest.mark.django_db

FUNDS = 100_00


# --- one run: its people, its batch and its doors --------------------------------------------


@dataclass
class Run:
    """One run of a scenario: what its setup made, the requester's two doors, and the labels
    that name its rows in place of their ids."""

    commit: Callable  # django_capture_on_commit_callbacks
    requester: User
    project: Project | None = None
    batch: Batch | None = None
    workers: dict[str, User] = field(default_factory=dict)
    labels: dict[tuple[str, int], str] = field(default_factory=dict)
    web: Client | None = None
    mturk: object = None
    api: object = None

    def request(self, call, *args, **kwargs):
        """One HTTP request, which commits on its own: what waits for the commit runs now."""
        with self.commit(execute=True):
            return call(*args, **kwargs)

    def label(self, kind: str, pk: int | None) -> str | None:
        return None if pk is None else self.labels.get((kind, pk), f"other {kind}")

    def assignment(self, worker: str) -> Assignment:
        return Assignment.objects.get(task__batch=self.batch, worker=self.workers[worker])


def _new_run(commit) -> Run:
    requester = UserFactory(role="requester")
    staff = UserFactory(role="requester", is_staff=True)
    run = Run(commit=commit, requester=requester)
    run.labels[("user", requester.pk)] = "requester"
    run.labels[("user", staff.pk)] = "staff"
    payments.deposit_record(
        requester=requester,
        amount_cents=FUNDS,
        external_reference=f"parity-{requester.pk}",
        actor=staff,
    )
    run.web = Client()
    run.web.force_login(requester)
    key, secret = mturk_services.access_key_create(requester=requester)
    run.mturk = make_client(key.access_key_id, secret, django=Client())
    run.api = api_client_for(requester)
    return run


def _publish(run: Run, *, tasks: int = 1, slots: int = 2, **project) -> None:
    """A published batch of `tasks` tasks of `slots` assignments each, as a requester uploads
    and publishes it."""
    run.project = projects.project_create(
        requester=run.requester,
        **project_fields(title="Sentiment", assignments_per_task=slots, **project),
    )
    rows = "text\n" + "".join(f"sentence {n}\n" for n in range(1, tasks + 1))
    batch = projects.batch_create_from_upload(
        project=run.project, file=io.BytesIO(rows.encode()), filename="rows.csv", name="May"
    )
    run.batch = projects.batch_publish(batch=batch)
    run.labels[("batch", run.batch.pk)] = "batch"
    for number, task in enumerate(run.batch.tasks.order_by("row_number"), start=1):
        run.labels[("task", task.pk)] = f"task {number}"


def _workers(run: Run, *names: str) -> None:
    for name in names:
        worker = WorkerFactory()
        run.workers[name] = worker
        run.labels[("user", worker.pk)] = name


# --- workers, through their pages (the same in both runs) ------------------------------------


def _browser(run: Run, worker: str) -> Client:
    browser = Client()
    browser.force_login(run.workers[worker])
    return browser


def _accept(run: Run, worker: str) -> Assignment:
    """The worker accepts the project's next task on its page."""
    response = run.request(
        _browser(run, worker).post,
        reverse("work:project-accept", args=[run.project.public_id]),
    )
    assert response.status_code == 302
    assert "/work/assignments/" in response.url, response.url
    return run.assignment(worker)


def _submit(run: Run, worker: str, *, seconds: int = 30, answer: str = "positive") -> None:
    """The worker opens their assignment's page and its task frame, and posts the frame's form
    after `seconds` of work (their accept is dated that long before the submit's clock)."""
    browser = _browser(run, worker)
    assignment = run.assignment(worker)
    page = browser.get(reverse("work:assignment-detail", args=[assignment.public_id]))
    assert page.status_code == 200
    frame_url = html.unescape(re.search(r'<iframe[^>]* src="([^"]+)"', page.text).group(1))
    frame = browser.get(frame_url).content.decode()
    action = html.unescape(re.search(r'<form[^>]* action="([^"]+)"', frame).group(1))
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', frame))
    # The submit reads the clock once (work.services.assignment_submit): it is held still so
    # that the work time is `seconds` exactly, however slowly a loaded machine runs the post.
    now = timezone.now()
    Assignment.objects.filter(pk=assignment.pk).update(accepted_at=now - timedelta(seconds=seconds))
    with mock.patch("microwork.work.services.timezone.now", return_value=now):
        response = run.request(browser.post, action, {**hidden, "answer": answer})
    assert response.status_code == 200, response.content.decode()
    assert "Submitted, thank you" in response.content.decode()


def _do(run: Run, worker: str, **submit) -> None:
    _accept(run, worker)
    _submit(run, worker, **submit)


# --- the requester's pages -----------------------------------------------------------------


def _review_url(run: Run) -> str:
    return reverse("projects:batch-review", args=[run.batch.pk])


def _review(
    run: Run,
    action: str,
    *workers: str,
    reason: str = "",
    refused: bool = False,
    loaded_before_due: bool = False,
) -> None:
    """Post the review page's form: tick the workers' rows, press `action`. The page must offer
    the rows, unless it was loaded before their auto-approval time ran out
    (`loaded_before_due`): it offered them then. A refusal shows the page again with the
    form's error."""
    page = run.web.get(_review_url(run)).content.decode()
    selected = []
    for worker in workers:
        pk = run.assignment(worker).pk
        if not loaded_before_due:
            assert f'name="selected" value="{pk}"' in page, f"{worker}'s row has no checkbox"
        selected.append(pk)
    response = run.request(
        run.web.post,
        _review_url(run),
        {"action": action, "selected": selected, "reason": reason},
    )
    if refused:
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
    else:
        assert response.status_code == 302, response.context["form"].errors


def _bonus_page(run: Run, worker: str, amount: str, reason: str) -> None:
    """Send a bonus from the review page: the row's bonus form, with its request key."""
    public_id = run.assignment(worker).public_id
    page = run.web.get(_review_url(run)).content.decode()
    form = re.search(rf'<form id="bonus-{public_id}"[^>]*>.*?</form>', page, re.DOTALL).group(0)
    key = re.search(r'name="request_key" value="([^"]+)"', form).group(1)
    response = run.request(
        run.web.post,
        reverse("payments:bonus-send", args=[public_id]),
        {"amount": amount, "reason": reason, "request_key": key},
    )
    assert response.status_code == 302
    assert Bonus.objects.filter(assignment__public_id=public_id).exists()


# --- the scenarios ---------------------------------------------------------------------------


def _two_submissions(run: Run) -> None:
    _publish(run, slots=2)
    _workers(run, "ann", "bob")
    _do(run, "ann", answer="positive")
    _do(run, "bob", answer="negative")


def _approve_web(run: Run) -> None:
    _review(run, "approve", "ann", reason="Careful work")


def _approve_mturk(run: Run) -> None:
    run.request(
        run.mturk.approve_assignment,
        AssignmentId=run.assignment("ann").public_id,
        RequesterFeedback="Careful work",
    )


def _reject_web(run: Run) -> None:
    _review(run, "reject", "bob", reason="The sentence is positive.")


def _reject_mturk(run: Run) -> None:
    run.request(
        run.mturk.reject_assignment,
        AssignmentId=run.assignment("bob").public_id,
        RequesterFeedback="The sentence is positive.",
    )


def _overturn_web(run: Run) -> None:
    _reject_web(run)
    _review(run, "approve", "bob", reason="Read again: fair enough.")


def _overturn_mturk(run: Run) -> None:
    _reject_mturk(run)
    run.request(
        run.mturk.approve_assignment,
        AssignmentId=run.assignment("bob").public_id,
        RequesterFeedback="Read again: fair enough.",
        OverrideRejection=True,
    )


def _slow_batch(run: Run) -> None:
    """Two tasks of two slots at 0.10 for an estimated 20 s (18.00 / hour), but the work takes
    about a minute: the median of 50, 60, 70 and 80 s is 65 s, which 0.22 pays at the floor
    (12.02 / hour). Three submissions are enough to measure it (FEW_SUBMISSIONS)."""
    _publish(run, tasks=2, slots=2, reward_cents=10, estimated_seconds=20)
    _workers(run, "ann", "bob", "cid", "dee")
    for worker, seconds in (("ann", 50), ("bob", 60), ("cid", 70), ("dee", 80)):
        _do(run, worker, seconds=seconds)


def _approve_all_web(run: Run) -> None:
    _review(run, "approve_all")


def _approve_all_mturk(run: Run) -> None:
    """What a script does for "approve everything": each HIT's submitted assignments, listed,
    then approved one call at a time."""
    for task in run.batch.tasks.order_by("row_number"):
        listed = run.request(
            run.mturk.list_assignments_for_hit,
            HITId=task.public_id,
            AssignmentStatuses=["Submitted"],
        )["Assignments"]
        for assignment in listed:
            run.request(run.mturk.approve_assignment, AssignmentId=assignment["AssignmentId"])


def _approve_each_web(run: Run) -> None:
    """The review page, one submission a post, in the order the API script approves them."""
    for worker in ("ann", "bob", "cid", "dee"):
        _review(run, "approve", worker)


def _one_submission(run: Run) -> None:
    _publish(run, slots=2)
    _workers(run, "ann")
    _do(run, "ann")


def _bonus_web(run: Run) -> None:
    _bonus_page(run, "ann", "0.25", "Careful work")


def _bonus_mturk(run: Run) -> None:
    run.request(
        run.mturk.send_bonus,
        WorkerId=run.workers["ann"].worker_id,
        BonusAmount="0.25",
        AssignmentId=run.assignment("ann").public_id,
        Reason="Careful work",
        UniqueRequestToken="bonus-ann-1",
    )


def _past_auto_approval(run: Run) -> None:
    """Ann's submission waits past its auto-approval time; no sweep has approved it yet."""
    _one_submission(run)
    Assignment.objects.filter(pk=run.assignment("ann").pk).update(
        auto_approval_due_at=timezone.now() - timedelta(seconds=1)
    )


def _approve_late_web(run: Run) -> None:
    _review(run, "approve", "ann", reason="Careful work", loaded_before_due=True)


def _reject_late_web(run: Run) -> None:
    _review(
        run,
        "reject",
        "ann",
        reason="The sentence is negative.",
        refused=True,
        loaded_before_due=True,
    )


def _reject_late_mturk(run: Run) -> None:
    with pytest.raises(run.mturk.exceptions.RequestError) as refused:
        run.request(
            run.mturk.reject_assignment,
            AssignmentId=run.assignment("ann").public_id,
            RequesterFeedback="The sentence is negative.",
        )
    assert refused.value.response["TurkErrorCode"] == "AWS.MechanicalTurk.InvalidAssignmentState"


def _submitted_after_expiry(run: Run) -> None:
    """Ann accepts; the batch's lifetime runs out; Ann still submits (accepted work may be),
    and Bob, too late, is refused a task."""
    _publish(run, slots=2)
    _workers(run, "ann", "bob")
    _accept(run, "ann")
    Batch.objects.filter(pk=run.batch.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _submit(run, "ann")
    response = run.request(
        _browser(run, "bob").post, reverse("work:project-accept", args=[run.project.public_id])
    )
    assert response.url == reverse("work:marketplace")
    assert not Assignment.objects.filter(worker=run.workers["bob"]).exists()


def _approve_then_settle(approve: Callable[[Run], None]) -> Callable[[Run], None]:
    """Approve through a door, then let the job queue settle what is due (the batch has
    ended: its unused escrow goes back)."""

    def act(run: Run) -> None:
        approve(run)
        run.request(settle_due)

    return act


# --- the REST API ----------------------------------------------------------------------------


def _api(run: Run, action: str, worker: str, body: dict, *, status: int = 200, key: str = ""):
    """POST /api/v1/assignments/<worker's>/<action>; the answer must have `status`."""
    headers = {"Idempotency-Key": key} if key else None
    response = run.request(
        run.api.post,
        f"/api/v1/assignments/{run.assignment(worker).public_id}/{action}",
        body,
        headers=headers,
    )
    assert response.status_code == status, response.content
    return response.json()


def _approve_api(run: Run) -> None:
    _api(run, "approve", "ann", {"feedback": "Careful work"})


def _reject_api(run: Run) -> None:
    _api(run, "reject", "bob", {"reason": "The sentence is positive."})


def _overturn_api(run: Run) -> None:
    _reject_api(run)
    _api(run, "approve", "bob", {"feedback": "Read again: fair enough."})


def _approve_all_api(run: Run) -> None:
    """One request, as the page's "Approve all submitted" is one post."""
    response = run.request(
        run.api.post,
        f"/api/v1/batches/{run.batch.pk}/review",
        {"action": "approve", "all_submitted": True},
    )
    assert response.json() == {"reviewed": 4}, response.content


def _approve_each_api(run: Run) -> None:
    for worker in ("ann", "bob", "cid", "dee"):
        _api(run, "approve", worker, {})


def _bonus_api(run: Run) -> None:
    body = {"amount_cents": 25, "reason": "Careful work"}
    first = _api(run, "bonus", "ann", body, status=201, key="bonus-ann-1")
    # A retry with the same key: the same answer, no second bonus.
    assert _api(run, "bonus", "ann", body, status=201, key="bonus-ann-1") == first


def _reject_late_api(run: Run) -> None:
    problem = _api(run, "reject", "ann", {"reason": "The sentence is negative."}, status=409)
    assert problem["type"].endswith("/review-refused")


@dataclass(frozen=True)
class Scenario:
    setup: Callable[[Run], None]
    web: Callable[[Run], None]
    mturk: Callable[[Run], None]
    api: Callable[[Run], None]
    settings: dict = field(default_factory=dict)
    # False when the MTurk API does the act in a different number of requests: the web's one
    # "approve all" against the API's one call per assignment. The pay floor then raises after
    # the first commit through the API and after the last through the page, so the money takes
    # another path (top-ups, or a raised escrow and rewards paid at the new level) to the same
    # balances. Everything else is compared; the path is, in the one-post-each scenario.
    same_postings: bool = True


FEW_SUBMISSIONS = {"MICROWORK_PAY_FLOOR_MIN_SUBMISSIONS": 3}


SCENARIOS = {
    "approve a submission": Scenario(_two_submissions, _approve_web, _approve_mturk, _approve_api),
    "reject with a reason": Scenario(_two_submissions, _reject_web, _reject_mturk, _reject_api),
    "overturn a rejection": Scenario(
        _two_submissions, _overturn_web, _overturn_mturk, _overturn_api
    ),
    "approve all of a batch under the pay floor": Scenario(
        _slow_batch,
        _approve_all_web,
        _approve_all_mturk,
        _approve_all_api,
        settings=FEW_SUBMISSIONS,
        same_postings=False,
    ),
    "approve a batch under the pay floor one submission a request": Scenario(
        _slow_batch,
        _approve_each_web,
        _approve_all_mturk,
        _approve_each_api,
        settings=FEW_SUBMISSIONS,
    ),
    "send a bonus": Scenario(_one_submission, _bonus_web, _bonus_mturk, _bonus_api),
    "approve work past its auto-approval time": Scenario(
        _past_auto_approval, _approve_late_web, _approve_mturk, _approve_api
    ),
    "reject work past its auto-approval time (refused)": Scenario(
        _past_auto_approval, _reject_late_web, _reject_late_mturk, _reject_late_api
    ),
    "approve work submitted after the batch expired": Scenario(
        _submitted_after_expiry,
        _approve_then_settle(_approve_web),
        _approve_then_settle(_approve_mturk),
        _approve_then_settle(_approve_api),
    ),
}


# --- what a run leaves, normalised ------------------------------------------------------------


def _account(run: Run, account) -> tuple[str, str | None]:
    if account.kind == AccountKind.ESCROW:
        return account.kind, run.label("batch", account.batch_id)
    return account.kind, run.label("user", account.owner_id)


def _ledger(run: Run) -> list[tuple]:
    """Every posting touching this run's accounts, in the order written: its kind, what it is
    about, and its entries by account and amount."""
    mine = Posting.objects.filter(
        entries__account__owner__in=[pk for (kind, pk) in run.labels if kind == "user"]
    ) | Posting.objects.filter(entries__account__batch=run.batch)
    postings = (
        Posting.objects.filter(pk__in=mine.values("pk"))
        .prefetch_related("entries__account")
        .order_by("pk")
    )
    return [
        (
            posting.kind,
            run.label("batch", posting.batch_id),
            _assignment_label(run, posting.assignment_id),
            run.label("user", posting.actor_id),
            sorted(
                (*_account(run, entry.account), entry.amount_cents, entry.currency)
                for entry in posting.entries.all()
            ),
        )
        for posting in postings
    ]


def _assignment_label(run: Run, pk: int | None) -> str | None:
    if pk is None:
        return None
    assignment = Assignment.objects.get(pk=pk)
    return f"{run.label('task', assignment.task_id)} / {run.label('user', assignment.worker_id)}"


def _state(run: Run) -> dict:
    batch = Batch.objects.select_related("project").get(pk=run.batch.pk)
    assignments = Assignment.objects.filter(task__batch=batch).order_by("pk")
    notices = list(PayFloorNotice.objects.filter(batch=batch))
    postings = _ledger(run)
    return {
        "batch": {
            "status": batch.status,
            "reward_cents": batch.reward_cents,
            "is_expired": batch.is_expired(),
            # Whole minutes of lifetime: the same end, without the run's own clock.
            "lifetime_minutes": round((batch.expires_at - batch.published_at).total_seconds() / 60),
            "is_cancelled": batch.cancelled_at is not None,
        },
        "tasks": [
            (run.label("task", task.pk), task.max_assignments, task.open_slots)
            for task in Task.objects.filter(batch=batch).order_by("row_number")
        ],
        "assignments": sorted(
            (
                _assignment_label(run, assignment.pk),
                assignment.state,
                assignment.feedback,
                assignment.answers,
                assignment.work_seconds,
                assignment.reviewed_at is not None,
                assignment.is_auto_approved,
            )
            for assignment in assignments
        ),
        "bonuses": sorted(
            (
                _assignment_label(run, bonus.assignment_id),
                bonus.amount_cents,
                bonus.fee_cents,
                bonus.currency,
                bonus.reason,
            )
            for bonus in Bonus.objects.filter(assignment__task__batch=batch)
        ),
        "pay_floor_notices": sorted(
            (
                notice.median_seconds,
                notice.submissions,
                notice.old_reward_cents,
                notice.new_reward_cents,
                notice.missing_cents,
                notice.paused_batch,
                notice.is_applied,
            )
            for notice in notices
        ),
        # What this run's postings left on each account (the platform's and the outside
        # world's accounts are shared by both runs: only this run's entries count).
        "balances": {
            f"{kind} {owner}": total for (kind, owner), total in _totals(postings).items() if total
        },
        "postings": postings,
        "pay_floor_topups": sorted(
            (notice.topups_count, notice.topups_cents) for notice in notices
        ),
    }


# What the money's path is compared by, beside the balances it ends at.
PATH = ("postings", "pay_floor_topups")


def _totals(postings: list[tuple]) -> dict[tuple[str, str | None], int]:
    totals: dict[tuple[str, str | None], int] = {}
    for *_about, entries in postings:
        for kind, owner, amount, currency in entries:
            totals[f"{kind}:{currency}", owner] = (
                totals.get((f"{kind}:{currency}", owner), 0) + amount
            )
    return totals


def _through(door: str, scenario: Scenario, commit) -> dict:
    run = _new_run(commit)
    scenario.setup(run)
    getattr(scenario, door)(run)
    assert ledger_problems() == []
    return _state(run)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_pages_and_the_mturk_api_leave_the_same_state_and_ledger(
    name, settings, django_capture_on_commit_callbacks
):
    scenario = SCENARIOS[name]
    for setting, value in scenario.settings.items():
        setattr(settings, setting, value)

    through_pages = _through("web", scenario, django_capture_on_commit_callbacks)
    through_the_api = _through("mturk", scenario, django_capture_on_commit_callbacks)

    _assert_same(through_pages, through_the_api, same_postings=scenario.same_postings)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_pages_and_the_rest_api_leave_the_same_state_and_ledger(
    name, settings, django_capture_on_commit_callbacks
):
    """The REST API does each act in as many requests as the pages (a bulk review is one
    request), so the money's path is compared too, in every scenario."""
    scenario = SCENARIOS[name]
    for setting, value in scenario.settings.items():
        setattr(settings, setting, value)

    through_pages = _through("web", scenario, django_capture_on_commit_callbacks)
    through_the_api = _through("api", scenario, django_capture_on_commit_callbacks)

    _assert_same(through_pages, through_the_api, same_postings=True)


def _assert_same(through_pages: dict, through_the_api: dict, *, same_postings: bool) -> None:
    """Every part of what the two runs left is equal; the money's path too, if `same_postings`."""
    compared = [key for key in through_pages if same_postings or key not in PATH]
    for key in compared:
        assert through_the_api[key] == through_pages[key], key
    assert through_the_api.keys() == through_pages.keys()
