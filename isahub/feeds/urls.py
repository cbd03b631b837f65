from django.urls import path

from . import views

app_name = "feeds"
urlpatterns = [
    path("", views.home, name="home"),
    path("upload/", views.upload, name="upload"),
    path("loads/<int:load_id>/", views.load_report, name="load"),
    path("review/", views.review_queue, name="review-queue"),
    path("review/<int:item_id>/", views.review_item, name="review-item"),
    path("conflicts/", views.conflict_queue, name="conflict-queue"),
    path("conflicts/<int:conflict_id>/", views.conflict, name="conflict"),
]
