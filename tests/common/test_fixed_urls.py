from django.template import Context, Template
from django.urls import reverse, set_script_prefix


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
