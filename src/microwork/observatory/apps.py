from django.apps import AppConfig


class ObservatoryConfig(AppConfig):
    name = "microwork.observatory"
    label = "observatory"
    verbose_name = "Observatory"
