from django.apps import AppConfig


class MturkConfig(AppConfig):
    name = "microwork.mturk"
    label = "mturk"
    verbose_name = "MTurk-compatible API"
