from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "microwork.common"
    label = "common"
