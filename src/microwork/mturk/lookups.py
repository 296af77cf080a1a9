"""Finding the objects an operation names, scoped to the caller; the MTurk error otherwise."""

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.mturk import errors, selectors
from microwork.quality.models import QualificationType


def hit(requester: User, hit_id: str, *, disposed: bool = False):
    """The requester's HIT; a deleted (disposed) one only if `disposed`: GetHIT reports it as
    Disposed, as a second DeleteHIT does, while other operations find no such HIT."""
    task = selectors.hit_for_requester(requester=requester, hit_id=hit_id, disposed=disposed)
    if task is None:
        raise errors.hit_does_not_exist(hit_id)
    return task


def assignment(requester: User, assignment_id: str):
    found = selectors.assignment_for_requester(requester=requester, assignment_id=assignment_id)
    if found is None:
        raise errors.assignment_does_not_exist(assignment_id)
    return found


def worker(worker_id: str) -> User:
    found = User.objects.filter(worker_id=worker_id, role=Role.WORKER).first()
    if found is None:
        raise errors.worker_invalid(worker_id)
    return found


def own_qualification_type(requester: User, type_id: str) -> QualificationType:
    found = QualificationType.objects.filter(
        public_id=type_id, owner=requester, deleted_at__isnull=True
    ).first()
    if found is None:
        raise errors.qualification_type_does_not_exist(type_id)
    return found
