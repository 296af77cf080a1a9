"""Read-mostly admin: staff look things up here; changes go through the requester pages and the
services, which hold the rules."""

from django.contrib import admin

from microwork.quality.models import (
    ProjectRequirement,
    QualificationType,
    WorkerBlock,
    WorkerQualification,
)


@admin.register(QualificationType)
class QualificationTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "public_id", "owner", "status", "created_at", "deleted_at"]
    list_filter = ["status"]
    search_fields = ["name", "public_id", "owner__email"]
    readonly_fields = [field.name for field in QualificationType._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(WorkerQualification)
class WorkerQualificationAdmin(admin.ModelAdmin):
    list_display = ["qualification_type", "worker", "integer_value", "status", "granted_at"]
    list_filter = ["status"]
    search_fields = ["worker__worker_id", "qualification_type__name"]
    readonly_fields = [field.name for field in WorkerQualification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ProjectRequirement)
class ProjectRequirementAdmin(admin.ModelAdmin):
    list_display = ["project", "position", "qualification_type", "system_key", "comparator"]
    readonly_fields = [field.name for field in ProjectRequirement._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(WorkerBlock)
class WorkerBlockAdmin(admin.ModelAdmin):
    list_display = ["worker", "requester", "reason", "created_at"]
    search_fields = ["worker__worker_id", "requester__email"]
    readonly_fields = [field.name for field in WorkerBlock._meta.fields]

    def has_add_permission(self, request):
        return False
