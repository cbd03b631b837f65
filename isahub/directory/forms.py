from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .geo import is_known_area, normalise_postcode
from .models import ReferralRoute, ServiceStatus

DISTANCES = [("", _("Any distance")), ("1", _("Within 1 mile")), ("3", _("Within 3 miles")), ("5", _("Within 5 miles"))]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Keywords"), required=False, max_length=200)
    postcode = forms.CharField(label=_("Postcode or area"), required=False, max_length=40)
    within = forms.ChoiceField(label=_("Distance"), required=False, choices=DISTANCES)
    age = forms.IntegerField(label=_("Age of the child or young person"), required=False, min_value=0, max_value=25)
    type = forms.MultipleChoiceField(label=_("Type of service"), required=False)
    need = forms.MultipleChoiceField(label=_("Need"), required=False)
    domain = forms.MultipleChoiceField(label=_("Assessment Framework domain or dimension"), required=False)

    def __init__(self, *args, types=(), needs=(), framework=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(str(t.pk), t.name) for t in types]
        self.fields["need"].choices = [(str(t.pk), t.name) for t in needs]
        self.fields["domain"].choices = [(str(t.pk), t.name) for domain, dims in framework for t in [domain, *dims]]

    def clean_postcode(self):
        raw = self.cleaned_data["postcode"].strip()
        if not raw:
            return ""
        postcode = normalise_postcode(raw)
        if postcode:
            return postcode
        outward = raw.replace(" ", "").upper()
        if 2 <= len(outward) <= 4 and outward[0].isalpha() and any(c.isdigit() for c in outward):
            return outward  # a postcode district, like NB3
        if is_known_area(raw):
            return raw  # an area, like Eastgate
        raise forms.ValidationError(_("Enter a postcode, like NB3 5QT, or the name of an area, like Eastgate"))


class ServiceEditForm(forms.Form):
    name = forms.CharField(label=_("Name of the service"), max_length=250)
    description = forms.CharField(label=_("What the service does"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
    url = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    email = forms.EmailField(label=_("E-mail address"), required=False)
    fees = forms.CharField(label=_("Cost"), required=False, max_length=500)
    eligibility_description = forms.CharField(label=_("Who it is for"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    minimum_age = forms.IntegerField(label=_("Youngest age"), required=False, min_value=0, max_value=120)
    maximum_age = forms.IntegerField(label=_("Oldest age"), required=False, min_value=0, max_value=120)
    referral_route = forms.ChoiceField(label=_("How people get the service"), choices=ReferralRoute.choices)
    how_to_refer = forms.CharField(
        label=_("How to refer or self-refer"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    referral_thresholds = forms.CharField(
        label=_("Referral thresholds and priorities"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    alert = forms.CharField(label=_("Alert shown on the entry"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", _("The oldest age must be the same as or more than the youngest age"))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note (needed when you reject)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why you are rejecting the change"))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Directory file (Open Referral UK JSON, or a zip of its CSV tables)"))
