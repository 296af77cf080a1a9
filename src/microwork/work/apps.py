from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "microwork.work"
    label = "work"
