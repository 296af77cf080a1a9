"""The requester's own objects, by the ids the API shows: another requester's (or none) is a
404, never a 403, so ids cannot be probed."""

from django.shortcuts import get_object_or_404

from microwork.projects.models import Batch, Project
from microwork.quality.models import QualificationType
from microwork.work.models import Assignment


def own_project(request, project_id: str) -> Project:
    return get_object_or_404(Project, public_id=project_id, requester=request.auth)


def own_batch(request, batch_id: int) -> Batch:
    return get_object_or_404(
        Batch.objects.select_related("project"), pk=batch_id, project__requester=request.auth
    )


def own_assignment(request, assignment_id: str) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related("task__batch__project", "worker"),
        public_id=assignment_id,
        task__batch__project__requester=request.auth,
    )


def own_qualification(request, qualification_id: str) -> QualificationType:
    return get_object_or_404(
        QualificationType,
        public_id=qualification_id,
        owner=request.auth,
        deleted_at__isnull=True,
    )
