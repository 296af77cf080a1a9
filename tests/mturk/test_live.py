"""boto3 over real HTTP against a live test server (PostgreSQL: live_server needs transactional
tests, whose flush the ledger's append-only triggers refuse on SQLite)."""

import pytest

from microwork.mturk import services
from microwork.payments.invariants import ledger_problems
from microwork.projects.models import Task
from microwork.work import services as work
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.mturk.conftest import make_client
from tests.mturk.test_endpoint import HIT
from tests.payments.factories import fund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_boto3_round_trip_over_http(live_server):
    requester = RequesterFactory()
    fund(requester, 10_000)
    key, secret = services.access_key_create(requester=requester)
    mturk = make_client(key.access_key_id, secret, endpoint=f"{live_server.url}/mturk/")

    assert mturk.get_account_balance()["AvailableBalance"] == "100.00"
    hit_type = mturk.create_hit_type(
        AssignmentDurationInSeconds=120, Reward="0.50", Title="T", Description="D"
    )["HITTypeId"]
    hit = mturk.create_hit_with_hit_type(
        HITTypeId=hit_type, LifetimeInSeconds=600, MaxAssignments=1, Question=HIT["Question"]
    )["HIT"]
    worker = WorkerFactory()
    assignment = work.assignment_claim(worker=worker, task=Task.objects.get(public_id=hit["HITId"]))
    work.assignment_submit(assignment=assignment, fields={"answer": ["ok"]}, worker=worker)
    listed = mturk.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    mturk.approve_assignment(AssignmentId=listed[0]["AssignmentId"], OverrideRejection=True)

    assert mturk.get_account_balance()["AvailableBalance"] == "99.40"
    assert ledger_problems() == []
    with pytest.raises(mturk.exceptions.RequestError):
        mturk.get_hit(HITId="NOSUCHHIT")
