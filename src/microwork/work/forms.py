from django import forms


class ActiveTimeForm(forms.Form):
    """The work page's report: seconds it has been visible and focused, counted from load."""

    seconds = forms.IntegerField(min_value=0)
