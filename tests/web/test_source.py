"""Every page links the running program's source (AGPL-3.0, section 13; issue 16)."""

import io
import tarfile

import pytest
from django.urls import reverse

from microwork.web import source

pytestmark = pytest.mark.django_db

SOURCE = reverse("source-code")


def test_the_platform_serves_its_own_package_as_a_tarball(client):
    response = client.get(SOURCE)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    archive = tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz")
    names = archive.getnames()
    assert "microwork/settings.py" in names
    assert "microwork/web/source.py" in names
    assert "microwork/templates/base.html" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    served = archive.extractfile("microwork/web/source.py").read()
    assert served == (source.PACKAGE / "web" / "source.py").read_bytes()
    licence = archive.extractfile("LICENSE").read().decode()
    assert licence.startswith("GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007\n")


def test_the_tarball_is_the_same_bytes_each_time():
    source.source_archive.cache_clear()
    first = source.source_archive()
    source.source_archive.cache_clear()

    assert source.source_archive() == first


def test_every_page_links_the_source(client, settings):
    html = client.get(reverse("accounts:login")).content.decode()
    assert f'<a href="{SOURCE}">Source code</a>' in html

    settings.MICROWORK_SOURCE_URL = "https://code.example.org/our-microwork"
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<a href="https://code.example.org/our-microwork">Source code</a>' in html
