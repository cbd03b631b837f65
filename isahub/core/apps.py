from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "isahub.core"
    label = "core"
