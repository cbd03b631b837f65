from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "isahub.api"
    label = "api"
