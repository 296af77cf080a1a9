from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "microwork.quality"
    label = "quality"
    verbose_name = "Quality"
