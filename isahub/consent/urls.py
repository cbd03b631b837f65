from django.urls import path

from . import views

app_name = "consent"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("children/<uuid:child_id>/", views.child_consent, name="child"),
    path("children/<uuid:child_id>/new/", views.consent_new, name="new"),
    path("children/<uuid:child_id>/lawful-basis/", views.lawful_basis_new, name="lawful-basis"),
    path("children/<uuid:child_id>/not-for-parents/", views.confidentiality_new, name="confidentiality"),
    path("children/<uuid:child_id>/not-for-parents/<uuid:record_id>/end/", views.confidentiality_end, name="confidentiality-end"),
    path("children/<uuid:child_id>/index-decision/", views.inclusion_new, name="inclusion"),
    path("lawful-basis/<uuid:record_id>/review/", views.review, name="review"),
    path("agreements/", views.agreements, name="agreements"),
    path("agreements/new/", views.agreement_edit, name="agreement-new"),
    path("agreements/<uuid:agreement_id>/", views.agreement_edit, name="agreement-edit"),
    path("agreements/<uuid:agreement_id>/signed-copy/", views.agreement_copy, name="agreement-copy"),
    path("notices/", views.notices, name="notices"),
    path("notices/new/", views.notice_new, name="notice-new"),
    path("notices/<uuid:notice_id>/issue/", views.notice_issue, name="notice-issue"),
    path("toolkit/", views.toolkit, name="toolkit"),
    path("toolkit/new/", views.toolkit_edit, name="toolkit-new"),
    path("toolkit/<slug:slug>/", views.toolkit_page, name="toolkit-page"),
    path("toolkit/<slug:slug>/edit/", views.toolkit_edit, name="toolkit-edit"),
]
