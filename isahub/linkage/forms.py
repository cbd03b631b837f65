"""The two decisions on a proposed pair: merge (which record survives, and why) or dismiss (why
they are two children). Each form has its own prefix so both fit on one page."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Submit
from django import forms
from django.urls import reverse

from .models import DuplicateProposal
from .selectors import legal_name


class MergeForm(forms.Form):
    survivor = forms.ChoiceField(
        label="Which record should be kept?",
        help_text="The other record is merged into it. Both histories are kept and the merge can be undone.",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the record to keep.", "invalid_choice": "Choose one of the two records."},
    )
    note = forms.CharField(
        label="Why are these the same child?",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why these records are the same child."},
    )

    def __init__(self, *args, proposal: DuplicateProposal, **kwargs):
        kwargs.setdefault("prefix", "merge")
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = [  # type: ignore[attr-defined]
            (str(child.pk), f"Record {letter}: {legal_name(child)}")
            for letter, child in (("A", proposal.child_a), ("B", proposal.child_b))
        ]
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.form_action = reverse("linkage:duplicate-merge", args=[proposal.pk])
        self.helper.add_input(Submit("merge", "Merge the records"))

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError("Say why these records are the same child.")
        return note


class DismissForm(forms.Form):
    note = forms.CharField(
        label="Why are these two different children?",
        help_text="For example: twins, or siblings with similar names.",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why these are two different children."},
    )

    def __init__(self, *args, proposal: DuplicateProposal, **kwargs):
        kwargs.setdefault("prefix", "dismiss")
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.form_action = reverse("linkage:duplicate-dismiss", args=[proposal.pk])
        self.helper.add_input(Submit("dismiss", "Not the same child", css_class="govuk-button--secondary"))

    def clean_note(self):
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError("Say why these are two different children.")
        return note
