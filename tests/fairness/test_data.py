"""A worker's data: everything in the export, and an account deletion that keeps the books."""

import io
import json
import zipfile
from datetime import timedelta

import pytest

from microwork.accounts.models import User, WorkerProfile
from microwork.fairness import export, services
from microwork.fairness.enums import AppealState
from microwork.fairness.models import Appeal
from microwork.payments.invariants import ledger_problems
from microwork.payments.models import LedgerEntry
from microwork.work import services as work
from microwork.work.models import Assignment
from tests.accounts.factories import PASSWORD, WorkerFactory
from tests.fairness.factories import REASON, rule_action
from tests.quality.factories import WorkerBlockFactory, WorkerProfileFactory
from tests.work.factories import SubmittedAssignmentFactory

pytestmark = pytest.mark.django_db


def _worker_with_history():
    profile = WorkerProfileFactory(country="FR", subdivision="", is_adult=True)
    worker = profile.user
    assignment = SubmittedAssignmentFactory(worker=worker, answers={"answer": "=cmd"})
    requester = assignment.task.batch.project.requester
    work.assignment_approve(assignment=assignment, requester=requester)
    services.requester_rating_set(
        worker=worker, requester=requester, fair=4, fast=4, pay=4, communication=4
    )
    block = WorkerBlockFactory(worker=worker, reason="Too fast.")
    services.appeal_block_open(worker=worker, block=block, message="I read carefully.")
    return worker, assignment


def test_export_holds_everything_about_the_worker():
    worker, assignment = _worker_with_history()
    WorkerFactory()  # someone else, not in the export

    data = export.worker_data(worker)

    assert data["account"][0]["email"] == worker.email
    assert data["account"][0]["country"] == "FR"
    assert [row["assignment_id"] for row in data["assignments"]] == [assignment.public_id]
    assert data["assignments"][0]["answers"] == {"answer": "=cmd"}
    assert data["assignments"][0]["work_seconds"] == 42
    assert [(row["kind"], row["amount_cents"]) for row in data["ledger"]] == [("reward", 50)]
    assert data["ratings"][0]["fair"] == 4
    assert data["appeals"][0]["message"] == "I read carefully."
    assert data["blocks"][0]["reason"] == "Too fast."


def test_export_zip_has_json_and_safe_csv():
    worker, assignment = _worker_with_history()

    archive = zipfile.ZipFile(io.BytesIO(export.worker_data_zip(worker)))

    assert set(archive.namelist()) == {
        "data.json",
        "account.csv",
        "assignments.csv",
        "ledger.csv",
        "payouts.csv",
        "ratings.csv",
        "appeals.csv",
        "qualifications.csv",
        "blocks.csv",
        "rule_actions.csv",
    }
    data = json.loads(archive.read("data.json"))
    assert data["assignments"][0]["assignment_id"] == assignment.public_id
    assignments_csv = archive.read("assignments.csv").decode()
    assert assignment.public_id in assignments_csv
    assert '"{""answer"": ""=cmd""}"' in assignments_csv  # JSON text, not a formula cell


def test_account_delete_erases_personal_data_and_keeps_the_books():
    worker, assignment = _worker_with_history()
    worker_id = worker.worker_id
    entries = LedgerEntry.objects.filter(account__owner=worker).count()

    services.worker_account_delete(worker=worker)

    worker = User.objects.get(pk=worker.pk)
    assert worker.email == f"deleted-{worker_id.lower()}@deleted.invalid"
    assert worker.display_name == ""
    assert not worker.has_usable_password()
    assert not worker.check_password(PASSWORD)
    assert not worker.is_active
    assert worker.worker_id == worker_id
    assert not WorkerProfile.objects.filter(user=worker).exists()
    appeal = Appeal.objects.get(worker=worker)
    assert appeal.message == services.ERASED_MESSAGE
    assert appeal.state == AppealState.OPEN
    assert Assignment.objects.get(pk=assignment.pk).answers == {"answer": "=cmd"}
    assert LedgerEntry.objects.filter(account__owner=worker).count() == entries
    assert ledger_problems() == []


def test_export_holds_rule_actions_and_their_appeals():
    worker = WorkerFactory()
    action = rule_action(worker=worker)
    appeal = services.appeal_rule_action_open(worker=worker, action=action, message="Look again.")
    rule_action()  # someone else's, not in the export

    data = export.worker_data(worker)

    assert data["rule_actions"] == [
        {
            "rule_action_id": action.pk,
            "project": action.project.title,
            "action": "block",
            "reason": REASON,
            "observed_percent": 50,
            "observations": 10,
            "date": action.created_at.isoformat(),
            "lifted_at": "",
        }
    ]
    [row] = data["appeals"]
    assert (row["appeal_id"], row["subject"], row["rule_action_id"], row["assignment_id"]) == (
        appeal.public_id,
        "rule_action",
        action.pk,
        "",
    )
    assert (row["appealed_reason"], row["message"]) == (REASON, "Look again.")


def test_account_delete_erases_a_rule_action_appeals_message_and_keeps_its_course():
    worker = WorkerFactory()
    action = rule_action(worker=worker)
    appeal = services.appeal_rule_action_open(worker=worker, action=action, message="My name is…")

    services.worker_account_delete(worker=worker)

    appeal.refresh_from_db()
    assert appeal.message == services.ERASED_MESSAGE
    assert (appeal.state, appeal.appealed_reason, appeal.rule_action_id) == (
        AppealState.OPEN,
        REASON,
        action.pk,
    )
    assert export.worker_data(worker)["appeals"][0]["message"] == services.ERASED_MESSAGE
    # The requester's silence still decides for the (deleted) worker.
    services.appeals_grant_overdue(now=appeal.answer_due_at + timedelta(seconds=1))
    action.refresh_from_db()
    assert action.lifted_at is not None


def test_export_csv_of_a_table_without_rows_still_has_its_header():
    """The zip of a new worker had five empty files out of ten (issue 16)."""
    worker = WorkerFactory()

    archive = zipfile.ZipFile(io.BytesIO(export.worker_data_zip(worker)))

    for name, columns in export.COLUMNS.items():
        lines = archive.read(f"{name}.csv").decode().splitlines()
        expected_rows = 1 if name == "account" else 0
        assert lines[0] == ",".join(columns), name
        assert len(lines) == 1 + expected_rows, name


def test_export_rows_have_exactly_the_declared_columns():
    worker, _assignment = _worker_with_history()

    data = export.worker_data(worker)

    assert set(data) == set(export.COLUMNS)
    for name, rows in data.items():
        for row in rows:
            assert list(row) == export.COLUMNS[name], name
