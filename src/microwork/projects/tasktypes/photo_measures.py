"""What a field photo's pixels and file say about it, measured once as it arrives (the work
app compares and judges them: work/photo_checks.py, docs/adr/0027).

- a perceptual hash (pHash, imagehash): the same picture resized, recompressed or lightly
  retouched keeps nearly the same 64 bits, while different pictures differ in about half;
- brightness: the mean grey level, 0 (black) to 255 (white);
- sharpness: the variance of the Laplacian of the picture scaled to SCALE_PX on its longer
  side; a blurred or shaken picture has few sharp edges and a low variance. Measured at one
  scale, so that a phone's 12 megapixels and a scanner's 1 compare;
- the capture time the camera wrote in the file (EXIF DateTimeOriginal, with its
  OffsetTimeOriginal when the camera wrote one), if any.
"""

from datetime import UTC, datetime, timedelta, timezone

import imagehash
import numpy as np
from PIL import Image

SCALE_PX = 512
EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
# The key under which FieldPhoto.clean_answer hands the measures to the submit, which keeps
# them apart from the answer (work/services.py assignment_submit).
MEASURES_KEY = "_photo_measures"


def measure(image: Image.Image) -> dict:
    """The measures of a loaded image, as JSON-ready values."""
    small = image if image.mode in ("RGB", "L") else image.convert("RGB")
    # Box-reduce first (a 12 MP photo in about a tenth of the time of a full-size convert).
    factor = max(1, max(small.size) // SCALE_PX)
    if factor > 1:
        small = small.reduce(factor)
    small = small.convert("RGB")  # a copy: thumbnail() below must not touch the original
    small.thumbnail((SCALE_PX, SCALE_PX), Image.Resampling.BILINEAR)
    grey = np.asarray(small.convert("L"), dtype=np.float32)
    laplacian = (
        grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * grey[1:-1, 1:-1]
    )
    taken_at, has_offset = exif_taken_at(image)
    return {
        "phash": str(imagehash.phash(small)),
        "brightness": round(float(grey.mean()), 1),
        "sharpness": round(float(laplacian.var()) if laplacian.size else 0.0, 1),
        "taken_at": taken_at.isoformat() if taken_at else "",
        "taken_at_has_offset": has_offset,
    }


def exif_taken_at(image: Image.Image) -> tuple[datetime | None, bool]:
    """(capture time, whether the file said its UTC offset). Without an offset the time is
    the camera's local time, read here as if it were UTC; the caller allows for that."""
    try:
        exif = image.getexif().get_ifd(EXIF_IFD)
        written = str(exif.get(DATE_TIME_ORIGINAL, "")).strip().rstrip("\x00")
        moment = datetime.strptime(written, "%Y:%m:%d %H:%M:%S")
    except (ValueError, TypeError, KeyError, AttributeError, OSError, SyntaxError):
        return None, False
    offset = str(exif.get(OFFSET_TIME_ORIGINAL, "")).strip().rstrip("\x00")
    try:
        sign = -1 if offset[0] == "-" else 1
        hours, minutes = offset[1:].split(":")
        zone = timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))
    except (ValueError, IndexError):
        return moment.replace(tzinfo=UTC), False
    return moment.replace(tzinfo=zone).astimezone(UTC), True
