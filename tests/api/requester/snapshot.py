"""Every row a requester endpoint could change, to compare before and after a refused call."""

from microwork.api.requester.models import IdempotentRequest
from microwork.payments.models import Bonus, LedgerEntry, Posting
from microwork.projects.models import Batch, Project, Task
from microwork.quality.models import (
    BatchAggregation,
    ProjectRequirement,
    QualificationType,
    Rule,
    WorkerQualification,
)
from microwork.work.models import Assignment

MODELS = [
    Project,
    Batch,
    Task,
    Assignment,
    Posting,
    LedgerEntry,
    Bonus,
    QualificationType,
    WorkerQualification,
    Rule,
    ProjectRequirement,
    BatchAggregation,
    IdempotentRequest,
]


def rows() -> dict:
    # updated_at moves on any save: left out, so an unchanged row compares equal only if no
    # other field moved either.
    return {
        model.__name__: sorted(
            tuple(sorted((k, repr(v)) for k, v in row.items() if k != "updated_at"))
            for row in model.objects.values()
        )
        for model in MODELS
    }
