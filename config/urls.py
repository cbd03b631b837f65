from django.urls import include, path

from isahub.api.urls import api_urls

urlpatterns = [
    path("", include("isahub.core.urls")),
    path("", include("isahub.accounts.urls")),
    path("audit/", include("isahub.audit.urls")),
    path("api/v1/", api_urls()),
]

handler400 = "isahub.core.views.bad_request"
handler403 = "isahub.core.views.permission_denied"
handler404 = "isahub.core.views.page_not_found"
handler500 = "isahub.core.views.server_error"
