from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "isahub.accounts"
    label = "accounts"

    def ready(self):
        from . import checks, receivers  # noqa: F401  (auth events are audited from the start)
