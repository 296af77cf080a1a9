"""Field photo: go to a place from the batch row and take a photo there.

The worker's device gives the photo (camera or file picker) and the position. The browser's
geolocation is asked for by the work page around the frame (projects/tasktypes/position.js), since
a sandboxed frame with an opaque origin may not ask itself, and handed to the frame's script
(photo.js), which puts it in hidden fields. The server then refuses, with a message, a position
outside the row's radius, a file that is not a decodable image, or one over the size limit.

What is kept: the photo (in Django's default storage), the reported position and its accuracy,
the distance to the target, and the capture and receipt times. Photos carry their own position
in EXIF; unless the project asks to keep it, the stored copy — the only one, which requesters
download — is re-encoded without it. Workers are told which before they accept: the notice is
part of the task, which they see in the preview.

A position reported by a browser can be faked by a determined worker; the check keeps honest
mistakes out, it is not proof of presence. The photo itself is measured as it arrives
(photo_measures.py) and judged with the worker's and the requester's other photos by the work
app (work/photo_checks.py): the same picture sent twice, too dark, blurred, or taken (by its
EXIF time) outside the assignment's accept-submit window.
"""

import io
import math
import uuid
from datetime import datetime

from django import forms
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes import photo_measures
from microwork.projects.tasktypes.base import (
    NUMERIC,
    ConfigInvalid,
    TaskType,
    column_name,
    esc,
    flag,
    one_value,
    optional_column,
    text,
)
from microwork.projects.templating import AnswerInvalid

PHOTO_FIELD = "photo"
STORAGE_PREFIX = "answer-files"
EARTH_RADIUS_M = 6_371_008.8
DEFAULT_RADIUS_M = 200
MAX_RADIUS_M = 100_000
DEFAULT_MAX_MB = 10
MAX_MB = 20
MAX_PIXELS = 50_000_000
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
GPS_IFD = 0x8825


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _coordinate(value, *, field: str, limit: float) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(field) from None
    if not math.isfinite(number) or abs(number) > limit:
        raise ValueError(field)
    return number


