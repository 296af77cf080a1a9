from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateKind(models.TextChoices):
    CUSTOM_HTML = "custom_html", _("Custom HTML (MTurk-style, with ${column} placeholders)")
    IMAGE_CLASSIFICATION = "image_classification", _("Image classification (one or more labels)")
    # Ready-made task types (projects/tasktypes/): the form builds the template from a config.
    TEXT_CLASSIFICATION = "text_classification", _("Text classification")
    TRANSCRIPTION = "transcription", _("Transcription (image to text)")
    DATA_ENTRY = "data_entry", _("Data entry (typed fields beside a record)")
    SURVEY = "survey", _("Survey (Likert, choices, free text)")
    BOUNDING_BOXES = "bounding_boxes", _("Bounding boxes (draw labelled boxes on an image)")
    FIELD_PHOTO = "field_photo", _("Field photo (a photo taken at a place)")
    EXTERNAL_PAGE = "external_page", _("External page (your own page, framed like MTurk's)")
    # Each task carries its own MTurk Question XML (HTMLQuestion, ExternalQuestion or
    # QuestionForm) in its input; the MTurk endpoint creates these (projects/questions.py).
    MTURK_QUESTION = "mturk_question", _("MTurk question (one per task, from the MTurk API)")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")
