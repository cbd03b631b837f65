import datetime as dt

from django import forms

from isahub.accounts.models import Role, User
from isahub.consent.forms import add_sharing_fields, sharing_layout
from isahub.core.forms import GovukFormMixin


class InvolvementForm(GovukFormMixin, forms.Form):
    submit_label = "Record involvement"
    role = forms.CharField(
        max_length=120, label="What you do for the child", help_text="For example 'Class teacher' or 'Health visitor'."
    )
    phone = forms.CharField(max_length=40, label="Phone number colleagues can reach you on")
    email = forms.EmailField(required=False, label="E-mail address (optional)")
    started_on = forms.DateField(
        label="Date you started working with the child", widget=forms.DateInput(attrs={"type": "date"}), initial=dt.date.today
    )

    def __init__(self, *args, on_behalf=False, ask_about_sharing=False, **kwargs):
        super().__init__(*args, **kwargs)
        first = ["role", "phone", "email", "started_on"]
        if on_behalf:
            self.fields["practitioner"] = forms.ModelChoiceField(
                queryset=User.objects.filter(is_active=True, role=Role.PRACTITIONER).select_related("agency"),
                label="Practitioner you are recording this for",
                help_text="Both your name and theirs are kept.",
            )
            self.order_fields(["practitioner"])
            first.insert(0, "practitioner")
        if ask_about_sharing:
            # An involvement is information beyond basic details: ask, at this moment, whether
            # consent covers sharing it (issue 6; research CON-03, CON-04).
            add_sharing_fields(self)
            self.helper.layout = sharing_layout(*first)


class EndInvolvementForm(GovukFormMixin, forms.Form):
    submit_label = "End involvement"
    reason = forms.CharField(max_length=200, label="Why is your involvement ending?")
    safe_to_close = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why is it safe to close? (required if you are the last person involved)",
    )


class LeadProfessionalForm(GovukFormMixin, forms.Form):
    submit_label = "Record lead professional"
    practitioner = forms.ChoiceField(label="Lead professional")
    deputy = forms.ChoiceField(required=False, label="Deputy for cover (optional)")
    reason = forms.CharField(max_length=300, label="Why this person leads", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, candidates: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = candidates
        self.fields["deputy"].choices = [("", "No deputy"), *candidates]


class CloseCaseForm(GovukFormMixin, forms.Form):
    submit_label = "Close the case"
    judgement = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 4}), label="Why is it safe to close this case?"
    )
