"""OIDC single sign-on for councils that use it (off unless ISAHUB_OIDC_ENABLED).

Only people who already have an account here may sign in this way: the identity
provider proves who they are; their agency, role and vetting are still managed here.
"""

from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class ExistingUserOIDCBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims):
        email = claims.get("email")
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True)

    def create_user(self, claims):
        return None
