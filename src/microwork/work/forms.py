from django import forms
from django.utils.translation import gettext_lazy as _

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
