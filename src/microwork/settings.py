"""microwork's one settings module: every value that differs between machines comes from the
environment. A bad value raises ImproperlyConfigured naming the variable.

Production is `MICROWORK_HTTPS=1` plus a `MICROWORK_SECRET_KEY` and a `DATABASE_URL` (docs/deploy.md);
`manage.py check --deploy` is clean with those set.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from microwork.common.email_url import email_settings
from microwork.common.environment import env_bool, env_int, env_list
from microwork.common.ratelimits import rates_from_environ

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("MICROWORK_DATA_DIR") or Path.cwd() / "var").resolve()

DEBUG = env_bool("MICROWORK_DEBUG", False)
# HTTPS mode is production mode: secure cookies, HSTS, redirect to https, a real secret key.
HTTPS = env_bool("MICROWORK_HTTPS", False)


def _secret_key() -> str:
    key = os.environ.get("MICROWORK_SECRET_KEY", "")
    if key:
        if HTTPS and len(key) < 50:
            raise ImproperlyConfigured("MICROWORK_SECRET_KEY must be at least 50 characters")
        return key
    if HTTPS:
        raise ImproperlyConfigured("MICROWORK_SECRET_KEY must be set when MICROWORK_HTTPS=1")
    # Embedded (non-HTTPS) installs keep a generated key in the data directory, so `make run`
    # needs no setup and sessions survive a restart.
    # Several processes may start at once on a new data directory (two servers, a server and
    # its job worker): each writes a candidate beside the key and links it into place, which
    # only the first can do, so every process reads the same key.
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        candidate = DATA_DIR / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        candidate.write_text(secrets.token_urlsafe(64))
        candidate.chmod(0o600)
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("MICROWORK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("MICROWORK_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "microwork.common",
    "microwork.accounts",
    "microwork.projects",
    "microwork.work",
    "microwork.payments",
    "microwork.quality",
    "microwork.fairness",
    "microwork.notifications",
    "microwork.webhooks",
    "microwork.observatory",  # public statistics and the worker survey (docs/adr/0026)
    "microwork.mturk",
    "microwork.demo",
    "microwork.api.requester",  # the REST API's Idempotency-Key records
    "ninja",  # the REST API's docs page serves its own static files (docs/adr/0019)
    "huey.contrib.djhuey",
    "axes",  # login lockout (docs/adr/0023)
    # Two-factor login: authenticator apps and backup codes (docs/adr/0027)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "microwork.common.body_limit.BodyLimitMiddleware",  # a body over the cap is never read
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "microwork.accounts.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # has this session given a code? (adr 0027)
    "microwork.accounts.two_factor.TwoFactorMiddleware",  # staff give one before any page
    "microwork.accounts.middleware.TermsMiddleware",  # new terms in force: accept them first
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "microwork.common.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a locked-out login into its 429 page
]

ROOT_URLCONF = "microwork.urls"
WSGI_APPLICATION = "microwork.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'microwork.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            conn_max_age=env_int("MICROWORK_CONN_MAX_AGE", 600),
            conn_health_checks=env_bool("MICROWORK_CONN_HEALTH_CHECKS", True),
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL we understand: {error}"
    ) from None

POSTGRESQL_BACKENDS = {
    "microwork": "microwork.common.postgresql",
    "stock": "django.db.backends.postgresql",
}


def _postgresql_engine(name: str) -> str:
    """The ENGINE for a postgres:// URL, from MICROWORK_DB_BACKEND. "microwork" (the default) is
    Django's backend with psycopg's timestamp loader, a health check without a round trip and
    prepared statements for prepared_cursor() only (common/postgresql/base.py, docs/adr/0016).
    "stock" is Django's own: everything works the same on it, for more CPU a request
    (docs/adr/0018)."""
    try:
        return POSTGRESQL_BACKENDS[name.strip() or "microwork"]
    except KeyError:
        raise ImproperlyConfigured(
            f"MICROWORK_DB_BACKEND must be microwork or stock, not {name!r}"
        ) from None


POSTGRESQL_ENGINE = _postgresql_engine(os.environ.get("MICROWORK_DB_BACKEND", ""))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = POSTGRESQL_ENGINE
if DATABASES["default"]["ENGINE"] == "microwork.common.postgresql":
    # The claim's raw statements, the compiled reads and save_fields()'s UPDATEs run on
    # server-bound cursors (common.compiled.prepared_cursor): psycopg prepares each after this
    # many runs on a connection. Django's other queries bind on the client and are never
    # prepared, nor counted. 0 turns it off, for a pooler that cannot keep prepared statements
    # (PgBouncer before 1.21, or without max_prepared_statements): prepared_cursor() is then
    # Django's own cursor. Django's own backend prepares nothing.
    prepare_after = env_int("MICROWORK_DB_PREPARE_THRESHOLD", 2)
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = prepare_after or None
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so two concurrent claims queue
        # instead of both reading and then failing to upgrade to a write ("database is locked").
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)


# The hot path's performance devices (docs/adr/0018), each with Django's own way behind it:
# 0 turns one off. MICROWORK_COMPILED_QUERIES: CompiledQuery.get() runs its queryset's get(),
# and save_fields() calls save() unless MICROWORK_COMPILED_UPDATES says otherwise
# (common/compiled.py). MICROWORK_FIXED_URLS: {% fixed_url %} and {% fixed_static %} are
# reverse() and static() (common/fixed_urls.py).
MICROWORK_COMPILED_QUERIES = env_bool("MICROWORK_COMPILED_QUERIES", True)
MICROWORK_COMPILED_UPDATES = env_bool("MICROWORK_COMPILED_UPDATES", MICROWORK_COMPILED_QUERIES)
MICROWORK_FIXED_URLS = env_bool("MICROWORK_FIXED_URLS", True)


def _queue(url: str) -> dict:
    """The job queue (huey, docs/adr/0009) from MICROWORK_QUEUE_URL: sqlite:///file, postgres://
    or redis://. Unset: PostgreSQL's own database when DATABASE_URL is PostgreSQL, else a SQLite
    file in the data directory; either way no server beyond the database."""
    if not url:
        if DATABASES["default"]["ENGINE"] in POSTGRESQL_BACKENDS.values():
            url = os.environ["DATABASE_URL"]
        else:
            url = f"sqlite:///{DATA_DIR / 'queue.sqlite3'}"
    scheme = url.split(":", 1)[0]
    queue = {"name": "microwork", "immediate": env_bool("MICROWORK_QUEUE_IMMEDIATE", False)}
    if scheme == "sqlite":
        if not url.startswith("sqlite:///"):
            raise ImproperlyConfigured("MICROWORK_QUEUE_URL must be like sqlite:////abs/path")
        return {**queue, "huey_class": "huey.SqliteHuey", "filename": url[len("sqlite:///") :]}
    if scheme in ("postgres", "postgresql", "pgsql"):
        # Tables (huey_*) are created by `microwork worker` when it starts, not on import.
        dsn = "postgresql" + url[len(scheme) :]
        return {**queue, "huey_class": "huey.PostgresHuey", "dsn": dsn, "create_tables": False}
    if scheme in ("redis", "rediss"):
        return {**queue, "huey_class": "huey.RedisHuey", "url": url}
    raise ImproperlyConfigured(
        f"MICROWORK_QUEUE_URL must start with sqlite:, postgres: or redis:, not {url!r}"
    )


HUEY = {
    **_queue(os.environ.get("MICROWORK_QUEUE_URL", "")),
    # `microwork worker`: one process, threads for the jobs, the scheduler for periodic ones.
    "consumer": {
        "workers": env_int("MICROWORK_QUEUE_WORKERS", 2, minimum=1),
        "worker_type": "thread",
    },
}


# Rendered template fragments that depend on the code, the language and the role only (the
# site header's links, the language list: templates/base.html). Always this process's memory,
# even with a shared cache: a fragment costs less to render than to fetch over the network.
_FRAGMENTS = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments"}


def _caches(url: str) -> dict:
    """The cache (docs/adr/0014) from MICROWORK_CACHE_URL: redis:// or rediss://, shared by every
    app server. Unset: Django's per-process memory cache, which nothing shared relies on."""
    if not url:
        return {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "fragments": _FRAGMENTS,
        }
    if url.split(":", 1)[0] not in ("redis", "rediss"):
        raise ImproperlyConfigured(
            f"MICROWORK_CACHE_URL must start with redis: or rediss:, not {url!r}"
        )
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "microwork",
        },
        "fragments": _FRAGMENTS,
    }


