from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "isahub.directory"
    label = "directory"
    verbose_name = "Service directory"

    def ready(self) -> None:
        # The directory's policy rules live with the others (isahub/policy/rules/directory.py).
        from isahub.policy.rules import directory  # noqa: F401
