from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from microwork.accounts.forms import AdminUserCreationForm
from microwork.accounts.models import User, WorkerProfile


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = AdminUserCreationForm
    ordering = ["email"]
    list_display = ["email", "role", "worker_id", "display_name", "is_staff", "is_active"]
    list_filter = ["role", "is_staff", "is_active"]
    search_fields = ["email", "worker_id", "display_name"]
    readonly_fields = ["worker_id", "date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password", "role", "worker_id", "display_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["date_joined", "last_login"]}),
    ]
    add_fieldsets = [(None, {"fields": ["email", "role", "password1", "password2"]})]


@admin.register(WorkerProfile)
class WorkerProfileAdmin(admin.ModelAdmin):
    """Staff set `is_master` here: the platform's Masters qualification."""

    list_display = ["user", "country", "subdivision", "is_adult", "is_master", "updated_at"]
    list_filter = ["is_master", "is_adult", "country"]
    search_fields = ["user__worker_id", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["updated_at"]
