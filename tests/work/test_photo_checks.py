"""Field photos that are what they claim (work/photo_checks.py, docs/adr/0027), with real
pictures drawn by Pillow: the same picture sent again (as is, resized, recompressed, as PNG)
is flagged with the earlier one named, different pictures are not; too dark and blurred
pictures are flagged with their measure; an EXIF capture time outside the assignment's window
is flagged. Flags are shown to the requester on the review page, with the reason."""

import io
import random
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from PIL import Image, ImageDraw, ImageFilter

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes.photo_measures import EXIF_IFD, MEASURES_KEY
from microwork.work import photo_checks, services
from microwork.work.enums import AssignmentState
from microwork.work.models import PhotoCheck
from tests.accounts.factories import RequesterFactory, WorkerFactory
from tests.projects.factories import ProjectFactory, PublishedBatchFactory, TaskFactory
from tests.work.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

CONFIG = {
    "place_column": "place",
    "latitude_column": "lat",
    "longitude_column": "lon",
    "radius_m": 200,
    "max_mb": 5,
}
ROW = {"place": "Colosseum", "lat": "41.8902", "lon": "12.4922"}
HERE = {"latitude": ["41.8905"], "longitude": ["12.4925"], "accuracy_m": ["12"]}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    settings.MICROWORK_PHOTO_MIN_BRIGHTNESS = 40
    settings.MICROWORK_PHOTO_MIN_SHARPNESS = 50
    settings.MICROWORK_PHOTO_DUPLICATE_DISTANCE = 6
    settings.MICROWORK_PHOTO_CLOCK_SLACK_SECONDS = 300


def scene(seed: int, size=(800, 600)) -> Image.Image:
    """A picture of many coloured boxes: sharp edges, mid brightness, unlike any other seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(90, 170),) * 3)
    draw = ImageDraw.Draw(image)
    for _ in range(150):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(10, 160), rng.randrange(10, 160)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.rectangle([x, y, x + w, y + h], fill=colour)
    return image


def encoded(image: Image.Image, *, format="JPEG", quality=90, taken: str = "", offset=""):
    exif = Image.Exif()
    if taken:
        ifd = exif.get_ifd(EXIF_IFD)
        ifd[0x9003] = taken  # DateTimeOriginal
        if offset:
            ifd[0x9011] = offset  # OffsetTimeOriginal
    buffer = io.BytesIO()
    options = {"quality": quality} if format == "JPEG" else {}
    image.save(buffer, format=format, exif=exif.tobytes(), **options)
    return buffer.getvalue()


def send(requester, content: bytes, *, worker=None, name="photo.jpg"):
    """Submit `content` as a field photo for a fresh task of one of `requester`'s projects."""
    project = ProjectFactory(
        requester=requester,
        template_kind=TemplateKind.FIELD_PHOTO,
        template_html="",
        template_config=CONFIG,
    )
    batch = PublishedBatchFactory(project=project, columns=list(ROW))
    task = TaskFactory(batch=batch, input=ROW)
    assignment = AssignmentFactory(task=task, worker=worker or WorkerFactory())
    files = MultiValueDict({"photo": [SimpleUploadedFile(name, content, "image/jpeg")]})
    services.assignment_submit(assignment=assignment, fields=HERE, files=files)
    assignment.refresh_from_db()
    return assignment


# --- the same picture again ----------------------------------------------------------------


def test_the_same_picture_sent_again_by_another_worker_names_the_first():
    requester = RequesterFactory()
    content = encoded(scene(1))

    first = send(requester, content)
    second = send(requester, content)

    assert not first.photo_check.is_flagged
    check = second.photo_check
    assert (check.duplicate_of_id, check.duplicate_distance) == (first.pk, 0)
    assert check.is_flagged and not (check.is_dark or check.is_blurred)
    assert MEASURES_KEY not in second.answers


def test_the_same_worker_sending_a_picture_twice_is_flagged_too():
    requester, worker = RequesterFactory(), WorkerFactory()

    first = send(requester, encoded(scene(2)), worker=worker)
    second = send(requester, encoded(scene(2)), worker=worker)

    assert second.photo_check.duplicate_of_id == first.pk


