from crispy_forms_gds.helper import FormHelper
from django import forms
from django.conf import settings

from isahub.core.forms import GovukFormMixin

from .feedtypes import FEED_TYPES
from .reading import FORMATS


class UploadForm(GovukFormMixin, forms.Form):
    submit_label = "Check and load"

    agency = forms.ModelChoiceField(queryset=None, label="Which agency sent it?", empty_label=None)  # type: ignore[arg-type]
    feed_type = forms.ChoiceField(
        label="What kind of extract is it?",
        choices=[(code, t.label) for code, t in FEED_TYPES.items()],
        help_text="Each kind has its own columns: see the feed schemas in docs/feeds.md.",
    )
    file = forms.FileField(label="The extract", help_text="CSV with a header row, or JSON Lines (.jsonl), saved as UTF-8.")
    format = forms.ChoiceField(
        label="Format",
        choices=[("", "From the file name"), *((f, f.upper() if f == "csv" else "JSON Lines") for f in FORMATS)],
        required=False,
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.ISAHUB_FEED_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {settings.ISAHUB_FEED_MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return upload


class ReviewDecisionForm(forms.Form):
    """One radio group: "link:<child id>" for a candidate, "create" or "reject"."""

    choice = forms.CharField(error_messages={"required": "Choose a candidate, a new child or reject."})
    note = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args, candidate_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()  # for the error summary; the template lays the choices out
        self.candidate_ids = {str(c) for c in candidate_ids}

    def clean(self):
        data = super().clean()
        choice = data.get("choice", "")
        if choice in ("create", "reject"):
            data["decision"], data["child"] = choice, None
        elif choice.startswith("link:") and choice[5:] in self.candidate_ids:
            data["decision"], data["child"] = "link", choice[5:]
        elif choice:
            self.add_error("choice", "Choose one of the candidates shown.")
        return data


class ConflictDecisionForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()  # for the error summary; the template lays the choices out

    decision = forms.ChoiceField(
        choices=[("apply", "Apply the feed's value"), ("keep", "Keep the current value")], widget=forms.RadioSelect
    )
    note = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
