from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from microwork.work import services
from microwork.work.models import Assignment


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Read-only: every change of state goes through work.services, which keeps the task's slot
    count and the money right; the admin only looks, and can run the expiry sweep."""

    list_display = [
        "public_id",
        "task",
        "worker",
        "state",
        "accepted_at",
        "deadline",
        "submitted_at",
    ]
    list_filter = ["state"]
    search_fields = ["public_id", "task__public_id", "worker__worker_id", "worker__email"]
    list_select_related = ["task", "worker"]
    date_hierarchy = "accepted_at"
    actions = ["expire_overdue"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Expire every overdue assignment now"))
    def expire_overdue(self, request, queryset):
        count = services.assignments_expire_overdue()
        self.message_user(
            request,
            ngettext("%(n)d assignment expired.", "%(n)d assignments expired.", count)
            % {"n": count},
            messages.SUCCESS,
        )
