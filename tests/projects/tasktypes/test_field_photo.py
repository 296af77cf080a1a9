import io
import json

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from PIL import Image

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes import ConfigInvalid
from microwork.projects.tasktypes.field_photo import GPS_IFD, haversine_m
from microwork.projects.templating import AnswerInvalid
from microwork.work import results, services
from microwork.work.enums import AssignmentState
from tests.accounts.factories import RequesterFactory
from tests.projects.tasktypes.conftest import answer, parsed, rendered

KIND = TemplateKind.FIELD_PHOTO
CONFIG = {
    "place_column": "place",
    "latitude_column": "lat",
    "longitude_column": "lon",
    "radius_m": 200,
    "max_mb": 1,
}
# The Colosseum, Rome.
ROW = {"place": "Colosseum", "lat": "41.8902", "lon": "12.4922"}
HERE = {"latitude": ["41.8905"], "longitude": ["12.4925"], "accuracy_m": ["12"]}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Workers' photos go to the private storage (here tmp_path/private), never MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    return tmp_path


def jpeg_with_gps(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_IFD] = {1: "N", 2: (41.0, 53.0, 24.0), 3: "E", 4: (12.0, 29.0, 32.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def photo_files(content: bytes, name="shelf.jpg"):
    return MultiValueDict({"photo": [SimpleUploadedFile(name, content, "image/jpeg")]})


def test_haversine_is_right_on_a_known_distance():
    # Paris (Notre-Dame) to London (St Paul's): about 342 km.
    assert haversine_m(48.8530, 2.3499, 51.5138, -0.0984) == pytest.approx(342_000, rel=0.01)


def test_config_refuses_a_radius_out_of_range():
    with pytest.raises(ConfigInvalid) as raised:
        parsed(KIND, {**CONFIG, "radius_m": 5})

    assert raised.value.field == "radius_m"


def test_render_tells_the_worker_about_position_and_exif_and_posts_a_file():
    html = rendered(KIND, CONFIG, ROW)

    assert "Any location stored in the photo file is removed" in html
    assert 'type="file" name="photo"' in html
    assert 'capture="environment" required' in html
    assert "<dd>41.8902, 12.4922</dd>" in html
    kept = rendered(KIND, {**CONFIG, "keep_location_exif": True}, ROW)
    assert "with any location stored in it" in kept


def test_good_photo_is_stored_without_gps_exif():
    stored = answer(KIND, CONFIG, HERE, files=photo_files(jpeg_with_gps()), row=ROW)

    assert stored["distance_m"] == pytest.approx(42.5, abs=1)
    assert stored["accuracy_m"] == 12.0
    assert stored["latitude"] == 41.8905
    with storages["private"].open(stored["photo"]) as handle:
        exif = Image.open(handle).getexif()
    assert GPS_IFD not in exif
    assert exif[0x010F] == "PhoneMaker"


def test_photo_keeps_gps_exif_when_the_project_asks():
    config = {**CONFIG, "keep_location_exif": True}

    stored = answer(KIND, config, HERE, files=photo_files(jpeg_with_gps()), row=ROW)

    with storages["private"].open(stored["photo"]) as handle:
        assert GPS_IFD in Image.open(handle).getexif()


def test_position_outside_the_radius_is_refused():
    far = {**HERE, "latitude": ["41.9000"]}  # about 1 km north

    with pytest.raises(AnswerInvalid, match="farther than the 200 m allowed") as raised:
        answer(KIND, CONFIG, far, files=photo_files(jpeg_with_gps()), row=ROW)

    assert raised.value.field == "latitude"


def test_radius_can_come_from_the_row():
    config = {**CONFIG, "radius_column": "radius"}
    far = {**HERE, "latitude": ["41.9000"]}

    stored = answer(
        KIND, config, far, files=photo_files(jpeg_with_gps()), row={**ROW, "radius": "2000"}
    )

    assert stored["distance_m"] > 1000


@pytest.mark.parametrize(
    "position",
    [{}, {"latitude": ["91"], "longitude": ["0"]}, {"latitude": ["x"], "longitude": ["1"]}],
)
def test_missing_or_impossible_position_is_refused(position):
    with pytest.raises(AnswerInvalid, match="position is missing"):
        answer(
            KIND,
            CONFIG,
            {"accuracy_m": ["5"], **position},
            files=photo_files(jpeg_with_gps()),
            row=ROW,
        )


def test_non_image_is_refused():
    with pytest.raises(AnswerInvalid, match="not a photo we can read") as raised:
        answer(KIND, CONFIG, HERE, files=photo_files(b"GIF89a not really"), row=ROW)

    assert raised.value.field == "photo"


def test_truncated_jpeg_is_refused():
    content = jpeg_with_gps((400, 300))

    with pytest.raises(AnswerInvalid, match="not a photo we can read"):
        answer(KIND, CONFIG, HERE, files=photo_files(content[: len(content) // 2]), row=ROW)


def test_photo_over_the_size_limit_is_refused():
    noise = Image.effect_noise((1200, 1200), 100).convert("RGB")
    buffer = io.BytesIO()
    noise.save(buffer, format="PNG")
    assert buffer.tell() > 1_000_000

    with pytest.raises(AnswerInvalid, match="larger than 1 MB"):
        answer(KIND, CONFIG, HERE, files=photo_files(buffer.getvalue(), "big.png"), row=ROW)


def test_missing_photo_is_refused():
    with pytest.raises(AnswerInvalid, match="Take or choose a photo") as raised:
        answer(KIND, CONFIG, HERE, files=MultiValueDict(), row=ROW)

    assert raised.value.field == "photo"


def test_refused_submission_stores_no_answer_and_no_file(make_assignment, media):
    assignment = make_assignment(KIND, CONFIG, ROW)

    with pytest.raises(services.WorkRefused):
        services.assignment_submit(
            assignment=assignment,
            fields={**HERE, "latitude": ["40.0"]},
            files=photo_files(jpeg_with_gps()),
        )

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACCEPTED
    assert not assignment.answers
    assert not list(media.rglob("*.jpg"))


@pytest.fixture
def submitted(make_assignment):
    assignment = make_assignment(KIND, CONFIG, ROW)
    services.assignment_submit(
        assignment=assignment, fields=HERE, files=photo_files(jpeg_with_gps())
    )
    assignment.refresh_from_db()
    return assignment


def test_photo_is_stored_outside_the_public_media_root(submitted, media):
    name = submitted.answers["photo"]

    assert (media / "private" / name).is_file()
    assert not any(path.is_file() for path in (media / "public").rglob("*"))


def test_results_give_the_photo_as_a_download_address(submitted):
    url = reverse("projects:answer-file", args=[submitted.public_id, "photo"])

    jsonl = json.loads(next(results.results_jsonl(submitted.task.batch)))
    csv_text = "".join(results.results_csv(submitted.task.batch))

    assert jsonl["Answer"]["photo"] == url
    assert url in csv_text


def test_requester_downloads_the_stripped_photo(client, submitted):
    client.force_login(submitted.task.batch.project.requester)

    response = client.get(reverse("projects:answer-file", args=[submitted.public_id, "photo"]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert GPS_IFD not in image.getexif()


def test_another_requester_cannot_download_the_photo(client, submitted):
    client.force_login(RequesterFactory())

    response = client.get(reverse("projects:answer-file", args=[submitted.public_id, "photo"]))

    assert response.status_code == 404


def test_worker_and_anonymous_cannot_download_the_photo(client, submitted):
    url = reverse("projects:answer-file", args=[submitted.public_id, "photo"])

    assert client.get(url).status_code == 302
    client.force_login(submitted.worker)
    assert client.get(url).status_code in (302, 403, 404)


def test_only_file_fields_are_served(client, submitted):
    client.force_login(submitted.task.batch.project.requester)

    response = client.get(reverse("projects:answer-file", args=[submitted.public_id, "latitude"]))

    assert response.status_code == 404
