from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "microwork.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