@pytest.mark.parametrize(
    "variant",
    [
        lambda image: encoded(image.resize((400, 300)), quality=35),
        lambda image: encoded(image.resize((1200, 900)), quality=60),
        lambda image: encoded(image, format="PNG"),
        lambda image: encoded(image.crop((8, 6, 792, 594)), quality=70),
    ],
    ids=["smaller-recompressed", "larger", "png", "trimmed-edges"],
)
def test_a_resized_or_recompressed_copy_is_the_same_picture(variant):
    requester = RequesterFactory()
    original = send(requester, encoded(scene(3)))

    copy = send(requester, variant(scene(3)))

    assert copy.photo_check.duplicate_of_id == original.pk
    assert copy.photo_check.duplicate_distance <= 6


def test_different_pictures_are_not_duplicates():
    requester = RequesterFactory()
    sent = [send(requester, encoded(scene(seed))) for seed in range(10, 16)]

    assert [a.photo_check.duplicate_of_id for a in sent] == [None] * 6
    hashes = [a.photo_check.phash for a in sent]
    closest = min(photo_checks.hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :])
    assert closest > 6


def test_another_requesters_photos_are_not_compared():
    content = encoded(scene(4))
    send(RequesterFactory(), content)

    other = send(RequesterFactory(), content)

    assert other.photo_check.duplicate_of_id is None


# --- dark and blurred ----------------------------------------------------------------------


