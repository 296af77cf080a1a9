from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("work", "0002_auto_approval"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="assignment",
            index=models.Index(
                condition=models.Q(("state", "accepted")),
                fields=["worker"],
                name="assignment_worker_open",
            ),
        ),
    ]
