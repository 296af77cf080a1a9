import pytest
from django.core.management.base import CommandError

from microwork.common.management.commands import serve


@pytest.mark.parametrize(
    ("value", "expected"),
    [("127.0.0.1:8000", ("127.0.0.1", 8000)), ("[::1]:8001", ("::1", 8001))],
)
def test_parse_bind_splits_host_and_port(value, expected):
    assert serve.parse_bind(value) == expected


@pytest.mark.parametrize("value", ["8000", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:70000"])
def test_parse_bind_refuses_what_is_not_host_port(value):
    with pytest.raises(CommandError, match="HOST:PORT"):
        serve.parse_bind(value)


def test_collectstatic_runs_only_when_sources_changed(settings, tmp_path):
    settings.WHITENOISE_USE_FINDERS = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    out = type("Out", (), {"write": lambda self, text: None})()

    assert serve.collectstatic_if_needed(out) is True
    assert (tmp_path / "admin").is_dir()
    assert serve.collectstatic_if_needed(out) is False  # nothing changed since
    (tmp_path / serve.STAMP_NAME).write_text("stale")
    assert serve.collectstatic_if_needed(out) is True


def test_collectstatic_is_skipped_in_local_mode(settings, tmp_path):
    settings.WHITENOISE_USE_FINDERS = True
    settings.STATIC_ROOT = tmp_path

    assert serve.collectstatic_if_needed(None) is False
    assert list(tmp_path.iterdir()) == []
