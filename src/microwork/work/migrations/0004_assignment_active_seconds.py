from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("work", "0003_assignment_worker_open"),
    ]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="active_seconds",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
    ]
