from django.apps import AppConfig


class InvolvementsConfig(AppConfig):
    name = "isahub.involvements"
    label = "involvements"
