from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "isahub.policy"
    label = "policy"
