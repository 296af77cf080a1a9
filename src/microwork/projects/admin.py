"""Staff views of projects, batches and tasks: read-mostly.

Projects, batches and tasks are created and changed through the services (the requester pages,
the API, MTurk); an admin form would bypass their rules (frozen terms, escrow, the batch state
machine). Staff may only correct a project's wording, and pause or cancel batches through the
same services the requester uses.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from microwork.projects import services
from microwork.projects.models import Batch, Project, Task

WORDING_FIELDS = ("title", "description", "instructions", "keywords")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "requester",
        "reward_cents",
        "currency",
        "assignments_per_task",
        "template_kind",
        "created_at",
    ]
    list_filter = ["template_kind", "currency", "created_at"]
    search_fields = ["title", "public_id", "requester__email", "keywords"]
    list_select_related = ["requester"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]

    def get_readonly_fields(self, request, obj=None):
        # Only the wording is editable here; pay, time and template are the terms workers
        # accepted, changed through project_update() if at all.
        return [
            field.name
            for field in self.model._meta.concrete_fields
            if field.name not in WORDING_FIELDS
        ]

    def save_model(self, request, obj, form, change):
        services.project_update(
            project=obj, **{name: form.cleaned_data[name] for name in WORDING_FIELDS}
        )


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ["name", "project", "status", "task_count", "published_at", "expires_at"]
    list_filter = ["status", "published_at"]
    search_fields = ["name", "project__title", "project__public_id", "project__requester__email"]
    list_select_related = ["project"]
    ordering = ["-created_at"]
    actions = ["pause_batches", "cancel_batches"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.concrete_fields]

    def _apply(self, request, queryset, action) -> int:
        changed = 0
        for batch in queryset.order_by("pk"):
            try:
                action(batch=batch)
            except services.BatchStateError as error:
                self.message_user(request, f"{batch}: {error}", messages.WARNING)
            else:
                changed += 1
        return changed

    @admin.action(description=_("Pause selected batches"))
    def pause_batches(self, request, queryset):
        n = self._apply(request, queryset, services.batch_pause)
        self.message_user(
            request, ngettext("%(n)d batch paused.", "%(n)d batches paused.", n) % {"n": n}
        )

    @admin.action(description=_("Cancel selected batches"))
    def cancel_batches(self, request, queryset):
        n = self._apply(request, queryset, services.batch_cancel)
        self.message_user(
            request, ngettext("%(n)d batch cancelled.", "%(n)d batches cancelled.", n) % {"n": n}
        )


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "batch", "row_number", "max_assignments", "open_slots"]
    list_filter = ["batch__status"]
    search_fields = ["public_id", "batch__name", "batch__project__title"]
    list_select_related = ["batch"]
    ordering = ["batch", "row_number"]
    show_full_result_count = False  # COUNT(*) over millions of tasks is slow

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.concrete_fields]
