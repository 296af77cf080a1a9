"""Forms of the quality pages. They turn what a person types into service arguments; the rules
(comparators and their values, unique names, reasons) live in quality.services, whose errors
are mapped back onto these fields."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from microwork.accounts.enums import Role
from microwork.accounts.models import User
from microwork.quality.enums import (
    ActionsGuarded,
    Comparator,
    QualificationTypeStatus,
    RuleActionKind,
    RuleCondition,
    SystemQualification,
)
from microwork.quality.models import ProjectRequirement, QualificationType
from microwork.quality.qualification_tests import BuiltQuestion

SYSTEM_PREFIX = "system:"
TYPE_PREFIX = "type:"


def add_service_error(form: forms.Form, error: ValidationError, field_for=None) -> None:
    """Show a service's ValidationError on the fields it names, or on the whole form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        field = (field_for or {}).get(name, name)
        form.add_error(field if field in form.fields else None, messages)


class QualificationTypeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Workers who hold it see this."),
    )
    keywords = forms.CharField(label=_("Keywords"), max_length=1000, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=QualificationTypeStatus.choices, initial="Active"
    )
    auto_granted = forms.BooleanField(
        label=_("Grant automatically to workers who request it"), required=False
    )
    auto_granted_value = forms.IntegerField(label=_("Value granted automatically"), initial=1)
    retry_delay_seconds = forms.IntegerField(
        label=_("Retry delay (seconds)"), min_value=0, required=False
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # MTurk fixes a type's name and keywords once it exists.
            for name in ("name", "keywords"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed once the type is created.")

    @classmethod
    def initial_for(cls, qualification_type: QualificationType) -> dict:
        return {
            name: getattr(qualification_type, name)
            for name in (
                "name",
                "description",
                "keywords",
                "status",
                "auto_granted",
                "auto_granted_value",
                "retry_delay_seconds",
            )
        }

    def update_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("name")
        data.pop("keywords")
        return data


def _worker_by_id(worker_id: str) -> User:
    worker = User.objects.filter(worker_id=worker_id.strip().upper(), role=Role.WORKER).first()
    if worker is None:
        raise ValidationError(_("No worker has this id."))
    return worker


class GrantForm(forms.Form):
    worker_id = forms.CharField(label=_("Worker id"), max_length=14)
    integer_value = forms.IntegerField(label=_("Value"), initial=1)

    def clean_worker_id(self) -> User:
        return _worker_by_id(self.cleaned_data["worker_id"])


class RevokeForm(forms.Form):
    worker_id = forms.CharField(max_length=14, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason (the worker sees it)"), max_length=1024, required=False
    )

    def clean_worker_id(self) -> User:
        return _worker_by_id(self.cleaned_data["worker_id"])


class BlockForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1024,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required: the worker sees it, with the date."),
    )


class ConfirmForm(forms.Form):
    """A POST with nothing to type (delete, unblock): the form only carries the CSRF check."""


class RequirementForm(forms.Form):
    """One row of the requirements page. Values are typed as text: whole numbers separated by
    commas ("95", "1, 2, 3"), or for the location country codes ("US, CA, US-WA")."""

    qualification = forms.ChoiceField(label=_("Qualification"), required=False)
    comparator = forms.ChoiceField(label=_("Comparator"), choices=Comparator.choices)
    values = forms.CharField(label=_("Values"), max_length=400, required=False)
    actions_guarded = forms.ChoiceField(
        label=_("Unqualified workers may not"),
        choices=ActionsGuarded.choices,
        initial=ActionsGuarded.ACCEPT,
    )

    def __init__(self, *args, qualification_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.types = {f"{TYPE_PREFIX}{t.public_id}": t for t in qualification_types}
        self.fields["qualification"].choices = [
            ("", "—"),
            (
                _("System"),
                [(f"{SYSTEM_PREFIX}{key}", label) for key, label in SystemQualification.choices],
            ),
            (_("Your qualification types"), [(key, t.name) for key, t in self.types.items()]),
        ]

    @classmethod
    def initial_for(cls, requirement: ProjectRequirement) -> dict:
        if requirement.qualification_type_id is not None:
            qualification = f"{TYPE_PREFIX}{requirement.qualification_type.public_id}"
        else:
            qualification = f"{SYSTEM_PREFIX}{requirement.system_key}"
        if requirement.locale_values:
            values = ", ".join(
                "-".join(filter(None, [locale["Country"], locale.get("Subdivision")]))
                for locale in requirement.locale_values
            )
        else:
            values = ", ".join(str(number) for number in requirement.integer_values)
        return {
            "qualification": qualification,
            "comparator": requirement.comparator,
            "values": values,
            "actions_guarded": requirement.actions_guarded,
        }

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("qualification")

    def clean(self):
        cleaned = super().clean()
        qualification = cleaned.get("qualification")
        if not qualification:
            return cleaned
        is_locale = qualification == f"{SYSTEM_PREFIX}{SystemQualification.LOCALE}"
        tokens = [token.strip() for token in (cleaned.get("values") or "").split(",")]
        tokens = [token for token in tokens if token]
        if is_locale:
            locales = []
            for token in tokens:
                country, _dash, subdivision = token.upper().partition("-")
                locale = {"Country": country}
                if subdivision:
                    locale["Subdivision"] = subdivision
                locales.append(locale)
            cleaned["integer_values"], cleaned["locale_values"] = [], locales
        else:
            try:
                cleaned["integer_values"] = [int(token) for token in tokens]
            except ValueError:
                self.add_error("values", _("Give whole numbers separated by commas."))
            cleaned["locale_values"] = []
        return cleaned

    def requirement(self) -> dict:
        """The requirement as quality.services.project_requirements_set() takes it."""
        data = self.cleaned_data
        qualification = data["qualification"]
        requirement = {
            "comparator": data["comparator"],
            "integer_values": data["integer_values"],
            "locale_values": data["locale_values"],
            "actions_guarded": data["actions_guarded"],
        }
        if qualification.startswith(SYSTEM_PREFIX):
            requirement["system_key"] = qualification.removeprefix(SYSTEM_PREFIX)
        else:
            requirement["qualification_type"] = self.types[qualification]
        return requirement


RequirementFormSet = forms.formset_factory(
    RequirementForm, extra=2, max_num=10, validate_max=True, absolute_max=10
)


class GoldSettingsForm(forms.Form):
    mixing_rate_percent = forms.IntegerField(
        label=_("Gold tasks in each worker's stream (%)"),
        min_value=0,
        max_value=100,
        initial=0,
        help_text=_(
            "The chance that “accept next task” gives a worker a gold task they have not done "
            "yet. 0: gold tasks are never handed out."
        ),
    )
    workers_per_gold_task = forms.IntegerField(
        label=_("Workers per gold task"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_(
            "How many different workers may answer each gold task; each answer is paid like "
            "any other. Empty: as many as an ordinary task. Applies to draft and new batches."
        ),
    )
    shows_feedback = forms.BooleanField(
        label=_("Training mode: show the right answer after a mistake on a gold task"),
        required=False,
    )


class RuleForm(forms.Form):
    condition = forms.ChoiceField(label=_("When the worker's"), choices=RuleCondition.choices)
    threshold_percent = forms.IntegerField(label=_("Threshold (%)"), min_value=0, max_value=100)
    min_observations = forms.IntegerField(
        label=_("After at least this many observations"), min_value=1, initial=10
    )
    action = forms.ChoiceField(label=_("Then"), choices=RuleActionKind.choices)
    weight_percent = forms.IntegerField(
        label=_("Weight of their answers (%)"),
        min_value=0,
        max_value=100,
        initial=50,
        help_text=_("For “lower the weight”: majority vote, Wawa and Dawid-Skene honour it."),
    )


# --- qualification tests and requests ------------------------------------------------------


class RequestAcceptForm(forms.Form):
    integer_value = forms.IntegerField(label=_("Value to grant"), initial=1)


class RequestRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the worker sees it)"), max_length=1024, required=False
    )


BUILT_OPTIONS = 4


class BuiltQuestionForm(forms.Form):
    """One question of a test built on the web: its text, up to four options, the right one.
    A row left empty is skipped."""

    text = forms.CharField(label=_("Question"), max_length=1000, required=False)
    option_1 = forms.CharField(label=_("Option 1"), max_length=300, required=False)
    option_2 = forms.CharField(label=_("Option 2"), max_length=300, required=False)
    option_3 = forms.CharField(label=_("Option 3"), max_length=300, required=False)
    option_4 = forms.CharField(label=_("Option 4"), max_length=300, required=False)
    correct = forms.TypedChoiceField(
        label=_("Right option"),
        choices=[(str(n), str(n)) for n in range(1, BUILT_OPTIONS + 1)],
        coerce=int,
        initial="1",
    )

    @property
    def is_blank(self) -> bool:
        return not getattr(self, "cleaned_data", {}).get("text")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("text"):
            return cleaned
        options = [cleaned.get(f"option_{n}", "").strip() for n in range(1, BUILT_OPTIONS + 1)]
        filled = [option for option in options if option]
        if len(filled) < 2:
            raise ValidationError(_("Give at least two options."))
        correct = cleaned.get("correct")
        if correct and not options[correct - 1]:
            self.add_error("correct", _("The right option must be one you filled in."))
        return cleaned

    def built(self):
        data = self.cleaned_data
        options = [data.get(f"option_{n}", "").strip() for n in range(1, BUILT_OPTIONS + 1)]
        kept = [(index, option) for index, option in enumerate(options) if option]
        correct = next(
            position for position, (index, _o) in enumerate(kept) if index == data["correct"] - 1
        )
        return BuiltQuestion(
            text=data["text"].strip(), options=tuple(o for _i, o in kept), correct=correct
        )


BuiltQuestionFormSet = forms.formset_factory(
    BuiltQuestionForm, extra=5, max_num=20, validate_max=True, absolute_max=20
)


class BuiltTestForm(forms.Form):
    """The settings of a test built on the web; the questions come in BuiltQuestionFormSet."""

    pass_count = forms.IntegerField(
        label=_("Right answers needed to pass"),
        min_value=0,
        initial=1,
        help_text=_("Workers who pass get the value 1, the others 0: require “equal to 1”."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Time allowed (minutes)"), min_value=1, max_value=24 * 60, initial=10
    )
    retry_delay_hours = forms.IntegerField(
        label=_("Retake allowed after (hours)"),
        min_value=0,
        required=False,
        help_text=_("Empty: one attempt only."),
    )