CACHE_URL = os.environ.get("MICROWORK_CACHE_URL", "")
CACHES = _caches(CACHE_URL)
# Django's engines on accounts.models.Session, whose rows carry their user: a request reads its
# session and its user in one compiled query (accounts/sessions/, accounts/middleware.py).
SESSION_ENGINE = "microwork.accounts.sessions.db"
if CACHE_URL:
    # Sessions are written to the database and the shared cache, and read from the cache: one
    # look-up in the database less on every page. Only with a shared cache: a per-process one
    # would keep serving a session another server had ended (a log-out).
    SESSION_ENGINE = "microwork.accounts.sessions.cached_db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend, taking each request's user from its session's row, else reading it with
# a compiled query (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before any check
    "microwork.accounts.backends.UserBackend",
]
# Login lockout (django-axes, docs/adr/0023): at MICROWORK_LOGIN_FAILURES wrong passwords for
# one account (from any address), or from one address (for any account), logins are refused,
# even right ones, with a 429 for MICROWORK_LOGIN_COOLOFF_MINUTES, counted again from each
# refused try. Failures are rows in the database, which every app server shares (axes' cache
# handler would need the shared cache). Successful logins are not logged (no trail of people's
# addresses) and clear the account's failures.
AXES_FAILURE_LIMIT = env_int("MICROWORK_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("MICROWORK_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every command; lockouts are logged as warnings
AXES_LOCKOUT_CALLABLE = "microwork.web.accounts.lockout.locked_out"
AXES_USERNAME_CALLABLE = "microwork.web.accounts.lockout.login_name"
# Behind MICROWORK_PROXY_COUNT trusted proxies the client is the address they add
# (X-Forwarded-For); with none, the connection's own address. One reading of it for every
# limit: the login lockout, the rate limits and password resets (common/ratelimits.py).
MICROWORK_PROXY_COUNT = env_int("MICROWORK_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "microwork.common.ratelimits.client_address"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
# Two-factor login (accounts/two_factor.py, docs/adr/0027): optional for requesters and staff,
# required for staff where MICROWORK_STAFF_REQUIRE_2FA is on, by default in production.
MICROWORK_STAFF_REQUIRE_2FA = env_bool("MICROWORK_STAFF_REQUIRE_2FA", HTTPS)
OTP_TOTP_ISSUER = "microwork"
# Field photo checks (work/photo_checks.py, docs/adr/0027): flagged to the requester, never
# refused. Brightness is the mean grey level (0-255); sharpness the Laplacian variance at
# 512 px; the duplicate distance the differing bits of two 64-bit perceptual hashes; the clock
# slack how far a camera's EXIF time may fall outside the accept-submit window.
MICROWORK_PHOTO_MIN_BRIGHTNESS = env_int("MICROWORK_PHOTO_MIN_BRIGHTNESS", 40)
MICROWORK_PHOTO_MIN_SHARPNESS = env_int("MICROWORK_PHOTO_MIN_SHARPNESS", 50)
MICROWORK_PHOTO_DUPLICATE_DISTANCE = env_int("MICROWORK_PHOTO_DUPLICATE_DISTANCE", 6)
MICROWORK_PHOTO_CLOCK_SLACK_SECONDS = env_int("MICROWORK_PHOTO_CLOCK_SLACK_SECONDS", 300)
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("MICROWORK_TIME_ZONE", "Europe/Paris")
USE_TZ = True
# One date format per language, not Django's long and short ones side by side (common/formats).
FORMAT_MODULE_PATH = ["microwork.common.formats"]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request without it


def private_storage(environ=os.environ) -> dict:
    """The "private" storage: workers' uploads (field photos...) and stored aggregations.

    Never under MEDIA_ROOT, so never on a public address; served only through ownership-checked
    views. By default a folder under DATA_DIR; with MICROWORK_S3_BUCKET, an S3-compatible
    bucket through django-storages (the `s3` extra), which every app server shares. Objects are
    private and addressed by signed URLs only; credentials come from boto3's usual environment
    (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) or the machine's role. docs/deploy.md.
    """
    bucket = environ.get("MICROWORK_S3_BUCKET", "")
    if not bucket:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(DATA_DIR / "private")},
        }
    options = {
        "bucket_name": bucket,
        "location": environ.get("MICROWORK_S3_PREFIX", "private"),
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }
    if environ.get("MICROWORK_S3_ENDPOINT_URL"):  # MinIO, Scaleway, OVHcloud, Garage...
        options["endpoint_url"] = environ["MICROWORK_S3_ENDPOINT_URL"]
    if environ.get("MICROWORK_S3_REGION"):
        options["region_name"] = environ["MICROWORK_S3_REGION"]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": private_storage(),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if HTTPS
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not HTTPS
# whitenoise answers before the CSP middleware: static pages get their CSP sandbox here.
from microwork.common.csp import static_headers  # noqa: E402 (a module with no imports)

