from django.urls import path

from . import views

app_name = "linkage"
urlpatterns = [
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/<int:proposal_id>/", views.duplicate, name="duplicate"),
    path("duplicates/<int:proposal_id>/merge/", views.merge, name="duplicate-merge"),
    path("duplicates/<int:proposal_id>/dismiss/", views.dismiss, name="duplicate-dismiss"),
]
