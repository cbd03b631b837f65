from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Submit
from django import forms

from isahub.accounts.models import Agency, User

from .actions import ACTIONS
from .selectors import AuditFilters


class AuditFilterForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.all(), required=False, label="User")
    agency = forms.ModelChoiceField(queryset=Agency.objects.all(), required=False, label="Agency")
    child = forms.CharField(required=False, max_length=64, label="Child record id")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *sorted(ACTIONS.items(), key=lambda kv: kv[1])])
    date_from = forms.DateField(required=False, label="From (date)", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To (date)", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.add_input(Submit("filter", "Filter"))

    def clean(self):
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data

    def filters(self) -> AuditFilters:
        data: dict = self.cleaned_data if self.is_valid() else {}
        return AuditFilters(
            actor_id=data["user"].pk if data.get("user") else None,
            agency_id=data["agency"].pk if data.get("agency") else None,
            child_id=data.get("child", ""),
            action=data.get("action", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
