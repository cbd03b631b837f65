from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "isahub.consent"
    label = "consent"
    verbose_name = "Consent, sharing agreements and fair processing"
