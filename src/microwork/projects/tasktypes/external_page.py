"""External page: the requester's own web page, framed in the work page.

The same contract as an MTurk ExternalQuestion, and the same code (work/frame.py): the page is
given assignmentId, hitId, workerId and turkSubmitTo in its query string (assignmentId is
ASSIGNMENT_ID_NOT_AVAILABLE in a preview), and posts its answer to
turkSubmitTo + "/mturk/externalSubmit" (mturk/views.py), authorised by the frame token that
turkSubmitTo carries.

The URL template's ${column} placeholders are filled from the row, URL-encoded. They may stand
in the path and the query only: the page's origin is fixed by the configuration, because the
frame's CSP allows exactly that origin in frame-src. A URL that starts with "/" is a page of the
platform itself (the demo's page under /static/ is one).
"""

from urllib.parse import quote, urlsplit

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes.base import (
    CATEGORICAL,
    NUMERIC,
    TEXT,
    ConfigInvalid,
    TaskType,
    esc,
    field_name,
    lines,
    spec_rows,
)
from microwork.projects.templating import PLACEHOLDER, AnswerInvalid

MAX_URL_LENGTH = 2000
MIN_HEIGHT, MAX_HEIGHT, DEFAULT_HEIGHT = 200, 4000, 600
MAX_VALUE_LENGTH = 10_000
FIELD_KINDS = {"text": TEXT, "choice": CATEGORICAL, "number": NUMERIC}


def http_allowed() -> bool:
    """Plain http pages only where the platform itself is not served over HTTPS (development,
    tests): in production a browser would block an http page in an https frame anyway."""
    return settings.DEBUG or not settings.HTTPS


def page_url(url_template: str, row: dict) -> str:
    """The page's address for a row: each ${column} replaced by its URL-encoded value."""
    return PLACEHOLDER.sub(
        lambda match: quote(str(row.get(match.group(1), "")), safe=""), url_template
    )


def page_origin(url_template: str) -> str:
    """The origin the frame's CSP lets the page come from; "" for a page of the platform."""
    parts = urlsplit(url_template)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme else ""


def _url_template(value) -> str:
    url = str(value or "").strip()
    if not url:
        raise ConfigInvalid(_("Give the address of your page."), field="url_template")
    if len(url) > MAX_URL_LENGTH:
        raise ConfigInvalid(
            _("The address may be at most %(n)d characters long.") % {"n": MAX_URL_LENGTH},
            field="url_template",
        )
    if any(character.isspace() or character in "<>\"'`\\" for character in url):
        raise ConfigInvalid(
            _("The address may not hold spaces, quotes, “<”, “>” or “\\”."), field="url_template"
        )
    # Check the address with the placeholders taken out, so "${id}" cannot hide a host.
    bare = PLACEHOLDER.sub("x", url)
    if "${" in bare:
        raise ConfigInvalid(
            _("A placeholder is written ${column}, with a column name inside."),
            field="url_template",
        )
    if url.startswith("/") and not url.startswith("//"):
        return url  # a page of the platform itself
    parts = urlsplit(url)
    schemes = ("https", "http") if http_allowed() else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise ConfigInvalid(
            _("Give a full address that starts with https://.")
            if not http_allowed()
            else _("Give a full address that starts with https:// or http://."),
            field="url_template",
        )
    origin_end = len(parts.scheme) + 3 + len(parts.netloc)
    if "${" in url[:origin_end] or parts.username or parts.password:
        raise ConfigInvalid(
            _("The host of the address must be fixed: placeholders go in its path or query."),
            field="url_template",
        )
    return url


def _height(value) -> int:
    if value in (None, ""):
        return DEFAULT_HEIGHT
    try:
        height = int(value)
    except (TypeError, ValueError):
        raise ConfigInvalid(_("Give a whole number."), field="frame_height") from None
    if not MIN_HEIGHT <= height <= MAX_HEIGHT:
        raise ConfigInvalid(
            _("Give a height from %(low)d to %(high)d pixels.")
            % {"low": MIN_HEIGHT, "high": MAX_HEIGHT},
            field="frame_height",
        )
    return height


