from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from microwork.accounts.countries import COUNTRIES
from microwork.accounts.enums import ApiTokenScope, Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        # Plain user creation for admin and createsuperuser; the product path is
        # accounts.services.user_sign_up(), which also gives workers their worker id.
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("role", Role.REQUESTER)
        fields.update(is_staff=True, is_superuser=True)
        # Made on the server by its operator: the address needs no link to be believed.
        fields.setdefault("email_verified_at", timezone.now())
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person on the platform: a worker or a requester (staff are either, with is_staff).

    Workers are known to requesters only by `worker_id`, a stable pseudonym like MTurk's.
    """

    email = models.EmailField(_("email"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    worker_id = models.CharField(
        _("worker id"), max_length=14, unique=True, null=True, blank=True, editable=False
    )
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # A code from settings.LANGUAGES, set on each login on any device; "" follows the browser.
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    # When the person proved they read `email` (the signed link mailed to it, notifications);
    # None until then and again after a change of address. An unverified account may not move
    # money or publish work (accounts.services.EMAIL_NOT_VERIFIED, docs/adr/0027).
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)
    # The number of the latest version of the terms of service the user accepted (0: none). The
    # record is TermsAcceptance, append-only; this copy, kept by accounts.terms in the same
    # transaction, lets each page tell whether to ask without a query (the row comes with the
    # session).
    terms_version_accepted = models.PositiveIntegerField(_("terms accepted"), default=0)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(role="worker", worker_id__isnull=False) | ~Q(role="worker"),
                name="worker_has_worker_id",
            ),
            models.CheckConstraint(
                condition=Q(role__in=[choice.value for choice in Role]), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.worker_id if self.is_worker else self.email

    @property
    def is_worker(self) -> bool:
        return self.role == Role.WORKER

    @property
    def is_requester(self) -> bool:
        return self.role == Role.REQUESTER

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def public_name(self) -> str:
        """What other users see: a requester's display name, a worker's pseudonym."""
        if self.is_worker:
            return self.worker_id or ""
        return self.display_name or self.email.split("@", 1)[0]


class WorkerProfile(models.Model):
    """What a worker tells the platform about themselves, for requirements that need it.

    MTurk's Worker_Locale and Worker_Adult qualifications read the country, subdivision and
    adult declaration from here; `is_master` is the platform's trusted flag behind MTurk's
    Masters qualification, set by staff only. A worker with no profile row has none of these.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="worker_profile")
    # ISO 3166-1 alpha-2 ("US"), and the ISO 3166-2 subdivision part only ("WA"), as MTurk.
    country = models.CharField(_("country"), max_length=2, blank=True, choices=COUNTRIES)
    subdivision = models.CharField(_("subdivision"), max_length=3, blank=True)
    is_adult = models.BooleanField(_("18 or older"), default=False)
    is_master = models.BooleanField(_("masters"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(subdivision="") | ~Q(country=""),
                name="worker_profile_subdivision_needs_country",
            ),
        ]

    def __str__(self) -> str:
        return f"profile of {self.user}"


class Session(AbstractBaseSession):
    """A browser's session: Django's database session with its signed-in user as a column, so
    that a request reads its session and its user in one query (accounts/sessions/). The cookie,
    the data and the expiry are Django's; the user is set from the data on each save.

    No foreign key constraint: a session saved as its user is deleted is not an error, it is a
    session with no user. Deleting a user through the ORM deletes their sessions."""

    user = models.ForeignKey(
        User, null=True, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls):
        # The configured engine (accounts.sessions.db or .cached_db), named by the settings
        # rather than imported: the sessions module is built on this model.
        return import_module(settings.SESSION_ENGINE).SessionStore


class ApiToken(models.Model):
    """A personal token for the REST API (`Authorization: Bearer mwk_...`), made and revoked on
    the settings page (accounts/tokens.py, docs/adr/0019-rest-api-framework.md).

    Only the SHA-256 of the secret is kept: the secret is random (256 bits), so a fast hash is
    as good as a slow one against guessing, and the look-up stays one indexed read. `prefix` is
    the secret's first characters, shown so that a person can tell their tokens apart.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(
        _("scope"), max_length=8, choices=ApiTokenScope.choices, default=ApiTokenScope.READ
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Set on use at most once a minute (accounts/tokens.py), so a busy token does not write on
    # every request.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=[choice.value for choice in ApiTokenScope]),
                name="api_token_scope_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == ApiTokenScope.WRITE


class TermsVersion(models.Model):
    """One version of the platform's terms of service, as published: its text and a summary of
    what changed, in each of the site's languages, and the date it takes effect. Written once by
    accounts.terms.terms_publish() and never changed: a correction is a new version."""

    number = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    published_at = models.DateTimeField(_("published"), default=timezone.now, editable=False)
    effective_at = models.DateTimeField(_("takes effect"))
    text_en = models.TextField(_("text in English"))
    text_fr = models.TextField(_("text in French"))
    summary_en = models.TextField(_("summary of the changes in English"))
    summary_fr = models.TextField(_("summary of the changes in French"))
    published_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="terms_number_positive"),
            models.CheckConstraint(
                condition=Q(effective_at__gte=models.F("published_at")),
                name="terms_effective_after_published",
            ),
            models.CheckConstraint(
                condition=~Q(text_en="") & ~Q(text_fr="") & ~Q(summary_en="") & ~Q(summary_fr=""),
                name="terms_texts_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"terms v{self.number}"

    def text(self, language: str) -> str:
        return self.text_fr if language == "fr" else self.text_en

    def summary(self, language: str) -> str:
        return self.summary_fr if language == "fr" else self.summary_en

    @property
    def notice_days(self) -> int:
        """Whole days between publication and effect: the notice the change gave."""
        return (self.effective_at - self.published_at).days


class TermsAcceptance(models.Model):
    """Append-only: `user` accepted `version` at `accepted_at` (at sign-up, or on the page that
    asks after a new version takes effect). Rows are only ever created (accounts.terms)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="terms_acceptances")
    version = models.ForeignKey(TermsVersion, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField(_("accepted"), default=timezone.now)

    class Meta:
        ordering = ["accepted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="terms_accepted_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.version_id}"
