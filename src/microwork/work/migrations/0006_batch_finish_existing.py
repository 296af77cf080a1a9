"""Batches already finished when BatchFinish arrived are recorded as finished now, so the first
sweep after the upgrade does not announce every old batch (batch_finished, work/events.py)."""

from django.db import migrations
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone


def record_finished(apps, schema_editor):
    Batch = apps.get_model("projects", "Batch")
    Task = apps.get_model("projects", "Task")
    Assignment = apps.get_model("work", "Assignment")
    BatchFinish = apps.get_model("work", "BatchFinish")
    now = timezone.now()
    pending = Assignment.objects.filter(
        task__batch=OuterRef("pk"), state__in=["accepted", "submitted"]
    )
    open_task = Task.objects.filter(batch=OuterRef("pk"), open_slots__gt=0)
    finished = (
        Batch.objects.exclude(status="draft")
        .filter(~Exists(pending))
        .filter(Q(status="cancelled") | Q(expires_at__lte=now) | ~Exists(open_task))
        .values_list("pk", flat=True)
    )
    BatchFinish.objects.bulk_create(
        (BatchFinish(batch_id=pk, finished_at=now) for pk in finished.iterator()),
        batch_size=500,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("work", "0005_batch_finish"),
        ("projects", "0008_task_claim_indexes"),
    ]

    operations = [migrations.RunPython(record_finished, migrations.RunPython.noop)]