def test_a_dark_picture_is_flagged_with_its_brightness():
    dark = scene(5).point(lambda value: value // 8)

    check = send(RequesterFactory(), encoded(dark)).photo_check

    assert check.is_dark and check.brightness < 40
    assert photo_checks.reasons(check)[0].startswith(
        f"Too dark: mean brightness {check.brightness}"
    )


def test_a_blurred_picture_is_flagged_and_a_sharp_one_is_not():
    requester = RequesterFactory()
    sharp = send(requester, encoded(scene(6))).photo_check
    blurred = send(requester, encoded(scene(7).filter(ImageFilter.GaussianBlur(4)))).photo_check

    assert (sharp.is_blurred, sharp.is_dark) == (False, False)
    assert sharp.sharpness > 200
    assert blurred.is_blurred and blurred.sharpness < 50
    assert not blurred.is_dark


# --- when it was taken ---------------------------------------------------------------------


def _exif_time(moment: datetime) -> str:
    return moment.strftime("%Y:%m:%d %H:%M:%S")


def test_a_capture_time_inside_the_window_is_not_flagged():
    now = timezone.now()

    check = send(
        RequesterFactory(), encoded(scene(8), taken=_exif_time(now), offset="+00:00")
    ).photo_check

    assert check.taken_at_has_offset
    assert abs(check.taken_at - now) < timedelta(seconds=2)
    assert not check.is_outside_window


def test_a_photo_taken_two_days_before_the_accept_is_flagged():
    then = timezone.now() - timedelta(days=2)

    check = send(
        RequesterFactory(), encoded(scene(9), taken=_exif_time(then), offset="+00:00")
    ).photo_check

    assert check.is_outside_window
    assert "outside the time the task was open" in photo_checks.reasons(check)[0]


def test_the_offset_turns_the_cameras_local_time_into_utc():
    # 12:00 at UTC+02:00 is 10:00 UTC: the photo is from two hours before now.
    local = (timezone.now() + timedelta(hours=2)).replace(tzinfo=None)

    check = send(
        RequesterFactory(), encoded(scene(20), taken=_exif_time(local), offset="+02:00")
    ).photo_check

    assert abs(check.taken_at - timezone.now()) < timedelta(seconds=5)
    assert not check.is_outside_window


def test_a_local_time_without_offset_gets_the_widest_time_zones_of_slack():
    now = timezone.now()
    near = send(RequesterFactory(), encoded(scene(21), taken=_exif_time(now + timedelta(hours=9))))
    old = send(RequesterFactory(), encoded(scene(22), taken=_exif_time(now - timedelta(days=3))))

    assert not near.photo_check.taken_at_has_offset
    assert not near.photo_check.is_outside_window
    assert old.photo_check.is_outside_window


def test_a_photo_without_exif_time_is_not_flagged_for_it():
    check = send(RequesterFactory(), encoded(scene(23))).photo_check

    assert check.taken_at is None
    assert not check.is_outside_window


# --- refused answers, and the review page --------------------------------------------------


def test_a_refused_photo_leaves_no_check():
    requester = RequesterFactory()
    project = ProjectFactory(
        requester=requester,
        template_kind=TemplateKind.FIELD_PHOTO,
        template_html="",
        template_config=CONFIG,
    )
    batch = PublishedBatchFactory(project=project, columns=list(ROW))
    assignment = AssignmentFactory(task=TaskFactory(batch=batch, input=ROW))
    files = MultiValueDict(
        {"photo": [SimpleUploadedFile("p.jpg", encoded(scene(24)), "image/jpeg")]}
    )

    with pytest.raises(services.WorkRefused):
        services.assignment_submit(
            assignment=assignment, fields={**HERE, "latitude": ["40.0"]}, files=files
        )

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.ACCEPTED
    assert not PhotoCheck.objects.exists()


def test_the_review_page_shows_the_requester_each_flag_and_its_reason():
    requester = RequesterFactory()
    first = send(requester, encoded(scene(25)))
    again = send(requester, encoded(scene(25)))
    client = Client()
    client.force_login(requester)

    page = client.get(reverse("projects:batch-review", args=[again.task.batch_id]))

    html = page.content.decode()
    assert page.status_code == 200
    assert f"The same picture as submission {first.public_id} (0 of 64 bits differ)." in html
    clean = client.get(reverse("projects:batch-review", args=[first.task.batch_id]))
    assert 'class="photo-flags"' not in clean.content.decode()


def test_another_requester_does_not_see_the_review_page():
    again = send(RequesterFactory(), encoded(scene(26)))
    client = Client()
    client.force_login(RequesterFactory())

    assert (
        client.get(reverse("projects:batch-review", args=[again.task.batch_id])).status_code == 404
    )


# --- the indexed duplicate search ------------------------------------------------------------


def _flip(value: int, bits: list[int]) -> int:
    for bit in bits:
        value ^= 1 << bit
    return value


@pytest.mark.parametrize("distance_setting", [6, 7, 9])
def test_the_indexed_search_names_what_a_full_scan_names(settings, distance_setting):
    """Hashes near earlier ones, their differing bits spread over every byte (the worst case for
    the byte index), among random ones: each photo's duplicate is exactly what comparing it with
    every earlier photo of the requester finds, the lowest id among equally close ones."""
    settings.MICROWORK_PHOTO_DUPLICATE_DISTANCE = distance_setting
    rng = random.Random(distance_setting)
    requester = RequesterFactory()
    batch = PublishedBatchFactory(project=ProjectFactory(requester=requester))
    seeds = [rng.getrandbits(64) for _ in range(6)]
    hashes = list(seeds)
    for seed in seeds:
        for distance in (1, 5, 6, 7, 8, 9):
            # One bit in each of `distance` different bytes, so no byte is left whole.
            bytes_hit = rng.sample(range(8), min(distance, 8))
            bits = [8 * byte + rng.randrange(8) for byte in bytes_hit]
            bits += rng.sample(sorted(set(range(64)) - set(bits)), distance - len(bits))
            hashes.append(_flip(seed, bits))
    rng.shuffle(hashes)

    recorded: list[tuple[int, int]] = []
    for value in hashes:
        assignment = AssignmentFactory(task=TaskFactory(batch=batch))
        phash = f"{value:016x}"
        check = photo_checks.photo_check_record(
            assignment=assignment,
            measures={"phash": phash, "brightness": 120.0, "sharpness": 200.0},
        )
        scanned = sorted(
            ((value ^ other).bit_count(), pk)
            for pk, other in recorded
            if (value ^ other).bit_count() <= distance_setting
        )
        expected = (scanned[0][1], scanned[0][0]) if scanned else (None, None)
        assert (check.duplicate_of_id, check.duplicate_distance) == expected, phash
        assert sorted(check.bands.values_list("key", flat=True)) == photo_checks.band_keys(phash)
        recorded.append((assignment.pk, value))
    # The case is not vacuous: many photos did have a close earlier one.
    assert PhotoCheck.objects.filter(duplicate_of__isnull=False).count() >= 10


def test_a_photo_checked_again_keeps_eight_bands():
    requester = RequesterFactory()
    task = TaskFactory(batch=PublishedBatchFactory(project=ProjectFactory(requester=requester)))
    assignment = AssignmentFactory(task=task)
    measures = {"phash": "00ff00ff00ff00ff", "brightness": 120.0, "sharpness": 200.0}

    photo_checks.photo_check_record(assignment=assignment, measures=measures)
    check = photo_checks.photo_check_record(
        assignment=assignment, measures={**measures, "phash": "ffffffffffffffff"}
    )

    assert sorted(check.bands.values_list("key", flat=True)) == [
        band * 256 + 255 for band in range(8)
    ]
