from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Submit
from django.core.exceptions import ValidationError


class GovukFormMixin:
    """Render with the GOV.UK Design System (error summary, labels, hints) via crispy-forms-gds."""

    submit_label = "Continue"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        # The server's GOV.UK error summary, not the browser's own pop-ups.
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("submit", self.submit_label))


def apply_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where there is one, else above it."""
    if hasattr(error, "error_dict"):
        for field_name, problems in error.message_dict.items():
            form.add_error(field_name if field_name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)
