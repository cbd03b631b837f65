from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", LogoutView.as_view(), name="sign-out"),
    path("account/two-factor/", views.second_factor, name="second-factor"),
    path("account/two-factor/set-up/", views.second_factor_set_up, name="second-factor-set-up"),
    path("account/two-factor/skip/", views.second_factor_skip, name="second-factor-skip"),
    path("account/two-factor/recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("account/confirm-identity/", views.confirm_identity, name="confirm-identity"),
    path("account/api-tokens/", views.api_tokens, name="api-tokens"),
    path("account/api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_new, name="user-new"),
    path("users/<int:user_id>/", views.user_edit, name="user-edit"),
    path("agencies/", views.agency_list, name="agency-list"),
    path("agencies/new/", views.agency_new, name="agency-new"),
    path("agencies/<int:agency_id>/", views.agency_edit, name="agency-edit"),
]
