"""Account pages. Thin: parse input, call a service or selector, render."""

import time

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from isahub.audit.services import audit_record
from isahub.policy.engine import decide, require
from isahub.profiles.loader import current_profile

from . import selectors, services
from .decorators import STEPPED_UP_AT, require_recent_authentication
from .forms import AgencyForm, ApiTokenForm, ConfirmIdentityForm, NewUserForm, OtpCodeForm, SignInForm, UserForm
from .middleware import TOTP_SKIPPED
from .models import Role

RECOVERY_CODE_COUNT = 10


class SignInView(LoginView):
    template_name = "accounts/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True
    extra_context = {"oidc_enabled": settings.ISAHUB_OIDC_ENABLED}


def home(request):
    user = request.user
    profile = current_profile()
    return render(
        request,
        "accounts/home.html",
        {
            "role_name": profile.role_name(user.role),
            "dashboard": f"accounts/dashboards/{user.role}.html",
            "can_manage_users": decide(user, "users.list").allowed,
            "can_read_audit": decide(user, "audit.view").allowed,
        },
    )


# --- Second factor -------------------------------------------------------------------


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@require_http_methods(["GET", "POST"])
def second_factor(request):
    """Confirm sign-in with a code from the app, or with a one-use recovery code."""
    user = request.user
    if not user_has_device(user, confirmed=True):
        return redirect("accounts:second-factor-set-up")
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            request.session[STEPPED_UP_AT] = time.time()
            action = "auth.recovery_code_used" if isinstance(device, StaticDevice) else "auth.second_factor_verified"
            audit_record(action=action, actor=user)
            return redirect(_safe_next(request, reverse("accounts:home")))
        audit_record(action="auth.second_factor_failed", actor=user, outcome="refused")
        form.add_error("code", _wrong_code_message(user))
    return render(request, "accounts/second_factor.html", {"form": form})


def _wrong_code_message(user) -> str:
    throttled = any(not device.verify_is_allowed()[0] for device in TOTPDevice.objects.filter(user=user, confirmed=True))
    if throttled:
        return "That code was not accepted. Wait a few seconds, then enter the newest code from your app."
    return "That code is not right. Check your app and try again, or use a recovery code."


@require_http_methods(["GET", "POST"])
def second_factor_set_up(request):
    """Enrol an authenticator app: scan the QR code, then confirm with a first code."""
    user = request.user
    if user_has_device(user, confirmed=True):
        return redirect("accounts:second-factor")
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "Authenticator app"})
    form = OtpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                device.confirmed = True
                device.save()
                codes = _new_recovery_codes(user)
                otp_login(request, device)
                audit_record(action="auth.second_factor_enrolled", actor=user)
            request.session["isahub_new_recovery_codes"] = codes
            return redirect("accounts:recovery-codes")
        form.add_error("code", "That code is not right. Check the time on your phone is correct and try again.")
    qr = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return render(
        request,
        "accounts/second_factor_set_up.html",
        {
            "form": form,
            "qr_svg": qr.to_string(encoding="unicode"),
            "secret": _base32(device.bin_key),
            "can_skip": settings.ISAHUB_DEMO_MODE,
        },
    )


def _base32(key: bytes) -> str:
    import base64

    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes(request):
    codes = request.session.pop("isahub_new_recovery_codes", None)
    if not codes:
        return redirect("accounts:home")
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


@require_POST
def second_factor_skip(request):
    """Demo only: go on without an authenticator app. Production never offers this."""
    if not settings.ISAHUB_DEMO_MODE:
        return redirect("accounts:second-factor-set-up")
    request.session[TOTP_SKIPPED] = True
    return redirect("accounts:home")


