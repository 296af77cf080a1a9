"""Projects that already have a notification setting or a HIT with a review policy are marked
(projects.Project.mturk_hooks), so their work events keep finding them."""

from django.db import migrations
from django.db.models import Q


def mark(apps, schema_editor):
    Project = apps.get_model("projects", "Project")
    Project.objects.filter(
        Q(mturk_notification__isnull=False) | Q(batches__tasks__mturk_review_policies__isnull=False)
    ).update(mturk_hooks=True)


class Migration(migrations.Migration):
    dependencies = [
        ("mturk", "0003_notifications_and_review_policies"),
        ("projects", "0010_project_mturk_hooks"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
