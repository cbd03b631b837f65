"""Forms for consent, lawful basis, agreements, notices and the toolkit (GOV.UK via crispy-forms-gds)."""

from __future__ import annotations

import datetime as dt

from crispy_forms_gds.layout import Fieldset, Layout, Size
from django import forms

from isahub.accounts.models import Agency
from isahub.core.forms import GovukFormMixin

from .models import (
    AccessLevel,
    AgreementKind,
    ConsentDecision,
    ConsentMethod,
    GivenBy,
    InclusionDecision,
    InformationKind,
    LawfulBasis,
    NoticeChannel,
    ToolkitKind,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what a date input reads


def _agencies():
    return forms.ModelMultipleChoiceField(
        queryset=Agency.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Which agencies may see it",
        help_text="Tick each agency, or choose all agencies taking part below.",
    )


def _kinds(initial=(InformationKind.INVOLVEMENT,)):
    return forms.MultipleChoiceField(
        choices=InformationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=list(initial),
        label="Which kinds of information",
    )


class SharingChoice:
    EXISTING = "existing"
    NEW_CONSENT = "new_consent"
    LAWFUL_BASIS = "lawful_basis"
    NOT_SHARED = "not_shared"
    CHOICES = [
        (EXISTING, "Yes: the consent already recorded covers it"),
        (NEW_CONSENT, "Yes: I am recording the family's consent now"),
        (LAWFUL_BASIS, "No consent, but there is a lawful basis to share without it"),
        (NOT_SHARED, "Not yet: keep it to my agency until consent is recorded"),
    ]


def add_sharing_fields(form: forms.Form) -> None:
    """The question asked whenever a practitioner adds information beyond basic details."""
    f = form.fields
    f["sharing"] = forms.ChoiceField(
        choices=SharingChoice.CHOICES,
        widget=forms.RadioSelect,
        label="Does the family's consent cover sharing this with other agencies?",
        help_text="Other agencies see it only when consent or a lawful basis covers them and their agency signed an agreement.",
    )
    f["given_by"] = forms.ChoiceField(choices=[("", "Choose"), *GivenBy.choices], required=False, label="Who gave consent")
    f["giver_name"] = forms.CharField(max_length=120, required=False, label="Their name (optional)")
    f["sufficient_understanding"] = forms.BooleanField(
        required=False, label="The child gave it for themselves and I judge they have sufficient understanding"
    )
    f["consent_all_agencies"] = forms.BooleanField(required=False, label="All agencies taking part in the hub")
    f["consent_agencies"] = _agencies()
    f["consent_kinds"] = _kinds()
    f["method"] = forms.ChoiceField(choices=[("", "Choose"), *ConsentMethod.choices], required=False, label="How it was given")
    f["evidence_location"] = forms.CharField(
        max_length=200, required=False, label="Where the evidence is kept", help_text="For example 'School safeguarding file'."
    )
    f["review_on"] = forms.DateField(required=False, widget=DATE, label="Review consent by")
    f["basis"] = forms.ChoiceField(choices=[("", "Choose"), *LawfulBasis.choices], required=False, label="Lawful basis")
    f["justification"] = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why sharing without consent is justified",
        help_text="Required. The central team reviews every lawful-basis record.",
    )
    f["basis_all_agencies"] = forms.BooleanField(required=False, label="All agencies taking part in the hub")
    f["basis_agencies"] = _agencies()


def sharing_layout(*first: str) -> Layout:
    return Layout(
        *first,
        Fieldset("sharing", legend="Sharing with other agencies", legend_size=Size.MEDIUM),
        Fieldset(
            "given_by",
            "giver_name",
            "sufficient_understanding",
            "consent_agencies",
            "consent_all_agencies",
            "consent_kinds",
            "method",
            "evidence_location",
            "review_on",
            legend="If you are recording consent now",
            legend_size=Size.SMALL,
        ),
        Fieldset(
            "basis",
            "justification",
            "basis_agencies",
            "basis_all_agencies",
            legend="If you are sharing without consent",
            legend_size=Size.SMALL,
        ),
    )


class ConsentForm(GovukFormMixin, forms.Form):
    submit_label = "Record decision"
    decision = forms.ChoiceField(choices=ConsentDecision.choices, widget=forms.RadioSelect, label="What was decided")
    given_by = forms.ChoiceField(choices=GivenBy.choices, widget=forms.RadioSelect, label="Who decided")
    giver_name = forms.CharField(max_length=120, required=False, label="Their name (optional)")
    sufficient_understanding = forms.BooleanField(
        required=False, label="The child decided for themselves and I judge they have sufficient understanding"
    )
    agencies = _agencies()
    all_agencies = forms.BooleanField(required=False, label="All agencies taking part in the hub")
    kinds = _kinds(initial=[k.value for k in InformationKind])
    method = forms.ChoiceField(choices=ConsentMethod.choices, widget=forms.RadioSelect, label="How it was given")
    evidence_location = forms.CharField(max_length=200, label="Where the evidence is kept")
    given_on = forms.DateField(widget=DATE, initial=dt.date.today, label="Date")
    review_on = forms.DateField(required=False, widget=DATE, label="Review by (required when consent is given)")
    expires_on = forms.DateField(required=False, widget=DATE, label="Expires on (optional)")
    note = forms.CharField(max_length=500, required=False, label="Note (optional)")


