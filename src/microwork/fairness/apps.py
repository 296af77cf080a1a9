from django.apps import AppConfig


class FairnessConfig(AppConfig):
    name = "microwork.fairness"
    label = "fairness"
    verbose_name = "Fair work"
