"""Text classification: a text from the row (sentiment, topic, relevance), one label or several."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microwork.projects.enums import TemplateKind
from microwork.projects.tasktypes.base import (
    CATEGORICAL,
    MULTILABEL,
    TaskType,
    choice_option_fields,
    column_name,
    esc,
    flag,
    label_list,
    optional_column,
    text,
)
from microwork.projects.tasktypes.image_classification import choices_html, clean_choices

ANSWER_FIELD = "label"


class TextClassification(TaskType):
    key = TemplateKind.TEXT_CLASSIFICATION
    label = gettext_lazy("Text classification")
    scripts = ("projects/tasktypes/choices.js",)

    def config_fields(self):
        return {
            "text_column": forms.CharField(
                label=gettext_lazy("Text column"),
                max_length=100,
                required=False,
                initial="text",
                help_text=gettext_lazy("The column of your file that holds the text to judge."),
            ),
            "context_column": forms.CharField(
                label=gettext_lazy("Context column (optional)"),
                max_length=100,
                required=False,
                help_text=gettext_lazy(
                    "E.g. the search query a result is judged against; shown above the text."
                ),
            ),
            "labels": forms.CharField(
                label=gettext_lazy("Labels"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                initial="positive\nneutral\nnegative",
                help_text=gettext_lazy("One per line; keys 1 to 9 choose the first nine."),
            ),
            "question": forms.CharField(
                label=gettext_lazy("Question"),
                max_length=500,
                required=False,
                help_text=gettext_lazy("E.g. “What is the tone of this review?”"),
            ),
            **choice_option_fields(),
        }

    def form_initial(self, config):
        return {**config, "labels": "\n".join(config.get("labels", []))}

    def parse(self, config):
        return {
            "text_column": column_name(config.get("text_column"), field="text_column"),
            "context_column": optional_column(config.get("context_column"), field="context_column"),
            "labels": label_list(config.get("labels"), field="labels"),
            "question": text(config.get("question")),
            "multiple": flag(config.get("multiple")),
            "cant_tell": flag(config.get("cant_tell")),
        }

    def build(self, config):
        context = ""
        if config["context_column"]:
            context = (
                f'<p class="mw-context"><span class="mw-context-name">'
                f"{esc(config['context_column'])}:</span> ${{{config['context_column']}}}</p>\n"
            )
        default = (
            _("Which labels fit this text?")
            if config["multiple"]
            else _("Which label fits this text best?")
        )
        return (
            context
            + f'<blockquote class="mw-text">${{{config["text_column"]}}}</blockquote>\n'
            + choices_html(
                name=ANSWER_FIELD,
                labels=config["labels"],
                question=config["question"] or default,
                multiple=config["multiple"],
                cant_tell=config["cant_tell"],
            )
        )

    def clean_answer(self, config, fields, files, row=None):
        label = clean_choices(
            fields,
            name=ANSWER_FIELD,
            labels=config["labels"],
            multiple=config["multiple"],
            cant_tell=config["cant_tell"],
        )
        return {ANSWER_FIELD: label}

    def aggregation_fields(self, config):
        return {ANSWER_FIELD: MULTILABEL if config["multiple"] else CATEGORICAL}
