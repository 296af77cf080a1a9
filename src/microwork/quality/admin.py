"""Read-mostly admin: staff look things up here; changes go through the requester pages and the
services, which hold the rules."""

from django.contrib import admin

from microwork.quality.models import (
    GoldSettings,
    ProjectRequirement,
    QualificationRequest,
    QualificationType,
    Rule,
    RuleAction,
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


@admin.register(QualificationRequest)
class QualificationRequestAdmin(admin.ModelAdmin):
    list_display = ["qualification_type", "worker", "state", "integer_value", "started_at"]
    list_filter = ["state"]
    search_fields = ["public_id", "worker__worker_id", "qualification_type__name"]
    readonly_fields = [field.name for field in QualificationRequest._meta.fields]

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


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("project", "condition", "threshold_percent", "min_observations", "action")
    list_filter = ("condition", "action", "is_active")
    raw_id_fields = ("project",)


@admin.register(RuleAction)
class RuleActionAdmin(admin.ModelAdmin):
    list_display = ("worker", "project", "action", "observed_percent", "observations", "created_at")
    list_filter = ("action",)
    raw_id_fields = ("rule", "project", "worker")
    readonly_fields = ("reason", "observed_percent", "observations", "created_at")


@admin.register(GoldSettings)
class GoldSettingsAdmin(admin.ModelAdmin):
    list_display = ("project", "shows_feedback", "mixing_rate_percent")
    raw_id_fields = ("project",)
