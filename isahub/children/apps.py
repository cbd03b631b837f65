from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "isahub.children"
    label = "children"
