from django.db import migrations, models
from django.db.models import F


def grandfather_existing(apps, schema_editor):
    """Accounts made before addresses were verified keep what they could do: their address
    counts as verified from the day they joined (docs/adr/0027). Only new sign-ups and changed
    addresses wait for a link."""
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_verified_at__isnull=True).update(email_verified_at=F("date_joined"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_api_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="email verified"),
        ),
        migrations.RunPython(grandfather_existing, migrations.RunPython.noop, elidable=True),
    ]
