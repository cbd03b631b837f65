from django.conf import settings
from django.urls import include, path

from isahub.api.urls import api_urls, mark_public

urlpatterns = [
    path("", include("isahub.core.urls")),
    path("", include("isahub.accounts.urls")),
    path("audit/", include("isahub.audit.urls")),
    path("children/", include("isahub.children.urls")),
    path("notifications/", include("isahub.messaging.urls")),
    path("feeds/", include("isahub.feeds.urls")),
    path("linkage/", include("isahub.linkage.urls")),
    path("consent/", include("isahub.consent.urls")),
    path("directory/", include("isahub.directory.urls")),
    path("api/v1/", api_urls()),
    path("api/oruk/", include("isahub.directory.oruk_urls")),
]

if settings.ISAHUB_OIDC_ENABLED:
    # Single sign-on: the identity provider's round trip happens before anyone is signed in.
    from mozilla_django_oidc import urls as oidc_urls

    urlpatterns.append(path("oidc/", include(mark_public(list(oidc_urls.urlpatterns)))))

handler400 = "isahub.core.views.bad_request"
handler403 = "isahub.core.views.permission_denied"
handler404 = "isahub.core.views.page_not_found"
handler500 = "isahub.core.views.server_error"