WHITENOISE_ADD_HEADERS_FUNCTION = static_headers
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MICROWORK_MEDIA_ROOT") or DATA_DIR / "media").resolve()

# The largest request body taken (a batch file, field photos...), refused from its declared
# length before it is read (common/body_limit.py, docs/adr/0023).
MICROWORK_MAX_UPLOAD_BYTES = env_int("MICROWORK_MAX_UPLOAD_BYTES", 100 * 1024 * 1024, minimum=1024)
# Uploads above this size go to a temporary file, so a 100,000-row batch is streamed from disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"  # the task frame opts out, in work/frame.py
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Where to report a security flaw (/.well-known/security.txt): a mailto: or https: address;
# unset, security@ the host the page was asked for.
MICROWORK_SECURITY_CONTACT = os.environ.get("MICROWORK_SECURITY_CONTACT", "")
# The footer's "Source code" link (AGPL-3.0, section 13): an address where the operator
# publishes the source they run; empty, the platform serves its own package (web/source.py).
MICROWORK_SOURCE_URL = os.environ.get("MICROWORK_SOURCE_URL", "")
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are sent by the browser only if set Secure, on path /, with no Domain: a
    # sibling host (a requester's study.example.org) cannot plant or shadow them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("MICROWORK_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("MICROWORK_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MICROWORK_LOG_LEVEL", "INFO")},
    # Configured here, so `microwork worker` does not add a second handler of its own.
    "loggers": {
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},  # a lockout, not every failed try
    },
}

