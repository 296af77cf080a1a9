"""The running program's own source, as the AGPL asks of a network service (section 13): every
page's footer links it. An operator who publishes their source elsewhere sets
MICROWORK_SOURCE_URL and the footer links that instead; otherwise /source.tar.gz serves the
installed microwork package itself, local changes included, so what users are offered is
always what runs."""

import functools
import gzip
import io
import tarfile
from importlib import metadata
from pathlib import Path

from django.http import HttpResponse
from django.views.decorators.http import require_GET

import microwork

PACKAGE = Path(microwork.__file__).resolve().parent
LEFT_OUT = {"__pycache__"}
LEFT_OUT_SUFFIXES = (".pyc", ".pyo")


def licence_text() -> bytes:
    """The AGPL text that goes with the source: the checkout's LICENSE when running from one (an
    editable install), else the copy the wheel carries in its metadata."""
    checkout = PACKAGE.parent.parent / "LICENSE"
    if checkout.is_file():
        return checkout.read_bytes()
    return metadata.distribution("microwork").read_text("licenses/LICENSE").encode()


def _files(root: Path):
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not LEFT_OUT.intersection(relative.parts):
            if not path.name.endswith(LEFT_OUT_SUFFIXES):
                yield path, relative


@functools.cache
def source_archive() -> bytes:
    """A tar.gz of the package, built once per process: the same bytes for the same files
    (sorted names, fixed times and owners), so it can be compared with a published release."""
    buffer = io.BytesIO()
    members = [("LICENSE", licence_text())]
    members += [(f"microwork/{rel.as_posix()}", path.read_bytes()) for path, rel in _files(PACKAGE)]
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed:
        with tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@require_GET
def source_tarball(request):
    response = HttpResponse(source_archive(), content_type="application/gzip")
    response["Content-Disposition"] = 'attachment; filename="microwork-source.tar.gz"'
    return response
