from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "isahub.feeds"
    label = "feeds"
    verbose_name = "Agency data feeds"
