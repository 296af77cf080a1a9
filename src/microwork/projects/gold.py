"""Gold answers as a batch file gives them: the answer fields of a project's template, and
the reading of one row's `_gold` cell (CSV) or `gold` value (JSONL). The upload uses these; what
is done with gold answers once workers answer (mixing, scoring, feedback) is quality's (quality/gold.py).
"""

import json
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from microwork.projects import tasktypes
from microwork.projects.models import Project
from microwork.projects.templating import RESERVED_FIELDS

IGNORED_FIELDS = RESERVED_FIELDS | {"csrfmiddlewaretoken"}
MAX_GOLD_CHARS = 10_000


class GoldInvalid(ValueError):
    """A gold cell that cannot be read; the message says why, in the requester's words."""


class _InputNames(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("input", "select", "textarea"):
            return
        name = dict(attrs).get("name")
        if name and name not in IGNORED_FIELDS and name not in self.names:
            self.names.append(name)


def answer_field_names(project: Project) -> list[str]:
    """The answer fields a task of `project` posts: a ready-made type's own, or the names of the
    form controls of a custom HTML template (in order of appearance)."""
    found = tasktypes.task_type(project.template_kind)
    if found is not None:
        return list(found.aggregation_fields(found.parse(project.template_config or {})))
    parser = _InputNames()
    parser.feed(project.template_html or "")
    return parser.names


def gold_parse(raw, *, answer_fields: list[str]) -> dict | None:
    """The stored gold of one row from its `_gold` cell or `gold` value; None when empty.

    A JSON object names its answer fields, each of which must be one of `answer_fields` when
    they are known; any other value is the right answer of the single answer field. Raise
    GoldInvalid.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        if len(raw) > MAX_GOLD_CHARS:
            raise GoldInvalid(_("longer than %(n)d characters") % {"n": MAX_GOLD_CHARS})
        text = raw.strip()
        if text.startswith("{"):
            try:
                raw = json.loads(text)
            except json.JSONDecodeError as error:
                raise GoldInvalid(
                    _("not a valid JSON object (%(error)s)") % {"error": error.msg}
                ) from None
        else:
            raw = text
    if isinstance(raw, dict):
        if not raw:
            raise GoldInvalid(_("an empty object: name at least one answer field"))
        unknown = [name for name in raw if answer_fields and name not in answer_fields]
        if unknown:
            raise GoldInvalid(
                _("%(fields)s: not an answer field of this project (it has %(known)s)")
                % {"fields": ", ".join(map(str, unknown)), "known": ", ".join(answer_fields)}
            )
        for name, value in raw.items():
            if value is None or value == "" or value == []:
                raise GoldInvalid(_("no right answer for %(field)s") % {"field": name})
        return {str(name): value for name, value in raw.items()}
    if len(answer_fields) != 1:
        raise GoldInvalid(
            _(
                "a plain value needs a project with exactly one answer field; give a JSON "
                'object such as {"%(field)s": "..."}'
            )
            % {"field": answer_fields[0] if answer_fields else "answer"}
        )
    if isinstance(raw, list):
        return {answer_fields[0]: [str(item) for item in raw]}
    return {answer_fields[0]: raw if isinstance(raw, str) else json.dumps(raw)}
