"""The Open Referral UK API, mounted at /api/oruk/."""

from django.urls import path

from . import oruk_api

app_name = "oruk"
urlpatterns = [
    path("", oruk_api.root, name="root"),
    path("openapi.json", oruk_api.openapi, name="openapi"),
    path("services", oruk_api.services, name="services"),
    path("services/<str:id>", oruk_api.service, name="service"),
    path("taxonomies", oruk_api.taxonomies, name="taxonomies"),
    path("taxonomies/<str:id>", oruk_api.taxonomy, name="taxonomy"),
    path("taxonomy_terms", oruk_api.taxonomy_terms, name="taxonomy-terms"),
    path("taxonomy_terms/<str:id>", oruk_api.taxonomy_term, name="taxonomy-term"),
    path("service_at_locations", oruk_api.service_at_locations, name="service-at-locations"),
    path("service_at_locations/<str:id>", oruk_api.service_at_location, name="service-at-location"),
]
