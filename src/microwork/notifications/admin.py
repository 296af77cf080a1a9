from django.contrib import admin

from microwork.notifications.models import Notification, Preference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: what was told to whom, and whether its mail went out."""

    list_display = ["created_at", "recipient", "kind", "delivery", "emailed_at", "read_at"]
    list_filter = ["kind", "delivery"]
    search_fields = ["recipient__email", "recipient__worker_id"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "delivery"]
    list_filter = ["kind", "delivery"]
    search_fields = ["user__email"]
    readonly_fields = ["user", "kind", "delivery"]

    def has_add_permission(self, request):
        return False
