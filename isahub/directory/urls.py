from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    # Public: no sign-in (tests/architecture lists these names).
    path("", views.search, name="directory-search"),
    path("a-z/", views.a_to_z, name="directory-a-z"),
    path("services/<uuid:service_id>/", views.service, name="directory-service"),
    path("organisations/<uuid:organisation_id>/", views.organisation, name="directory-organisation"),
    path("who-does-what/", views.who_does_what, name="directory-who-does-what"),
    path("glossary/", views.glossary, name="directory-glossary"),
    path("suggest/", views.suggest, name="directory-suggest"),
    # Signed in: keeping entries current.
    path("manage/", views.manage, name="directory-manage"),
    path("manage/services/<uuid:service_id>/edit/", views.service_edit, name="directory-service-edit"),
    path("manage/services/<uuid:service_id>/verify/", views.service_verify, name="directory-service-verify"),
    path("manage/changes/", views.changes, name="directory-changes"),
    path("manage/changes/<uuid:change_id>/", views.change_decide, name="directory-change-decide"),
    path("manage/import/", views.directory_import, name="directory-import"),
    path("manage/export/", views.directory_export, name="directory-export"),
]
