from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "isahub.messaging"
    label = "messaging"
