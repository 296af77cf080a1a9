from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateKind(models.TextChoices):
    CUSTOM_HTML = "custom_html", _("Custom HTML (MTurk-style, with ${column} placeholders)")
    IMAGE_CLASSIFICATION = "image_classification", _("Image classification (one label per image)")
    # Each task carries its own MTurk Question XML (HTMLQuestion, ExternalQuestion or
    # QuestionForm) in its input; the MTurk endpoint creates these (projects/questions.py).
    MTURK_QUESTION = "mturk_question", _("MTurk question (one per task, from the MTurk API)")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")
