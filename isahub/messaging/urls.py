from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("<int:notification_id>/read/", views.notification_read, name="notification-read"),
]
