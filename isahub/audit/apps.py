from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "isahub.audit"
    label = "audit"