class LawfulBasisForm(GovukFormMixin, forms.Form):
    submit_label = "Record lawful basis"
    basis = forms.ChoiceField(choices=LawfulBasis.choices, widget=forms.RadioSelect, label="Lawful basis")
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Why sharing without consent is justified",
        help_text="The central team reviews every lawful-basis record.",
    )
    agencies = _agencies()
    all_agencies = forms.BooleanField(required=False, label="All agencies taking part in the hub")
    kinds = _kinds()
    ends_on = forms.DateField(required=False, widget=DATE, label="Ends on (optional)")


class ReviewForm(GovukFormMixin, forms.Form):
    submit_label = "Record review"
    outcome = forms.ChoiceField(
        choices=[("upheld", "Uphold: the basis is sound"), ("rejected", "Do not uphold: it stops applying")],
        widget=forms.RadioSelect,
        label="Outcome",
    )
    note = forms.CharField(max_length=500, required=False, label="Note (required when not upheld)")


class ConfidentialityForm(GovukFormMixin, forms.Form):
    submit_label = "Record the child's request"
    request = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}), label="What the child asked")
    kinds = _kinds()
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"), required=False, label="Only this agency's information (optional)"
    )
    sufficient_understanding = forms.BooleanField(required=False, label="I judge the child has sufficient understanding")


class InclusionForm(GovukFormMixin, forms.Form):
    submit_label = "Record decision"
    decision = forms.ChoiceField(choices=InclusionDecision.choices, widget=forms.RadioSelect, label="The family's decision")
    given_by = forms.ChoiceField(choices=GivenBy.choices, widget=forms.RadioSelect, label="Who decided")
    method = forms.ChoiceField(choices=ConsentMethod.choices, widget=forms.RadioSelect, label="How")
    evidence_location = forms.CharField(max_length=200, label="Where the evidence is kept")
    note = forms.CharField(max_length=500, required=False, label="Note (optional)")


class AgreementForm(GovukFormMixin, forms.Form):
    submit_label = "Save agreement"
    kind = forms.ChoiceField(choices=AgreementKind.choices, widget=forms.RadioSelect, label="Kind of agreement")
    title = forms.CharField(max_length=200)
    reference = forms.CharField(max_length=60, required=False, label="Reference (optional)")
    parties = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.order_by("name"), widget=forms.CheckboxSelectMultiple, label="Agencies that signed it"
    )
    starts_on = forms.DateField(widget=DATE, label="In force from")
    ends_on = forms.DateField(required=False, widget=DATE, label="In force until (optional)")
    access_level = forms.ChoiceField(choices=AccessLevel.choices, widget=forms.RadioSelect, label="Access level it allows")
    kinds = _kinds(initial=[InformationKind.INVOLVEMENT])
    signed_copy = forms.FileField(required=False, label="Signed copy (PDF, PNG or JPEG)")


class NoticeForm(GovukFormMixin, forms.Form):
    submit_label = "Add notice version"
    version = forms.CharField(max_length=20)
    title = forms.CharField(max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), label="Notice text")
    published_on = forms.DateField(widget=DATE, initial=dt.date.today)
    reissue_after_months = forms.IntegerField(min_value=1, max_value=60, initial=12, label="Re-issue after (months)")


class NoticeIssueForm(GovukFormMixin, forms.Form):
    submit_label = "Record issue"
    cohort = forms.CharField(max_length=200, help_text="For example 'Reception intake 2026, Riverside Primary'.")
    channel = forms.ChoiceField(choices=NoticeChannel.choices, widget=forms.RadioSelect, label="How it was issued")
    issued_on = forms.DateField(widget=DATE, initial=dt.date.today)
    families = forms.IntegerField(required=False, min_value=0, label="Number of families (optional)")


class ToolkitForm(GovukFormMixin, forms.Form):
    submit_label = "Save page"
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ToolkitKind.choices, widget=forms.RadioSelect)
    agency = forms.ModelChoiceField(queryset=Agency.objects.order_by("name"), required=False, label="Agency (optional)")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Plain text. A blank line starts a new paragraph; a line starting '- ' is a list item.",
    )


def sharing_answer_from(data: dict):
    """The form's answer as the service's SharingAnswer."""
    from django.utils import timezone

    from .services import ConsentDetails, SharingAnswer

    choice = data.get("sharing") or ""
    details = None
    if choice == SharingChoice.NEW_CONSENT:
        details = ConsentDetails(
            decision=ConsentDecision.GIVEN,
            given_by=data.get("given_by") or "",
            giver_name=data.get("giver_name") or "",
            sufficient_understanding=bool(data.get("sufficient_understanding")),
            all_agencies=bool(data.get("consent_all_agencies")),
            agencies=list(data.get("consent_agencies") or []),
            kinds=list(data.get("consent_kinds") or []),
            method=data.get("method") or "",
            evidence_location=data.get("evidence_location") or "",
            given_on=timezone.localdate(),
            review_on=data.get("review_on"),
        )
    return SharingAnswer(
        choice=choice,
        consent=details,
        basis=data.get("basis") or "",
        justification=data.get("justification") or "",
        basis_all_agencies=bool(data.get("basis_all_agencies")),
        basis_agencies=list(data.get("basis_agencies") or []),
    )
