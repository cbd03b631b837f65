from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "isahub.linkage"
    label = "linkage"
    verbose_name = "Probabilistic record linkage"