# --- the platform's own rules -------------------------------------------------------------
MICROWORK_CURRENCY = os.environ.get("MICROWORK_CURRENCY", "EUR").upper()
if len(MICROWORK_CURRENCY) != 3 or not MICROWORK_CURRENCY.isalpha():
    raise ImproperlyConfigured("MICROWORK_CURRENCY must be a 3-letter ISO 4217 code, like EUR")
# Serve uploaded media (demo images, requester assets) from Django itself. A production proxy
# can serve MEDIA_ROOT directly and turn this off.
MICROWORK_SERVE_MEDIA = env_bool("MICROWORK_SERVE_MEDIA", True)
# Which origins the sandboxed task frame may load images and media from, beyond the platform.
MICROWORK_FRAME_MEDIA_SOURCES = env_list("MICROWORK_FRAME_MEDIA_SOURCES", ["https:", "data:"])
# Platform fee (payments/fees.py): MTurk's published rule by default, in basis points.
MICROWORK_FEES = {
    "rate_bp": env_int("MICROWORK_FEE_RATE_BP", 2000),
    "large_task_rate_bp": env_int("MICROWORK_FEE_LARGE_TASK_RATE_BP", 4000),
    "large_task_assignments": env_int("MICROWORK_FEE_LARGE_TASK_ASSIGNMENTS", 10, minimum=1),
    "minimum_cents": env_int("MICROWORK_FEE_MINIMUM_CENTS", 1),
}
# Workers can ask for a payout once their available earnings reach this (minor units).
MICROWORK_PAYOUT_THRESHOLD_CENTS = env_int("MICROWORK_PAYOUT_THRESHOLD_CENTS", 500, minimum=1)
# The most open (accepted, unfinished) assignments a worker may hold across the site at once:
# a few accounts could otherwise hold every slot of a batch until its deadline.
MICROWORK_MAX_OPEN_ASSIGNMENTS = env_int("MICROWORK_MAX_OPEN_ASSIGNMENTS", 3, minimum=1)
# Rate limits (common/ratelimits.py, docs/adr/0023): how often an account and a client address
# may sign up, accept, return, submit, upload, call the REST API or the MTurk door, counted in
# the default cache (shared by every app server with MICROWORK_CACHE_URL). Each rate is changed
# by MICROWORK_RATE_<SCOPE> (per account) and MICROWORK_RATE_<SCOPE>_ADDRESS ("30/m" or "off");
# MICROWORK_RATE_LIMITS=0 turns them all off.
MICROWORK_RATE_LIMITS_ENABLED = env_bool("MICROWORK_RATE_LIMITS", True)
MICROWORK_RATE_LIMITS = rates_from_environ(os.environ)
# A requester is told (payments' balance_low event) when an escrow reservation takes their
# available funds from this amount or more to below it (minor units).
MICROWORK_BALANCE_LOW_CENTS = env_int("MICROWORK_BALANCE_LOW_CENTS", 1000)
# The operator's bank account (docs/payouts.md): requesters are shown it to pay in by transfer,
# and SEPA payout files are sent from it. Empty: bank transfers are not offered.
MICROWORK_OPERATOR_NAME = os.environ.get("MICROWORK_OPERATOR_NAME", "microwork").strip()
MICROWORK_OPERATOR_IBAN = "".join(os.environ.get("MICROWORK_OPERATOR_IBAN", "").split()).upper()
MICROWORK_OPERATOR_BIC = os.environ.get("MICROWORK_OPERATOR_BIC", "").strip().upper()
if MICROWORK_OPERATOR_IBAN:
    from stdnum import iban as _iban

    if not _iban.is_valid(MICROWORK_OPERATOR_IBAN):
        raise ImproperlyConfigured("MICROWORK_OPERATOR_IBAN is not a valid IBAN")
