"""MICROWORK_EMAIL_URL's forms, and a refusal that names the variable."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from microwork.common.email_url import DEFAULT_FROM, email_settings

DIR = Path("/data/mail")


def test_unset_writes_files_into_the_data_directory():
    assert email_settings("", default_dir=DIR) == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/data/mail",
        "DEFAULT_FROM_EMAIL": DEFAULT_FROM,
    }


def test_smtp_with_starttls_credentials_and_sender():
    assert email_settings(
        "smtp+tls://me%40example.org:p%3Ass@smtp.example.org:2525?from=hi@example.org&timeout=3",
        default_dir=DIR,
    ) == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "me@example.org",
        "EMAIL_HOST_PASSWORD": "p:ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 3,
        "DEFAULT_FROM_EMAIL": "hi@example.org",
    }


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl"),
    [
        ("smtp://mail.local", 25, False, False),
        ("smtp+tls://mail.local", 587, True, False),
        ("smtp+ssl://mail.local", 465, False, True),
    ],
)
def test_smtp_default_ports(url, port, tls, ssl):
    settings = email_settings(url, default_dir=DIR)
    assert (settings["EMAIL_PORT"], settings["EMAIL_USE_TLS"], settings["EMAIL_USE_SSL"]) == (
        port,
        tls,
        ssl,
    )
    assert settings["EMAIL_HOST_USER"] == settings["EMAIL_HOST_PASSWORD"] == ""


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("console://", "django.core.mail.backends.console.EmailBackend"),
        ("memory://", "django.core.mail.backends.locmem.EmailBackend"),
        ("file:///var/mail/out", "django.core.mail.backends.filebased.EmailBackend"),
    ],
)
def test_other_backends(url, backend):
    assert email_settings(url, default_dir=DIR)["EMAIL_BACKEND"] == backend


def test_file_keeps_its_directory():
    assert email_settings("file:///var/mail/out", default_dir=DIR)["EMAIL_FILE_PATH"] == (
        "/var/mail/out"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.local",
        "smtp://",
        "smtp://mail.local:notaport",
        "smtp://mail.local?timeout=soon",
        "smtp://mail.local?tls=1",
        "file://relative/dir",
    ],
)
def test_a_bad_url_names_the_variable(url):
    with pytest.raises(ImproperlyConfigured, match="MICROWORK_EMAIL_URL"):
        email_settings(url, default_dir=DIR)
