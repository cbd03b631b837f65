from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Submit


class GovukFormMixin:
    """Render with the GOV.UK Design System (error summary, labels, hints) via crispy-forms-gds."""

    submit_label = "Continue"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        # The server's GOV.UK error summary, not the browser's own pop-ups.
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("submit", self.submit_label))