if MICROWORK_OPERATOR_BIC and not (
    len(MICROWORK_OPERATOR_BIC) in (8, 11) and MICROWORK_OPERATOR_BIC.isalnum()
):
    raise ImproperlyConfigured("MICROWORK_OPERATOR_BIC must be 8 or 11 letters and digits")
# Email (docs/deploy.md, docs/adr/0022): MICROWORK_EMAIL_URL names Django's backend and the
# sender (common/email_url.py sets EMAIL_* and DEFAULT_FROM_EMAIL); unset, each mail is written
# to a file under DATA_DIR/mail. Links in mails start with MICROWORK_SITE_URL.
globals().update(
    email_settings(os.environ.get("MICROWORK_EMAIL_URL", ""), default_dir=DATA_DIR / "mail")
)
MICROWORK_SITE_URL = os.environ.get("MICROWORK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Encrypts MTurk API key and webhook secrets at rest (common/keyring.py); empty: from SECRET_KEY.
MICROWORK_API_KEY_ENCRYPTION_KEY = os.environ.get("MICROWORK_API_KEY_ENCRYPTION_KEY", "")
# Fair work (docs/adr/0011): the hourly floor, in minor units of MICROWORK_CURRENCY per hour of
# measured or estimated work, on what the worker receives (fees are on top, for the requester).
# 1202 is EUR 12.02, the French gross minimum wage of 2026.
MICROWORK_PAY_FLOOR_CENTS_PER_HOUR = env_int("MICROWORK_PAY_FLOOR_CENTS_PER_HOUR", 1202)
# How many submissions a batch needs before its measured median time replaces the estimate.
MICROWORK_PAY_FLOOR_MIN_SUBMISSIONS = env_int("MICROWORK_PAY_FLOOR_MIN_SUBMISSIONS", 20, minimum=1)
# The longest auto-approval delay a project may set: payment within a known time. MTurk's own
# limit, 30 days, so its code runs unchanged; MTurk HITs that set none get 7 days, not MTurk's 30
# (mturk/services.py).
MICROWORK_AUTO_APPROVAL_MAX_SECONDS = env_int(
    "MICROWORK_AUTO_APPROVAL_MAX_SECONDS", 30 * 24 * 3600, minimum=0
)
# From this many answers, a batch's aggregated data set and quality pages are computed by a
# background job and stored (docs/quality-aggregation.md); smaller batches in the request.
MICROWORK_AGGREGATION_BACKGROUND_ANSWERS = env_int(
    "MICROWORK_AGGREGATION_BACKGROUND_ANSWERS", 20_000, minimum=0
)
# Webhooks (docs/adr/0021): endpoints on this machine (http://localhost, 127.0.0.1) may be
# registered and reached only with this on, or with MICROWORK_DEBUG; private addresses never.
MICROWORK_WEBHOOKS_ALLOW_LOCAL = env_bool("MICROWORK_WEBHOOKS_ALLOW_LOCAL", False)
# The observatory (docs/observatory.md, docs/adr/0026): no published cell counts fewer than
# MICROWORK_OBSERVATORY_K workers. Activity classes: "very active" worked in each of the last
# VERY_ACTIVE_WEEKS weeks, "regular" in each of the last REGULAR_MONTHS months, "occasional" at
# least once in the last OCCASIONAL_MONTHS. The legal minimum wage (minor units per hour) is
# compared with the effective hourly wage; 1202 is the French gross SMIC of 2026.
MICROWORK_OBSERVATORY_K = env_int("MICROWORK_OBSERVATORY_K", 10, minimum=2)
MICROWORK_OBSERVATORY_VERY_ACTIVE_WEEKS = env_int(
    "MICROWORK_OBSERVATORY_VERY_ACTIVE_WEEKS", 4, minimum=1
)
MICROWORK_OBSERVATORY_REGULAR_MONTHS = env_int("MICROWORK_OBSERVATORY_REGULAR_MONTHS", 3, minimum=1)
MICROWORK_OBSERVATORY_OCCASIONAL_MONTHS = env_int(
    "MICROWORK_OBSERVATORY_OCCASIONAL_MONTHS", 12, minimum=1
)
MICROWORK_OBSERVATORY_MINIMUM_WAGE_CENTS = env_int(
    "MICROWORK_OBSERVATORY_MINIMUM_WAGE_CENTS", 1202, minimum=0
)
# Terms of service (docs/terms.md): a new version takes effect at least this many days after it
# is published (the first version may take effect at once).
MICROWORK_TERMS_NOTICE_DAYS = env_int("MICROWORK_TERMS_NOTICE_DAYS", 30, minimum=0)
# What the site pays a worker for their first completed survey, once ever, from its own money
# (the outside-world account, as deposits come in); 0: the survey is unpaid (docs/observatory.md).
MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS = env_int(
    "MICROWORK_OBSERVATORY_SURVEY_REWARD_CENTS", 0, minimum=0
)
# Card deposits and receipts (docs/deposits.md, docs/adr/0024). Card payments are on when both
# Stripe keys are set: the secret API key and the webhook endpoint's signing secret ("whsec_").
# Receipts carry the operator's details (MICROWORK_OPERATOR_NAME above; an address's lines are
# separated by "\n" or by " | ").
MICROWORK_STRIPE_SECRET_KEY = os.environ.get("MICROWORK_STRIPE_SECRET_KEY", "").strip()
MICROWORK_STRIPE_WEBHOOK_SECRET = os.environ.get("MICROWORK_STRIPE_WEBHOOK_SECRET", "").strip()
MICROWORK_CARD_DEPOSIT_MIN_CENTS = env_int("MICROWORK_CARD_DEPOSIT_MIN_CENTS", 1000, minimum=50)
MICROWORK_CARD_DEPOSIT_MAX_CENTS = env_int(
    "MICROWORK_CARD_DEPOSIT_MAX_CENTS", 1_000_000, minimum=50
)
MICROWORK_OPERATOR_ADDRESS = "\n".join(
    line.strip()
    for line in os.environ.get("MICROWORK_OPERATOR_ADDRESS", "")
    .replace("\\n", "\n")
    .replace(" | ", "\n")
    .splitlines()
    if line.strip()
)
MICROWORK_OPERATOR_VAT_ID = os.environ.get("MICROWORK_OPERATOR_VAT_ID", "").strip()
MICROWORK_OPERATOR_REGISTRATION = os.environ.get("MICROWORK_OPERATOR_REGISTRATION", "").strip()
MICROWORK_OPERATOR_EMAIL = os.environ.get("MICROWORK_OPERATOR_EMAIL", "").strip()
if MICROWORK_CARD_DEPOSIT_MIN_CENTS > MICROWORK_CARD_DEPOSIT_MAX_CENTS:
    raise ImproperlyConfigured(
        "MICROWORK_CARD_DEPOSIT_MIN_CENTS must not be above MICROWORK_CARD_DEPOSIT_MAX_CENTS"
    )