def _answer_fields(value) -> list[dict]:
    """The fields the page posts, from lines "name | text|choice|number"; none: anything."""
    if isinstance(value, list):  # a parsed configuration, parsed again
        value = [
            f"{item.get('name', '')} | {item.get('kind', '')}" if isinstance(item, dict) else item
            for item in value
        ]
    if not lines(value):
        return []
    seen: set[str] = set()
    result = []
    for parts in spec_rows(value, field="answer_fields"):
        name = field_name(parts[0], field="answer_fields", seen=seen)
        kind = (parts[1] if len(parts) > 1 else "text").lower() or "text"
        if kind not in FIELD_KINDS or len(parts) > 2:
            raise ConfigInvalid(
                _("“%(name)s”: the kind is text, choice or number.") % {"name": name},
                field="answer_fields",
            )
        result.append({"name": name, "kind": kind})
    return result


class ExternalPage(TaskType):
    key = TemplateKind.EXTERNAL_PAGE
    label = gettext_lazy("External page")
    stylesheets = ()

    def config_fields(self):
        return {
            "url_template": forms.CharField(
                label=gettext_lazy("Page address"),
                max_length=MAX_URL_LENGTH,
                required=False,
                help_text=gettext_lazy(
                    "E.g. https://example.org/task?item=${item_id}: ${column} is replaced by "
                    "the row's value. Your page gets assignmentId, hitId, workerId and "
                    "turkSubmitTo, and posts its answer to turkSubmitTo + "
                    "“/mturk/externalSubmit”, as on MTurk."
                ),
            ),
            "frame_height": forms.IntegerField(
                label=gettext_lazy("Frame height (pixels)"),
                required=False,
                min_value=MIN_HEIGHT,
                max_value=MAX_HEIGHT,
                initial=DEFAULT_HEIGHT,
            ),
            "answer_fields": forms.CharField(
                label=gettext_lazy("Answer fields (optional)"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
                help_text=gettext_lazy(
                    "One per line: name | text, choice or number. When given, each is "
                    "required, a number must be a number, and other fields are dropped; "
                    "when empty, whatever your page posts is kept."
                ),
            ),
        }

    def form_initial(self, config):
        return {
            **config,
            "answer_fields": "\n".join(
                f"{item['name']} | {item['kind']}" for item in config.get("answer_fields", [])
            ),
        }

    def parse(self, config):
        return {
            "url_template": _url_template(config.get("url_template")),
            "frame_height": _height(config.get("frame_height")),
            "answer_fields": _answer_fields(config.get("answer_fields")),
        }

    def build(self, config):
        """An iframe on the page, for whatever shows a template's HTML; the work page's frame
        itself is work/frame.py's external frame, with the MTurk parameters."""
        return (
            f'<iframe class="mw-external-question" src="{esc(config["url_template"])}" '
            f'height="{config["frame_height"]}"></iframe>\n'
        )

    def clean_answer(self, config, fields, files, row=None):
        declared = config["answer_fields"]
        if not declared:
            answers = {}
            for name, values in fields.items():
                if name in ("assignmentId", "hitId", "mw_token", "csrfmiddlewaretoken"):
                    continue
                answers[name] = values[0] if len(values) == 1 else list(values)
            return answers
        answers = {}
        for item in declared:
            name = item["name"]
            values = [value for value in fields.get(name, []) if value != ""]
            if not values:
                raise AnswerInvalid(name, _("%(name)s: this answer is required.") % {"name": name})
            if len(values) > 1:
                raise AnswerInvalid(name, _("%(name)s: give one answer only.") % {"name": name})
            value = values[0]
            if len(value) > MAX_VALUE_LENGTH:
                raise AnswerInvalid(name, _("%(name)s: the answer is too long.") % {"name": name})
            if item["kind"] == "number":
                try:
                    number = float(value)
                except ValueError:
                    number = float("nan")
                if number != number or number in (float("inf"), float("-inf")):
                    raise AnswerInvalid(name, _("%(name)s: give a number.") % {"name": name})
                value = int(number) if number.is_integer() and "." not in value else number
            answers[name] = value
        return answers

    def result_columns(self, config):
        return [item["name"] for item in config["answer_fields"]]

    def aggregation_fields(self, config):
        return {item["name"]: FIELD_KINDS[item["kind"]] for item in config["answer_fields"]}
