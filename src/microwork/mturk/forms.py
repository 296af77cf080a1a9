from django import forms
from django.utils.translation import gettext_lazy as _


class AccessKeyCreateForm(forms.Form):
    label = forms.CharField(label=_("Label (what uses the key)"), max_length=100, required=False)