@require_http_methods(["GET", "POST"])
def confirm_identity(request):
    """Step-up: confirm password (and code) again before a sensitive action."""
    user = request.user
    form = ConfirmIdentityForm(request.POST or None)
    needs_code = user_has_device(user, confirmed=True)
    if request.method == "POST" and form.is_valid():
        password_ok = authenticate(request, username=user.get_username(), password=form.cleaned_data["password"]) is not None
        code = form.cleaned_data["code"]
        code_ok = not needs_code or (bool(code) and match_token(user, code) is not None)
        if password_ok and code_ok:
            request.session[STEPPED_UP_AT] = time.time()
            audit_record(action="auth.step_up", actor=user)
            return redirect(_safe_next(request, reverse("accounts:home")))
        audit_record(action="auth.step_up_failed", actor=user, outcome="refused")
        form.add_error(None, "Your password or code was not right.")
        if not password_ok:
            form.add_error("password", "Enter your current password.")
        if not code_ok:
            form.add_error("code", "Enter the code from your authenticator app.")
    return render(
        request, "accounts/confirm_identity.html", {"form": form, "needs_code": needs_code, "next": _safe_next(request, "")}
    )


# --- Personal API tokens ---------------------------------------------------------------


@require_recent_authentication
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _, new_token = services.api_token_create(user=request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": selectors.api_token_list(actor=request.user),
            "new_token": new_token,
        },
    )


@require_POST
def api_token_revoke(request, token_id: int):
    token = selectors.access_own_token(actor=request.user, token_id=token_id)
    services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"The token “{token.name}” has been revoked.")
    return redirect("accounts:api-tokens")


# --- Users and agencies -------------------------------------------------------------------


def _grantable_roles(actor) -> list[str]:
    return [role for role in Role.values if decide(actor, "user.grant_role", role).allowed]


def user_list(request):
    users = selectors.user_list(actor=request.user)
    return render(request, "accounts/user_list.html", {"users": users})


@require_recent_authentication
@require_http_methods(["GET", "POST"])
def user_new(request):
    require(request.user, "users.list")
    agencies = selectors.agency_list(actor=request.user)
    if request.user.role != Role.SYSTEM_ADMINISTRATOR:
        agencies = agencies.filter(pk=request.user.agency_id)
    form = NewUserForm(request.POST or None, agencies=agencies, allowed_roles=_grantable_roles(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        user = services.user_create(
            actor=request.user, username=data.pop("username"), agency=data.pop("agency"), role=data.pop("role"), **data
        )
        messages.success(request, f"Account {user.username} created. They set a password with the link your administrator sends.")
        return redirect("accounts:user-list")
    return render(request, "accounts/user_form.html", {"form": form, "title": "Add a user"})


@require_recent_authentication
@require_http_methods(["GET", "POST"])
def user_edit(request, user_id: int):
    user = selectors.access_user(actor=request.user, user_id=user_id)
    require(request.user, "user.manage", user)
    form = UserForm(
        request.POST or None,
        instance=None,
        initial={f: getattr(user, f) for f in UserForm.Meta.fields},
        allowed_roles=_grantable_roles(request.user) + ([user.role] if user.role not in _grantable_roles(request.user) else []),
    )
    if request.method == "POST" and form.is_valid():
        services.user_update(actor=request.user, user=user, changes=form.cleaned_data)
        messages.success(request, f"Changes to {user.username} saved.")
        return redirect("accounts:user-list")
    return render(request, "accounts/user_form.html", {"form": form, "title": f"Change {user.display_name}", "subject": user})


def agency_list(request):
    return render(
        request,
        "accounts/agency_list.html",
        {
            "agencies": selectors.agency_list(actor=request.user),
            "can_manage": decide(request.user, "agency.manage").allowed,
        },
    )


@require_http_methods(["GET", "POST"])
def agency_new(request):
    require(request.user, "agency.manage")
    form = AgencyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.agency_create(actor=request.user, **form.cleaned_data)
        messages.success(request, "Agency added.")
        return redirect("accounts:agency-list")
    return render(request, "accounts/agency_form.html", {"form": form, "title": "Add an agency"})


@require_http_methods(["GET", "POST"])
def agency_edit(request, agency_id: int):
    agency = selectors.access_agency_for_change(actor=request.user, agency_id=agency_id)
    form = AgencyForm(request.POST or None, initial={f: getattr(agency, f) for f in AgencyForm.Meta.fields})
    if request.method == "POST" and form.is_valid():
        services.agency_update(actor=request.user, agency=agency, changes=form.cleaned_data)
        messages.success(request, "Agency saved.")
        return redirect("accounts:agency-list")
    return render(request, "accounts/agency_form.html", {"form": form, "title": f"Change {agency.name}"})
