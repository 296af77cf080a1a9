"""Forms of the requester pages. They turn what a person types into the keyword arguments of
the services; the rules themselves (ranges, frozen terms, template checks) live in the services
and the model, whose errors are mapped back onto these fields."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from microwork.common.money import InvalidAmount, format_amount, parse_amount
from microwork.projects import tasktypes
from microwork.projects.enums import TemplateKind
from microwork.projects.gold import answer_field_names
from microwork.projects.models import (
    MAX_ASSIGNMENTS_PER_TASK,
    MAX_AUTO_APPROVAL_SECONDS,
    MAX_DURATION_SECONDS,
    MIN_OVERLAP_THRESHOLD,
    Project,
)

MINUTE = 60
HOUR = 3600
UPLOAD_EXTENSIONS = ["csv", "jsonl", "ndjson", "json"]


class ProjectForm(forms.Form):
    """One page for a whole project: what it is, what it pays, how long, and its template.

    Durations are typed in the unit a requester thinks in (minutes for work, hours for
    lifetimes) and handed to the services in seconds.
    """

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Workers read this in the marketplace before they accept."),
    )
    instructions = forms.CharField(
        label=_("Instructions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown above every task."),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        max_length=1000,
        required=False,
        help_text=_("Separated by commas, e.g. image, labelling, animals."),
    )
    reward = forms.CharField(
        label=_("Reward per assignment"),
        max_length=20,
        help_text=_("What one worker earns for one task, e.g. 0.50."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    assignments_per_task = forms.IntegerField(
        label=_("Workers per task"),
        min_value=1,
        max_value=MAX_ASSIGNMENTS_PER_TASK,
        initial=3,
        help_text=_("How many different workers do each task (1 to 100)."),
    )
    overlap_dynamic = forms.BooleanField(
        label=_("Dynamic overlap"),
        required=False,
        help_text=_(
            "Stop a task once its answers agree enough, and ask more workers (up to the maximum) "
            "while they disagree. Workers per task is then the minimum."
        ),
    )
    overlap_max = forms.IntegerField(
        required=False,
        label=_("Maximum workers per task"),
        min_value=1,
        max_value=MAX_ASSIGNMENTS_PER_TASK,
        initial=5,
        help_text=_("Publishing reserves this many per task; unused ones come back."),
    )
    overlap_threshold_percent = forms.IntegerField(
        required=False,
        label=_("Confidence threshold (percent)"),
        min_value=MIN_OVERLAP_THRESHOLD,
        max_value=100,
        initial=80,
        help_text=_("The share of the answers that must agree to stop a task."),
    )
    overlap_field = forms.CharField(
        label=_("Deciding answer field"),
        max_length=40,
        required=False,
        help_text=_("Empty: the template's first categorical field."),
    )
    time_allotted_minutes = forms.IntegerField(
        label=_("Time allotted per assignment (minutes)"),
        min_value=1,
        max_value=MAX_DURATION_SECONDS // MINUTE,
        initial=10,
        help_text=_("After this, an accepted task goes back to the pool."),
    )
    lifetime_hours = forms.IntegerField(
        label=_("Batch lifetime (hours)"),
        min_value=1,
        max_value=MAX_DURATION_SECONDS // HOUR,
        initial=7 * 24,
        help_text=_("How long a published batch stays open; 168 hours is 7 days."),
    )
    auto_approval_hours = forms.IntegerField(
        label=_("Auto-approval delay (hours)"),
        min_value=0,
        max_value=min(MAX_AUTO_APPROVAL_SECONDS, settings.MICROWORK_AUTO_APPROVAL_MAX_SECONDS)
        // HOUR,
        initial=3 * 24,
        help_text=_("Work you have not reviewed by then is approved and paid; 72 hours is 3 days."),
    )
    estimated_minutes = forms.DecimalField(
        label=_("Estimated time per task (minutes)"),
        min_value=Decimal("0.02"),
        max_value=Decimal(MAX_DURATION_SECONDS // MINUTE),
        max_digits=8,
        decimal_places=2,
        initial=1,
        help_text=_("Be honest: workers see the hourly rate this implies. 0.5 is 30 seconds."),
    )
    template_kind = forms.ChoiceField(
        label=_("Template"),
        choices=TemplateKind.choices,
        widget=forms.RadioSelect,
        initial=TemplateKind.CUSTOM_HTML,
    )
    template_html = forms.CharField(
        label=_("Custom HTML"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text=_(
            "Form fields without the <form> tag; ${column} is replaced by the row's value."
        ),
    )
    # Where a service or model error about a stored field is shown on this form.
    FIELD_FOR_ERROR = {
        "reward_cents": "reward",
        "time_allotted_seconds": "time_allotted_minutes",
        "lifetime_seconds": "lifetime_hours",
        "auto_approval_delay_seconds": "auto_approval_hours",
        "estimated_seconds": "estimated_minutes",
        "template_config": "labels",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each ready-made task type adds its configuration fields (projects/tasktypes/); only
        # the chosen type's are read, so they are all optional here and checked in clean().
        for task_type in tasktypes.TASK_TYPES.values():
            for name, field in task_type.config_fields().items():
                self.fields[type_field_name(task_type, name)] = field

    def type_sections(self) -> list[dict]:
        """The configuration fields of each ready-made type, for the template."""
        return [
            {
                "key": task_type.key,
                "label": task_type.label,
                "fields": [
                    self[type_field_name(task_type, name)] for name in task_type.config_fields()
                ],
            }
            for task_type in tasktypes.TASK_TYPES.values()
        ]

    @classmethod
    def initial_for(cls, project: Project) -> dict:
        config = project.template_config or {}
        type_initial = {}
        task_type = tasktypes.task_type(project.template_kind)
        if task_type is not None:
            try:
                shown = task_type.form_initial(task_type.parse(config))
            except tasktypes.ConfigInvalid:
                shown = {}  # saved before a rule existed: the form then shows the defaults
            type_initial = {
                type_field_name(task_type, name): value
                for name, value in shown.items()
                if name in task_type.config_fields()
            }
        return {
            "title": project.title,
            "description": project.description,
            "instructions": project.instructions,
            "keywords": project.keywords,
            "reward": format_amount(project.reward_cents),
            "assignments_per_task": project.assignments_per_task,
            "overlap_dynamic": project.overlap_dynamic,
            "overlap_max": project.overlap_max,
            "overlap_threshold_percent": project.overlap_threshold_percent,
            "overlap_field": project.overlap_field,
            "time_allotted_minutes": project.time_allotted_seconds // MINUTE,
            "lifetime_hours": project.lifetime_seconds // HOUR,
            "auto_approval_hours": project.auto_approval_delay_seconds // HOUR,
            "estimated_minutes": (Decimal(project.estimated_seconds) / MINUTE).quantize(
                Decimal("0.01")
            ),
            "template_kind": project.template_kind,
            "template_html": project.template_html,
            **type_initial,
        }

    def clean_reward(self) -> int:
        try:
            cents = parse_amount(self.cleaned_data["reward"])
        except InvalidAmount as error:
            raise ValidationError(str(error)) from None
        if cents < 1:
            # The model's check constraint would refuse it too, but only as a form-wide error.
            raise ValidationError(_("A reward must be at least 0.01."))
        return cents

    def clean(self):
        cleaned = super().clean()
        task_type = tasktypes.task_type(cleaned.get("template_kind", ""))
        if task_type is not None:
            values = {
                name: cleaned.get(type_field_name(task_type, name))
                for name in task_type.config_fields()
            }
            try:
                self.type_config = task_type.parse(task_type.config_from_form(values))
            except tasktypes.ConfigInvalid as error:
                name = type_field_name(task_type, error.field)
                self.add_error(name if name in self.fields else None, str(error))
        self._clean_overlap(cleaned)
        return cleaned

    def _clean_overlap(self, cleaned) -> None:
        """Dynamic overlap needs a maximum of at least the workers per task, and a deciding
        field the template asks for."""
        if not cleaned.get("overlap_dynamic"):
            return
        minimum = cleaned.get("assignments_per_task")
        maximum = _or_default(cleaned.get("overlap_max"), "overlap_max")
        if minimum is not None and maximum < minimum:
            self.add_error(
                "overlap_max", _("At least the workers per task (%(n)d).") % {"n": minimum}
            )
        name = (cleaned.get("overlap_field") or "").strip()
        if name and "template_kind" in cleaned and not self.errors:
            draft = Project(
                template_kind=cleaned["template_kind"],
                template_html=cleaned.get("template_html") or "",
                template_config=getattr(self, "type_config", {}),
            )
            names = answer_field_names(draft)
            if names and name not in names:
                self.add_error(
                    "overlap_field",
                    _("The template has no answer field %(name)s; it has %(names)s.")
                    % {"name": name, "names": ", ".join(names)},
                )

    def project_fields(self) -> dict:
        """The keyword arguments of project_create() and project_update()."""
        data = self.cleaned_data
        fields = {
            "title": data["title"],
            "description": data["description"],
            "instructions": data["instructions"],
            "keywords": data["keywords"],
            "reward_cents": data["reward"],
            "assignments_per_task": data["assignments_per_task"],
            "overlap_dynamic": data["overlap_dynamic"],
            "overlap_max": _or_default(data["overlap_max"], "overlap_max"),
            "overlap_threshold_percent": _or_default(
                data["overlap_threshold_percent"], "overlap_threshold_percent"
            ),
            "overlap_field": data["overlap_field"].strip(),
            "time_allotted_seconds": data["time_allotted_minutes"] * MINUTE,
            "lifetime_seconds": data["lifetime_hours"] * HOUR,
            "auto_approval_delay_seconds": data["auto_approval_hours"] * HOUR,
            "estimated_seconds": max(1, round(data["estimated_minutes"] * MINUTE)),
            "template_kind": data["template_kind"],
        }
        if tasktypes.task_type(data["template_kind"]) is not None:
            fields["template_html"] = ""
            fields["template_config"] = self.type_config
        else:
            fields["template_html"] = data["template_html"]
            fields["template_config"] = {}
        return fields

    def add_service_error(self, error: ValidationError) -> None:
        """Show a ValidationError raised by a service on the fields it names."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            field = self.FIELD_FOR_ERROR.get(name, name)
            self.add_error(field if field in self.fields else None, messages)


def _or_default(value, name: str):
    """An optional field left empty keeps the model's default (clients that predate it)."""
    return Project._meta.get_field(name).default if value is None else value


def type_field_name(task_type, name: str) -> str:
    """A task type's configuration field on the project form: "<prefix>-<name>"."""
    prefix = task_type.key if task_type.form_prefix is None else task_type.form_prefix
    return f"{prefix}-{name}" if prefix else name


class BatchUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or JSONL)"),
        validators=[FileExtensionValidator(UPLOAD_EXTENSIONS)],
        widget=forms.FileInput(attrs={"accept": ".csv,.jsonl,.ndjson,.json"}),
        help_text=_("CSV in UTF-8 with a header row, or one JSON object per line."),
    )
    name = forms.CharField(
        label=_("Batch name"),
        max_length=200,
        required=False,
        help_text=_("Optional; the file name is used otherwise."),
    )
