"""The endpoint form of the webhooks pages. The URL's rules are destinations.url_check's,
applied by the services; the form checks the shape."""

from django import forms
from django.utils.translation import gettext_lazy as _

from microwork.webhooks.enums import EventType


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("An https:// address of yours that answers a POST with a 2xx status."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active (send it events)"), required=False, initial=True)
