"""What quality publishes: a new block, a lifted one, a grant that changes something, a
revocation; nothing on a refused act or a repeat."""

import pytest
from django.core.exceptions import ValidationError

from microwork.quality import events
from microwork.quality import services as quality
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.quality.factories import QualificationTypeFactory
from tests.recording import recorded

pytestmark = pytest.mark.django_db


def test_worker_blocked_once_per_block():
    requester, worker = RequesterFactory(), WorkerFactory()

    with recorded(events.worker_blocked) as published:
        block = quality.worker_block_create(requester=requester, worker=worker, reason="Copied")
        quality.worker_block_create(requester=requester, worker=worker, reason="Copied twice")
        with pytest.raises(ValidationError):
            quality.worker_block_create(requester=requester, worker=WorkerFactory(), reason=" ")

    assert published == [
        events.WorkerBlocked(block_id=block.pk, requester_id=requester.pk, worker_id=worker.pk)
    ]


def test_worker_unblocked_once_and_not_when_there_was_no_block():
    requester, worker = RequesterFactory(), WorkerFactory()
    quality.worker_block_create(requester=requester, worker=worker, reason="Copied")

    with recorded(events.worker_unblocked) as published:
        quality.worker_block_delete(requester=requester, worker=worker)
        quality.worker_block_delete(requester=requester, worker=worker)

    assert published == [events.WorkerUnblocked(requester_id=requester.pk, worker_id=worker.pk)]


def test_qualification_granted_when_it_changes_something():
    kind = QualificationTypeFactory()
    requester, worker = kind.owner, WorkerFactory()

    with recorded(events.qualification_granted, events.qualification_revoked) as published:
        quality.qualification_grant(qualification_type=kind, worker=worker, requester=requester)
        quality.qualification_grant(qualification_type=kind, worker=worker, requester=requester)
        quality.qualification_grant(
            qualification_type=kind, worker=worker, requester=requester, integer_value=80
        )
        with pytest.raises(quality.QualityRefused):
            quality.qualification_grant(
                qualification_type=kind, worker=worker, requester=RequesterFactory()
            )
        quality.qualification_revoke(qualification_type=kind, worker=worker, requester=requester)
        quality.qualification_revoke(qualification_type=kind, worker=worker, requester=requester)

    ids = {"qualification_type_id": kind.pk, "requester_id": requester.pk, "worker_id": worker.pk}
    assert published == [
        events.QualificationGranted(**ids, integer_value=1),
        events.QualificationGranted(**ids, integer_value=80),
        events.QualificationRevoked(**ids),
    ]
