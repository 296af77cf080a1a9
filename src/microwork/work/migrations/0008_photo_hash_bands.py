"""An index of each field photo's hash bytes, so the duplicate search reads only the photos
that share a byte with the new one (work/photo_checks.py, docs/adr/0027). Photos checked before
get their bands here."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from microwork.work.photo_checks import band_keys


def band_existing_photos(apps, schema_editor):
    PhotoCheck = apps.get_model("work", "PhotoCheck")
    PhotoHashBand = apps.get_model("work", "PhotoHashBand")
    batch = []
    for pk, requester_id, phash in PhotoCheck.objects.values_list(
        "pk", "requester_id", "phash"
    ).iterator(chunk_size=2000):
        batch += [
            PhotoHashBand(photo_id=pk, requester_id=requester_id, key=key)
            for key in band_keys(phash)
        ]
        if len(batch) >= 16000:
            PhotoHashBand.objects.bulk_create(batch)
            batch = []
    PhotoHashBand.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('work', '0007_photo_checks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PhotoHashBand',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.PositiveSmallIntegerField()),
                ('photo', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='bands', to='work.photocheck')),
                ('requester', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['requester', 'key'], name='photo_band_requester_key')],
                'constraints': [models.UniqueConstraint(fields=('photo', 'key'), name='photo_band_once'), models.CheckConstraint(condition=models.Q(('key__lt', 2048)), name='photo_band_key_range')],
            },
        ),
        migrations.RunPython(band_existing_photos, migrations.RunPython.noop),
    ]
