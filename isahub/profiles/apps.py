from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "isahub.profiles"
    label = "profiles"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system check)
