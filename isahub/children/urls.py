from django.urls import path

from isahub.involvements import views as involvement_views

from . import views

app_name = "children"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("new/", views.new_child, name="new"),
    path("merges/<int:merge_id>/unmerge/", views.unmerge, name="unmerge"),
    path("<uuid:child_id>/", views.record, name="record"),
    path("<uuid:child_id>/reason/", views.give_reason, name="reason"),
    path("<uuid:child_id>/emergency-access/", views.break_glass, name="break-glass"),
    path("<uuid:child_id>/merge/", views.merge, name="merge"),
    path("<uuid:child_id>/involvements/new/", involvement_views.register, name="involvement-new"),
    path("<uuid:child_id>/involvements/<uuid:involvement_id>/end/", involvement_views.end, name="involvement-end"),
    path("<uuid:child_id>/lead-professional/", involvement_views.lead, name="lead"),
    path("<uuid:child_id>/close/", involvement_views.close_case, name="close"),
]
