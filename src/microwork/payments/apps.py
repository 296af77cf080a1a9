from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "microwork.payments"
    label = "payments"
