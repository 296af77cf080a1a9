"""The running program's own source, as the AGPL asks of a network service (section 13): every
page's footer links it. An operator who publishes their source elsewhere sets
MICROWORK_SOURCE_URL and the footer links that instead; otherwise /source.tar.gz serves the
installed microwork package itself, local changes included, so what users are offered is
always what runs."""

import functools
import gzip
import io
import tarfile
from pathlib import Path

from django.http import HttpResponse
from django.views.decorators.http import require_GET

import microwork

PACKAGE = Path(microwork.__file__).resolve().parent
LEFT_OUT = {"__pycache__"}
LEFT_OUT_SUFFIXES = (".pyc", ".pyo")


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
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed:
        with tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for path, relative in _files(PACKAGE):
                info = tarfile.TarInfo(f"microwork/{relative.as_posix()}")
                data = path.read_bytes()
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@require_GET
def source_tarball(request):
    response = HttpResponse(source_archive(), content_type="application/gzip")
    response["Content-Disposition"] = 'attachment; filename="microwork-source.tar.gz"'
    return response
