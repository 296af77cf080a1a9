from django import forms

from microwork.notifications.enums import Delivery, NotificationKind

CHOICES = [(value, label) for value, label in Delivery.choices if value != Delivery.PENDING]


class PreferencesForm(forms.Form):
    """One choice per kind the person can get."""

    def __init__(self, *args, kinds=(), initial_deliveries=None, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind] = forms.ChoiceField(
                label=NotificationKind(kind).label,
                choices=CHOICES,
                initial=(initial_deliveries or {}).get(kind),
                widget=forms.RadioSelect,
            )
