from django.apps import AppConfig


class ApiRequesterConfig(AppConfig):
    name = "microwork.api.requester"
    label = "api_requester"
    verbose_name = "REST API (requester)"
