"""The private storage on an S3-compatible bucket (django-storages), against moto's S3."""

import io

import boto3
import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from moto import mock_aws
from PIL import Image

from microwork.projects.tasktypes.field_photo import GPS_IFD
from microwork.settings import private_storage
from microwork.work import services
from tests.projects.tasktypes.test_field_photo import CONFIG, HERE, KIND, ROW, jpeg_with_gps
from tests.projects.tasktypes.test_field_photo import photo_files as photo

BUCKET = "mw-private"
REGION = "eu-west-3"


def test_without_a_bucket_the_private_storage_is_a_folder_of_the_data_dir():
    assert private_storage({}) == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(django_settings.DATA_DIR / "private")},
    }


def test_a_bucket_makes_it_a_private_s3_storage_with_signed_addresses():
    environ = {
        "MICROWORK_S3_BUCKET": BUCKET,
        "MICROWORK_S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud",
        "MICROWORK_S3_REGION": "fr-par",
        "MICROWORK_S3_PREFIX": "prod/private",
    }

    assert private_storage(environ) == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "location": "prod/private",
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "endpoint_url": "https://s3.fr-par.scw.cloud",
            "region_name": "fr-par",
        },
    }


@pytest.fixture
def s3(settings, monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        environ = {"MICROWORK_S3_BUCKET": BUCKET, "MICROWORK_S3_REGION": REGION}
        settings.STORAGES = {**settings.STORAGES, "private": private_storage(environ)}
        yield client


def _keys(client):
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_a_field_photo_lands_in_the_bucket_without_its_location(s3, make_assignment, client):
    assignment = make_assignment(KIND, CONFIG, ROW)

    services.assignment_submit(assignment=assignment, fields=HERE, files=photo(jpeg_with_gps()))

    assignment.refresh_from_db()
    name = assignment.answers["photo"]
    assert _keys(s3) == [f"private/{name}"]
    stored = s3.get_object(Bucket=BUCKET, Key=f"private/{name}")["Body"].read()
    assert GPS_IFD not in Image.open(io.BytesIO(stored)).getexif()
    acl = s3.get_object_acl(Bucket=BUCKET, Key=f"private/{name}")
    assert [grant["Permission"] for grant in acl["Grants"]] == ["FULL_CONTROL"]  # owner only

    client.force_login(assignment.task.batch.project.requester)
    response = client.get(reverse("projects:answer-file", args=[assignment.public_id, "photo"]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored


def test_a_refused_photo_leaves_the_bucket_empty(s3, make_assignment):
    assignment = make_assignment(KIND, CONFIG, ROW)

    with pytest.raises(services.WorkRefused):
        services.assignment_submit(
            assignment=assignment,
            fields={**HERE, "latitude": ["40.0"]},
            files=photo(jpeg_with_gps()),
        )

    assert _keys(s3) == []
    assignment.refresh_from_db()
    assert not assignment.answers
