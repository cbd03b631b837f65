from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "isahub.core"
    label = "core"

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy check on the database's durability)
