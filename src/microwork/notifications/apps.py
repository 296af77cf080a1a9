from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "microwork.notifications"
    label = "notifications"
    verbose_name = "Notifications"
