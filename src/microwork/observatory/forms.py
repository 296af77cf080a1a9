from django import forms
from django.utils.translation import gettext_lazy as _

from microwork.observatory import consent as consent_text
from microwork.observatory.enums import Reason
from microwork.observatory.models import SurveyResponse


class SurveyForm(forms.ModelForm):
    reasons = forms.MultipleChoiceField(
        label=_("Why do you do micro-work?"),
        choices=Reason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    consent = forms.BooleanField(label=_("I agree to the text above."), required=True)
    consent_version = forms.CharField(
        widget=forms.HiddenInput, initial=consent_text.CURRENT_VERSION
    )

    class Meta:
        model = SurveyResponse
        fields = [
            "gender",
            "age_band",
            "country",
            "area",
            "education",
            "employment",
            "household",
            "income_share",
            "other_work_hours",
            "reasons",
        ]

    def clean_consent_version(self):
        version = self.cleaned_data["consent_version"]
        if version not in consent_text.TEXTS:
            raise forms.ValidationError(_("Unknown version of the consent text."))
        return version

    def answers(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
