from django.core.exceptions import ValidationError

DEMO_PASSWORD = "demo-borough-2026"  # noqa: S105 # nosec B105 # published on purpose; refused in production


class NotTheDemoPasswordValidator:
    """Production refuses the published demo password."""

    def validate(self, password, user=None):
        if password == DEMO_PASSWORD:
            raise ValidationError("This is the published demo password; choose another.", code="demo_password")

    def get_help_text(self):
        return "Your password cannot be the demo password."
