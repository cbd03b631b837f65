import datetime as dt

from django import forms

from isahub.accounts.models import Agency, AgencyKind
from isahub.core.forms import GovukFormMixin

from .models import SchoolStatus, Sex

SEX_CHOICES = [("", "Not known")] + [(v, label) for v, label in Sex.choices if v != Sex.UNKNOWN]


class DateParts(forms.Form):
    """A GOV.UK date input: day, month and year as three boxes, one error for the date."""

    date_prefix = "date_of_birth"
    date_error = ""

    def _date_problem(self, message: str) -> None:
        self.date_error = message
        self.add_error(None, message)

    def clean_date(self, required: bool) -> dt.date | None:
        day, month, year = (self.data.get(f"{self.date_prefix}_{part}", "").strip() for part in ("day", "month", "year"))
        if not (day or month or year):
            if required:
                self._date_problem("Enter the date of birth.")
            return None
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            self._date_problem("The date of birth must be a real date, for example 27 3 2015.")
            return None


class SearchForm(DateParts):
    surname = forms.CharField(max_length=120, required=False, label="Surname")
    forename = forms.CharField(max_length=120, required=False, label="First name")
    sex = forms.ChoiceField(choices=SEX_CHOICES, required=False, label="Sex")
    postcode = forms.CharField(max_length=10, required=False, label="Postcode (current or previous)")

    def clean(self):
        data = super().clean()
        data["date_of_birth"] = self.clean_date(required=False)
        if data["date_of_birth"] and data["date_of_birth"] > dt.date.today():  # noqa: DTZ011 (a calendar date)
            self._date_problem("The date of birth must be in the past.")
        return data


class ReasonForm(forms.Form):
    reason = forms.ChoiceField(label="Why are you opening this record?", widget=forms.RadioSelect)
    details = forms.CharField(
        label="Add details (optional, required for 'Something else')",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    OTHER = "Something else"

    def __init__(self, *args, reasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(r, r) for r in [*reasons, self.OTHER]]

    def clean(self):
        data = super().clean()
        if data.get("reason") == self.OTHER and not data.get("details", "").strip():
            self.add_error("details", "Say why you are opening this record.")
        return data

    def reason_text(self) -> str:
        reason, details = self.cleaned_data["reason"], self.cleaned_data.get("details", "").strip()
        return f"{reason}: {details}" if details else reason


class BreakGlassForm(GovukFormMixin, forms.Form):
    submit_label = "Open the record in an emergency"

    justification = forms.CharField(
        label="What is the emergency?",
        min_length=20,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The central team is told at once and reviews every use of emergency access.",
    )


class NewChildForm(DateParts):
    """Rendered by hand (the date of birth is a GOV.UK date input)."""

    given_names = forms.CharField(max_length=120, label="First and middle names")
    family_name = forms.CharField(max_length=120, label="Surname")
    preferred_name = forms.CharField(max_length=120, required=False, label="Preferred first name (if different)")
    sex = forms.ChoiceField(choices=[(v, label) for v, label in Sex.choices], label="Sex")
    address_line_1 = forms.CharField(max_length=120, label="Address line 1")
    address_line_2 = forms.CharField(max_length=120, required=False, label="Address line 2 (optional)")
    town = forms.CharField(max_length=80, label="Town or city")
    postcode = forms.CharField(max_length=10, label="Postcode")
    school_status = forms.ChoiceField(choices=SchoolStatus.choices, label="School")
    school = forms.ModelChoiceField(queryset=Agency.objects.filter(kind=AgencyKind.SCHOOL), required=False, label="Which school")
    gp_practice = forms.ModelChoiceField(queryset=Agency.objects.filter(kind=AgencyKind.GP), required=False, label="GP practice")
    nhs_number = forms.CharField(max_length=14, required=False, label="NHS number (optional)")
    upn = forms.CharField(max_length=14, required=False, label="Unique pupil number (optional)")

    def clean(self):
        data = super().clean()
        data["date_of_birth"] = self.clean_date(required=True)
        return data


class MergeForm(GovukFormMixin, forms.Form):
    submit_label = "Merge the records"

    duplicate = forms.UUIDField(
        label="Record id of the duplicate", help_text="The duplicate's details move under this record; it can be undone."
    )
    reason = forms.CharField(label="Why are these the same child?", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
