"""Field photos that are what they claim (docs/adr/0027): each photo's measures
(projects/tasktypes/photo_measures.py) judged as it is submitted, in the submit's
transaction, and kept as a PhotoCheck the requester sees on the review page.

- the same picture again: a photo whose perceptual hash is within
  MICROWORK_PHOTO_DUPLICATE_DISTANCE bits of one already sent to the same requester (by the
  same worker or another, for any task of any of their projects) names that earlier one;
- too dark: mean grey level under MICROWORK_PHOTO_MIN_BRIGHTNESS (0-255);
- blurred: Laplacian variance under MICROWORK_PHOTO_MIN_SHARPNESS;
- taken outside the assignment: the file's EXIF capture time is before the accept or after
  the submit by more than MICROWORK_PHOTO_CLOCK_SLACK_SECONDS (a camera's clock is not the
  server's); a time without its UTC offset is the camera's local time, so it gets 14 hours
  more either way (the widest UTC offsets), which still catches a photo from another day.

A file without EXIF time (many apps strip it) is not flagged for it: the check is only as
good as the file, and a determined worker can rewrite EXIF as they can fake a position.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from microwork.work.models import Assignment, PhotoCheck, PhotoHashBand

UNKNOWN_OFFSET_SLACK = timedelta(hours=14)


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


BANDS = 8  # bytes of a 64-bit hash; any two within BANDS - 1 bits share one


def band_keys(phash: str) -> list[int]:
    """The 8 indexed keys of a hash: each byte's position * 256 + its value."""
    value = int(phash, 16)
    return [band * 256 + (value >> (8 * band) & 0xFF) for band in range(BANDS)]


def nearest_duplicate(*, requester_id: int, phash: str, exclude: int) -> tuple[int, int] | None:
    """(assignment id, distance) of the closest earlier photo sent to the requester within the
    duplicate distance, or None; the lowest assignment id among equally close ones.

    Within 7 bits (the default is 6), only the photos sharing one of the hash's 8 bytes can be
    close enough (pigeonhole), and they are read through PhotoHashBand's index: about 8 / 256
    of a requester's photos. A wider distance reads them all (docs/adr/0027)."""
    limit = settings.MICROWORK_PHOTO_DUPLICATE_DISTANCE
    target = int(phash, 16)
    if limit < BANDS:
        candidates = PhotoCheck.objects.filter(
            pk__in=PhotoHashBand.objects.filter(
                requester_id=requester_id, key__in=band_keys(phash)
            ).values("photo_id")
        )
    else:
        candidates = PhotoCheck.objects.filter(requester_id=requester_id)
    rows = candidates.exclude(assignment_id=exclude).values_list("assignment_id", "phash")
    best = None
    for assignment_id, other in rows.iterator(chunk_size=5000):
        distance = (target ^ int(other, 16)).bit_count()
        if distance <= limit and (best is None or (distance, assignment_id) < best[::-1]):
            best = (assignment_id, distance)
    return best


def is_outside_window(
    *, taken_at: datetime | None, has_offset: bool, accepted_at: datetime, submitted_at: datetime
) -> bool:
    if taken_at is None:
        return False
    slack = timedelta(seconds=settings.MICROWORK_PHOTO_CLOCK_SLACK_SECONDS)
    if not has_offset:
        slack += UNKNOWN_OFFSET_SLACK
    return taken_at < accepted_at - slack or taken_at > submitted_at + slack


def photo_check_record(*, assignment: Assignment, measures: dict) -> PhotoCheck:
    """Judge a submitted photo's measures and keep the result (inside the submit)."""
    requester_id = assignment.task.batch.project.requester_id
    taken_at = datetime.fromisoformat(measures["taken_at"]) if measures.get("taken_at") else None
    duplicate = nearest_duplicate(
        requester_id=requester_id, phash=measures["phash"], exclude=assignment.pk
    )
    check, created = PhotoCheck.objects.update_or_create(
        assignment=assignment,
        defaults={
            "requester_id": requester_id,
            "phash": measures["phash"],
            "brightness": measures["brightness"],
            "sharpness": measures["sharpness"],
            "taken_at": taken_at,
            "taken_at_has_offset": bool(measures.get("taken_at_has_offset")),
            "duplicate_of_id": duplicate[0] if duplicate else None,
            "duplicate_distance": duplicate[1] if duplicate else None,
            "is_dark": measures["brightness"] < settings.MICROWORK_PHOTO_MIN_BRIGHTNESS,
            "is_blurred": measures["sharpness"] < settings.MICROWORK_PHOTO_MIN_SHARPNESS,
            "is_outside_window": is_outside_window(
                taken_at=taken_at,
                has_offset=bool(measures.get("taken_at_has_offset")),
                accepted_at=assignment.accepted_at,
                submitted_at=assignment.submitted_at,
            ),
        },
    )
    if not created:
        check.bands.all().delete()
    PhotoHashBand.objects.bulk_create(
        PhotoHashBand(photo=check, requester_id=requester_id, key=key)
        for key in band_keys(measures["phash"])
    )
    return check


def reasons(check: PhotoCheck) -> list[str]:
    """Why the photo is flagged, in words for the requester (empty: nothing found)."""
    found = []
    if check.is_duplicate:
        found.append(
            _("The same picture as submission %(id)s (%(bits)d of 64 bits differ).")
            % {"id": check.duplicate_of.public_id, "bits": check.duplicate_distance}
        )
    if check.is_dark:
        found.append(
            _("Too dark: mean brightness %(value)s of 255 (under %(limit)s).")
            % {"value": check.brightness, "limit": settings.MICROWORK_PHOTO_MIN_BRIGHTNESS}
        )
    if check.is_blurred:
        found.append(
            _("Blurred: sharpness %(value)s (under %(limit)s).")
            % {"value": check.sharpness, "limit": settings.MICROWORK_PHOTO_MIN_SHARPNESS}
        )
    if check.is_outside_window:
        found.append(
            _("The file says it was taken at %(time)s, outside the time the task was open.")
            % {
                "time": check.taken_at.strftime("%Y-%m-%d %H:%M")
                + (" UTC" if check.taken_at_has_offset else _(" (camera's local time)"))
            }
        )
    return found
