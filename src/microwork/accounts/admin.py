from datetime import timedelta

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone

from microwork.accounts import terms
from microwork.accounts.forms import AdminUserCreationForm
from microwork.accounts.models import TermsAcceptance, TermsVersion, User, WorkerProfile
from microwork.common.admin import ReadOnlyAdmin


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


class TermsPublishForm(forms.ModelForm):
    """A new version of the terms, checked as terms_publish() checks it."""

    class Meta:
        model = TermsVersion
        fields = ["effective_at", "text_en", "text_fr", "summary_en", "summary_fr"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        earliest = timezone.localtime(terms.earliest_effective())
        if TermsVersion.objects.exists():
            # The day after the earliest allowed moment, at midnight: the form is sent later
            # than it is shown, and a change is best dated from the start of a day.
            earliest = (earliest + timedelta(days=1)).replace(hour=0, minute=0, second=0)
        self.fields["effective_at"].initial = earliest.replace(microsecond=0)
        self.fields["effective_at"].help_text = (
            "The first version may take effect at once; each later one at least "
            "MICROWORK_TERMS_NOTICE_DAYS days after it is published. Every user is notified "
            "now and asked to accept it at their next page once it is in force."
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            terms.terms_publish_check(
                effective_at=cleaned.get("effective_at"),
                now=timezone.now(),
                **{name: cleaned.get(name, "") for name in terms.TEXT_FIELDS},
            )
        return cleaned


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    """Staff publish a version here (terms_publish); a published version is never changed."""

    form = TermsPublishForm
    list_display = ["number", "published_at", "effective_at", "notice_days", "published_by"]
    ordering = ["-number"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        version = terms.terms_publish(
            actor=request.user,
            effective_at=form.cleaned_data["effective_at"],
            **{name: form.cleaned_data[name] for name in terms.TEXT_FIELDS},
        )
        obj.pk = version.pk
        obj.number = version.number


@admin.register(TermsAcceptance)
class TermsAcceptanceAdmin(ReadOnlyAdmin):
    """Append-only: shown, never added, changed or deleted here."""

    list_display = ["user", "version", "accepted_at"]
    list_filter = ["version"]
    search_fields = ["user__worker_id", "user__email"]
    raw_id_fields = ["user"]
