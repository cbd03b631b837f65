from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm

from isahub.core.forms import GovukFormMixin

from .models import Agency, AgencyKind, Role, User


class GovukForm(GovukFormMixin, forms.Form):
    pass


class SignInForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Username"
        self.fields["password"].label = "Password"
        # Autofocus would skip the skip link and the page's explanation for keyboard users.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("submit", "Sign in"))


class OtpCodeForm(GovukForm):
    submit_label = "Continue"
    code = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )

    def clean_code(self):
        return self.cleaned_data["code"].replace(" ", "").strip()


class ConfirmIdentityForm(GovukForm):
    submit_label = "Confirm"
    password = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    code = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        max_length=20,
        help_text="Only if you have set up an authenticator app.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.form_tag = False  # the page's own form carries the "next" field


class ApiTokenForm(GovukForm):
    submit_label = "Create token"
    name = forms.CharField(
        label="Name for this token", max_length=100, help_text="For example, the tool or script that will use it."
    )


class UserForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "email",
            "job_title",
            "phone",
            "role",
            "is_active",
            "dbs_checked_on",
            "training_completed_on",
            "user_agreement_signed_on",
        ]
        widgets = {
            "dbs_checked_on": forms.DateInput(attrs={"type": "date"}),
            "training_completed_on": forms.DateInput(attrs={"type": "date"}),
            "user_agreement_signed_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, allowed_roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed_roles is not None:
            self.fields["role"].choices = [(value, label) for value, label in Role.choices if value in allowed_roles]
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("submit", "Save"))


class NewUserForm(UserForm):
    username = forms.RegexField(
        regex=r"^[a-z0-9._-]{3,40}$", label="Username", help_text="Lower-case letters, digits, dots, dashes; 3 to 40 characters."
    )
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label="Agency")

    class Meta(UserForm.Meta):
        fields = ["username", "agency", *UserForm.Meta.fields]

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies if agencies is not None else Agency.objects.none()

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError("That username is already taken.")
        return username


class AgencyForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = ["name", "kind", "parent", "is_sensitive_service", "phone", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = AgencyKind.choices
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("submit", "Save"))
