import pytest
from django.template import Context, Template
from django.templatetags.static import static
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from microwork.common import fixed_urls
from microwork.common.fixed_urls import fixed_reverse, fixed_static


def _render(text: str) -> str:
    return Template("{% load fixed_urls %}" + text).render(Context())


def test_fixed_url_is_the_reversed_address():
    assert _render('{% fixed_url "work:history" %}') == reverse("work:history") == "/work/history/"


def test_fixed_url_follows_the_script_prefix():
    assert _render('{% fixed_url "work:history" %}') == "/work/history/"
    set_script_prefix("/microwork/")
    try:
        assert _render('{% fixed_url "work:history" %}') == "/microwork/work/history/"
    finally:
        set_script_prefix("/")
    assert _render('{% fixed_url "work:history" %}') == "/work/history/"


@override_settings(ROOT_URLCONF="tests.common.urls_i18n")
def test_fixed_url_follows_the_active_language():
    for language in ["en", "fr", "en", "fr"]:  # the second round from the kept addresses
        with translation.override(language):
            assert _render('{% fixed_url "history" %}') == f"/{language}/work/history/"
            assert fixed_reverse("assignment", "3XKZ") == f"/{language}/work/assignments/3XKZ/"
            assert fixed_reverse("assignment", "3XKZ") == reverse("assignment", args=["3XKZ"])


def test_with_the_switch_off_fixed_urls_are_reverse_and_static(settings):
    settings.MICROWORK_FIXED_URLS = False
    fixed_urls._pieces.clear()
    fixed_urls._static.clear()

    assert _render('{% fixed_url "work:history" %}') == "/work/history/"
    assert fixed_reverse("work:assignment-return", "3XKZ") == "/work/assignments/3XKZ/return/"
    assert fixed_reverse("fairness:requester-profile", 12) == "/fairness/requesters/12/"
    assert _render("{% fixed_static 'work/work.js' %}") == static("work/work.js")
    assert fixed_urls._pieces == {} and fixed_urls._static == {}  # nothing kept


PUBLIC_IDS = ["3XKZ9QW0BF7T2M1PLVRA", "a", "A-b_9", "x" * 60]


@pytest.mark.parametrize(
    "name", ["work:assignment-detail", "work:assignment-return", "work:project-accept"]
)
def test_fixed_reverse_with_arguments_is_reverse(name):
    for public_id in PUBLIC_IDS * 2:  # the second round from the kept pieces
        assert fixed_reverse(name, public_id) == reverse(name, args=[public_id])


def test_fixed_url_tag_takes_arguments():
    rendered = _render('{% fixed_url "work:assignment-return" "3XKZ" %}')
    assert rendered == "/work/assignments/3XKZ/return/"


def test_fixed_reverse_leaves_to_reverse_what_quoting_or_the_pattern_would_change():
    name = "work:assignment-detail"
    fixed_reverse(name, "KEPT")  # pieces kept for this name

    assert fixed_reverse(name, "a b") == reverse(name, args=["a b"]) == "/work/assignments/a%20b/"
    assert fixed_reverse(name, "é") == reverse(name, args=["é"]) == "/work/assignments/%C3%A9/"
    with pytest.raises(NoReverseMatch):  # as reverse() refuses it
        fixed_reverse(name, "a/b")
    # <int:...> refuses the stand-ins: every call is reverse()'s own.
    assert fixed_reverse("fairness:requester-profile", 12) == "/fairness/requesters/12/"
    assert fixed_reverse("fairness:requester-profile", "12") == "/fairness/requesters/12/"
    with pytest.raises(NoReverseMatch):
        fixed_reverse("fairness:requester-profile", "twelve")


def test_fixed_reverse_with_arguments_follows_the_script_prefix():
    name = "work:assignment-return"
    assert fixed_reverse(name, "3XKZ") == "/work/assignments/3XKZ/return/"
    set_script_prefix("/microwork/")
    try:
        assert fixed_reverse(name, "3XKZ") == "/microwork/work/assignments/3XKZ/return/"
    finally:
        set_script_prefix("/")
    assert fixed_reverse(name, "3XKZ") == "/work/assignments/3XKZ/return/"


STATIC_PATHS = ["microwork/site.css", "work/work.js", "a b/ü.css"]


@pytest.mark.parametrize("path", STATIC_PATHS)
def test_fixed_static_is_the_static_tags_address(path):
    expected = Template("{% load static %}{% static path %}").render(Context({"path": path}))

    for _ in range(2):  # the second from the kept address
        assert _render("{% fixed_static path %}".replace("path", repr(path))) == expected
    assert fixed_static(path) == static(path)


def test_fixed_static_follows_the_script_prefix_and_the_settings_as_static_does():
    assert fixed_static("work/work.js") == "/static/work/work.js"
    set_script_prefix("/microwork/")
    try:
        assert fixed_static("work/work.js") == static("work/work.js")
    finally:
        set_script_prefix("/")
    with override_settings(STATIC_URL="https://cdn.example.org/mw/"):
        assert fixed_static("work/work.js") == "https://cdn.example.org/mw/work/work.js"
        assert fixed_static("work/work.js") == static("work/work.js")
    assert fixed_static("work/work.js") == "/static/work/work.js"