def decode_image(upload, *, max_bytes: int) -> tuple[Image.Image, bytes]:
    """The upload as a loaded Pillow image and its bytes, or AnswerInvalid: too large, not an image we take,
    or not decodable (verify() reads the structure, load() the pixels of a fresh handle)."""
    if upload is None:
        raise AnswerInvalid(PHOTO_FIELD, _("Take or choose a photo."))
    if upload.size > max_bytes:
        raise AnswerInvalid(
            PHOTO_FIELD,
            _("The photo is larger than %(mb)d MB; take it at a lower resolution.")
            % {"mb": max_bytes // 1_000_000},
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    unreadable = _("The file is not a photo we can read (use JPEG, PNG or WebP).")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise AnswerInvalid(PHOTO_FIELD, unreadable)
            if probe.width * probe.height > MAX_PIXELS:
                raise AnswerInvalid(PHOTO_FIELD, _("The photo has too many pixels."))
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except AnswerInvalid:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise AnswerInvalid(PHOTO_FIELD, unreadable) from None
    return image, data


def without_location(image: Image.Image) -> bytes:
    """The image re-encoded without its GPS EXIF (or any other metadata but the EXIF
    orientation and colour profile, so it still shows the right way up and in its colours)."""
    exif = image.getexif()
    exif.pop(GPS_IFD, None)
    buffer = io.BytesIO()
    options = {}
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    if image.format == "JPEG":
        options.update(quality=92, exif=exif.tobytes())
        image.save(buffer, format="JPEG", **options)
    elif image.format == "WEBP":
        options.update(quality=92, exif=exif.tobytes())
        image.save(buffer, format="WEBP", **options)
    else:
        image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def _received_at(value: str) -> str:
    """The capture time the device reported, if it reads as an ISO time; "" otherwise."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return moment.isoformat() if moment.tzinfo else ""


class FieldPhoto(TaskType):
    key = TemplateKind.FIELD_PHOTO
    label = gettext_lazy("Field photo")
    scripts = ("projects/tasktypes/photo.js",)
    accepts_files = True
    # The work page asks for the position (position.js); its frame gets the camera.
    page_scripts = ("projects/tasktypes/position.js",)
    frame_allow = "camera"

    def config_fields(self):
        return {
            "place_column": forms.CharField(
                label=gettext_lazy("Place column"),
                max_length=100,
                required=False,
                initial="place",
                help_text=gettext_lazy("The column that names the place, e.g. a shop's address."),
            ),
            "latitude_column": forms.CharField(
                label=gettext_lazy("Latitude column"),
                max_length=100,
                required=False,
                initial="latitude",
            ),
            "longitude_column": forms.CharField(
                label=gettext_lazy("Longitude column"),
                max_length=100,
                required=False,
                initial="longitude",
            ),
            "radius_column": forms.CharField(
                label=gettext_lazy("Radius column (optional)"),
                max_length=100,
                required=False,
                help_text=gettext_lazy("Metres per row; the radius below is used otherwise."),
            ),
            "radius_m": forms.IntegerField(
                label=gettext_lazy("Radius (metres)"),
                required=False,
                min_value=10,
                max_value=MAX_RADIUS_M,
                initial=DEFAULT_RADIUS_M,
            ),
            "question": forms.CharField(
                label=gettext_lazy("What to photograph"),
                max_length=500,
                required=False,
                help_text=gettext_lazy("E.g. “The shelf with the breakfast cereals.”"),
            ),
            "max_mb": forms.IntegerField(
                label=gettext_lazy("Largest photo (MB)"),
                required=False,
                min_value=1,
                max_value=MAX_MB,
                initial=DEFAULT_MAX_MB,
            ),
            "keep_location_exif": forms.BooleanField(
                label=gettext_lazy("Keep the location stored in the photo file itself"),
                required=False,
                help_text=gettext_lazy(
                    "Off by default: the position the platform checked is in the results anyway."
                ),
            ),
        }

    def parse(self, config):
        try:
            radius = int(config.get("radius_m") or DEFAULT_RADIUS_M)
            max_mb = int(config.get("max_mb") or DEFAULT_MAX_MB)
        except (TypeError, ValueError):
            raise ConfigInvalid(_("Give a whole number."), field="radius_m") from None
        if not 10 <= radius <= MAX_RADIUS_M:
            raise ConfigInvalid(
                _("Give a radius from 10 to %(n)d metres.") % {"n": MAX_RADIUS_M}, field="radius_m"
            )
        if not 1 <= max_mb <= MAX_MB:
            raise ConfigInvalid(
                _("Give a size from 1 to %(n)d MB.") % {"n": MAX_MB}, field="max_mb"
            )
        return {
            "place_column": column_name(config.get("place_column"), field="place_column"),
            "latitude_column": column_name(config.get("latitude_column"), field="latitude_column"),
            "longitude_column": column_name(
                config.get("longitude_column"), field="longitude_column"
            ),
            "radius_column": optional_column(config.get("radius_column"), field="radius_column"),
            "radius_m": radius,
            "question": text(config.get("question")),
            "max_mb": max_mb,
            "keep_location_exif": flag(config.get("keep_location_exif")),
        }

    def build(self, config):
        question = esc(config["question"] or _("Take a photo at this place."))
        radius = (
            f"${{{config['radius_column']}}}"
            if config["radius_column"]
            else str(config["radius_m"])
        )
        privacy = (
            _(
                "Your position is checked against the place and kept with your answer. The photo "
                "file is given to the requester as taken, with any location stored in it."
            )
            if config["keep_location_exif"]
            else _(
                "Your position is checked against the place and kept with your answer. Any "
                "location stored in the photo file is removed before the requester gets it."
            )
        )
        messages = {
            "locating": _("Finding your position…"),
            "located": _("Position found (within %(m)s m)."),
            "denied": _("Your position is needed: allow location access and press “Find me”."),
            "tooLarge": _("The photo is larger than %(mb)d MB.") % {"mb": config["max_mb"]},
        }
        data = " ".join(f'data-msg-{key.lower()}="{esc(value)}"' for key, value in messages.items())
        # Outside the f-string: xgettext does not find gettext calls inside one.
        place, coordinates, within = esc(_("Place")), esc(_("Coordinates")), esc(_("Within"))
        photo, find_me = esc(_("Photo")), esc(_("Find me"))
        return (
            f'<p class="mw-question">{question}</p>\n'
            '<dl class="mw-place">\n'
            f"  <dt>{place}</dt><dd>${{{config['place_column']}}}</dd>\n"
            f"  <dt>{coordinates}</dt><dd>${{{config['latitude_column']}}}, "
            f"${{{config['longitude_column']}}}</dd>\n"
            f"  <dt>{within}</dt><dd>{radius} m</dd>\n"
            "</dl>\n"
            f'<p class="mw-notice">{esc(privacy)}</p>\n'
            f'<div class="mw-photo" data-max-bytes="{config["max_mb"] * 1_000_000}" {data}>\n'
            f'  <div class="mw-field"><label for="mw-photo">{photo}</label>'
            f'<input type="file" name="{PHOTO_FIELD}" id="mw-photo" accept="image/jpeg,image/png,'
            'image/webp" capture="environment" required></div>\n'
            '  <img class="mw-photo-preview" alt="" hidden>\n'
            f'  <p class="mw-position" role="status">{esc(messages["locating"])}</p>\n'
            f'  <button type="button" class="mw-locate">{find_me}</button>\n'
            '  <input type="hidden" name="latitude" value="">\n'
            '  <input type="hidden" name="longitude" value="">\n'
            '  <input type="hidden" name="accuracy_m" value="">\n'
            '  <input type="hidden" name="captured_at" value="">\n'
            "</div>\n"
        )

    def _target(self, config, row) -> tuple[float, float, float]:
        try:
            latitude = _coordinate(row.get(config["latitude_column"]), field="", limit=90)
            longitude = _coordinate(row.get(config["longitude_column"]), field="", limit=180)
            radius = float(config["radius_m"])
            if config["radius_column"]:
                radius = _coordinate(row.get(config["radius_column"]), field="", limit=MAX_RADIUS_M)
        except ValueError:
            raise AnswerInvalid(
                "", _("This task's place is not valid; return it and tell the requester.")
            ) from None
        return latitude, longitude, radius

    def clean_answer(self, config, fields, files, row=None):
        target_lat, target_lon, radius = self._target(config, row or {})
        try:
            latitude = _coordinate(one_value(fields, "latitude"), field="latitude", limit=90)
            longitude = _coordinate(one_value(fields, "longitude"), field="longitude", limit=180)
        except (ValueError, AnswerInvalid):
            raise AnswerInvalid(
                "latitude", _("Your position is missing: allow location access and try again.")
            ) from None
        accuracy = one_value(fields, "accuracy_m", required=False)
        try:
            accuracy_m = round(float(accuracy), 1) if accuracy else None
        except ValueError:
            accuracy_m = None
        if accuracy_m is not None and not (math.isfinite(accuracy_m) and accuracy_m >= 0):
            accuracy_m = None
        distance = haversine_m(latitude, longitude, target_lat, target_lon)
        if distance > radius:
            raise AnswerInvalid(
                "latitude",
                _(
                    "You are about %(distance)s m from the place, farther than the %(radius)s m "
                    "allowed. Go there and try again."
                )
                % {"distance": f"{distance:,.0f}", "radius": f"{radius:,.0f}"},
            )
        photos = (
            files.getlist(PHOTO_FIELD) if hasattr(files, "getlist") else [files.get(PHOTO_FIELD)]
        )
        photos = [photo for photo in photos if photo is not None]
        if len(photos) > 1:
            raise AnswerInvalid(PHOTO_FIELD, _("Send one photo only."))
        image, data = decode_image(
            photos[0] if photos else None, max_bytes=config["max_mb"] * 1_000_000
        )
        measures = photo_measures.measure(image)  # judged by work/photo_checks.py
        content = data if config["keep_location_exif"] else without_location(image)
        extension = FORMATS[image.format]
        # A fresh, unguessable name: the file is only ever served through the requester's
        # ownership-checked download view, never from a public media address.
        name = storages["private"].save(
            f"{STORAGE_PREFIX}/{uuid.uuid4().hex}/{PHOTO_FIELD}.{extension}", ContentFile(content)
        )
        return {
            PHOTO_FIELD: name,
            "latitude": round(latitude, 7),
            "longitude": round(longitude, 7),
            "accuracy_m": accuracy_m,
            "distance_m": round(distance, 1),
            "captured_at": _received_at(one_value(fields, "captured_at", required=False)),
            "received_at": timezone.now().isoformat(),
            photo_measures.MEASURES_KEY: measures,
        }

    def result_columns(self, config):
        return [
            PHOTO_FIELD,
            "latitude",
            "longitude",
            "accuracy_m",
            "distance_m",
            "captured_at",
            "received_at",
        ]

    def aggregation_fields(self, config):
        return {"distance_m": NUMERIC}

    def file_fields(self, config):
        return (PHOTO_FIELD,)

    def export_answer(self, config, answers, *, assignment_public_id):
        if not answers.get(PHOTO_FIELD):
            return answers
        url = reverse("projects:answer-file", args=[assignment_public_id, PHOTO_FIELD])
        return {**answers, PHOTO_FIELD: url}
