from django import forms
from django.utils.translation import gettext_lazy as _

from microwork.common.money import InvalidAmount, parse_amount
from microwork.projects.enums import TemplateKind
from microwork.work.enums import ANSWERED_STATES
from microwork.work.models import Assignment


class ActiveTimeForm(forms.Form):
    """The work page's report: seconds it has been visible and focused, counted from load."""

    seconds = forms.IntegerField(min_value=0)


class ReviewAction:
    APPROVE = "approve"
    REJECT = "reject"
    APPROVE_ALL = "approve_all"


class ReviewForm(forms.Form):
    """Approve or reject the ticked submissions, or approve everything still submitted.

    `assignments` is a queryset already scoped to one batch of the requester, so an id from
    elsewhere is an invalid choice and the whole form is refused.
    """

    action = forms.ChoiceField(
        choices=[
            (ReviewAction.APPROVE, _("Approve selected")),
            (ReviewAction.REJECT, _("Reject selected")),
            (ReviewAction.APPROVE_ALL, _("Approve all submitted")),
        ]
    )
    selected = forms.ModelMultipleChoiceField(
        queryset=Assignment.objects.none(), required=False, widget=forms.MultipleHiddenInput
    )
    reason = forms.CharField(
        label=_("Feedback to the worker"),
        max_length=1024,
        required=False,
        help_text=_("Required to reject: the worker sees why."),
    )

    def __init__(self, *args, assignments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["selected"].queryset = assignments.filter(state__in=list(ANSWERED_STATES))

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action in (ReviewAction.APPROVE, ReviewAction.REJECT) and not cleaned.get("selected"):
            self.add_error("selected", _("Tick at least one submission."))
        if action == ReviewAction.REJECT and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("A rejection needs a reason; the worker will see it."))
        return cleaned


class MarketplaceSort:
    NEWEST = "newest"
    REWARD = "reward"
    HOURLY = "hourly"
    SLOTS = "slots"


# The task types as a worker names them (the requester's labels say how a template is built);
# templates a requester writes themselves are "Other".
WORKER_KIND_LABELS = {
    TemplateKind.IMAGE_CLASSIFICATION: _("Image classification"),
    TemplateKind.TEXT_CLASSIFICATION: _("Text classification"),
    TemplateKind.TRANSCRIPTION: _("Transcription"),
    TemplateKind.DATA_ENTRY: _("Data entry"),
    TemplateKind.SURVEY: _("Survey"),
    TemplateKind.BOUNDING_BOXES: _("Bounding boxes"),
    TemplateKind.FIELD_PHOTO: _("Field photo"),
}
OTHER_KINDS = "other"


class MarketplaceFilterForm(forms.Form):
    """The marketplace's search, filters and order, from the address (a GET form): every field
    optional, amounts typed as the worker reads them (0.50), kept in minor units."""

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Type of task"), required=False)
    min_reward = forms.CharField(label=_("Reward at least"), max_length=12, required=False)
    min_hourly = forms.CharField(label=_("Hourly rate at least"), max_length=12, required=False)
    max_minutes = forms.IntegerField(
        label=_("Takes at most (minutes)"), min_value=1, max_value=24 * 60, required=False
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            (MarketplaceSort.NEWEST, _("Newest first")),
            (MarketplaceSort.HOURLY, _("Best hourly rate first")),
            (MarketplaceSort.REWARD, _("Highest reward first")),
            (MarketplaceSort.SLOTS, _("Most tasks first")),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            ("", _("All types")),
            *WORKER_KIND_LABELS.items(),
            (OTHER_KINDS, _("Other")),
        ]

    def _amount(self, name: str) -> int | None:
        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return None
        try:
            return parse_amount(text)
        except InvalidAmount as error:
            raise forms.ValidationError(str(error)) from None

    def clean_min_reward(self):
        return self._amount("min_reward")

    def clean_min_hourly(self):
        return self._amount("min_hourly")

    @property
    def is_filtering(self) -> bool:
        """Whether the worker asked for anything but the default order."""
        return self.is_bound and any(
            self.data.get(name) for name in ("q", "kind", "min_reward", "min_hourly", "max_minutes")
        )
