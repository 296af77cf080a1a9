"""MICROWORK_EMAIL_URL: one URL names Django's email backend and its settings (docs/deploy.md).

    smtp://user:pass@host:25         plain SMTP (port 25 by default)
    smtp+tls://user:pass@host:587    STARTTLS (587 by default)
    smtp+ssl://user:pass@host:465    TLS from the first byte (465 by default)
    console://                       printed on the server's standard output
    file:///absolute/dir             one .log file per connection in that directory
    memory://                        kept in django.core.mail.outbox (tests)

The user and password are percent-decoded (`%40` for an @ in a user name). A query string may
set the sender, `?from=noreply@example.org`, and, for SMTP, `timeout=` in seconds (10 by
default). Unset or empty: the file backend into `default_dir`, so `make run` shows every mail
without a server. Settings only, no Django import: settings.py calls this while it is built.
"""

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

NAME = "MICROWORK_EMAIL_URL"
DEFAULT_FROM = "microwork <noreply@localhost>"
_SMTP = {"smtp": (25, False, False), "smtp+tls": (587, True, False), "smtp+ssl": (465, False, True)}


def email_settings(url: str, *, default_dir: Path) -> dict:
    """Django's EMAIL_* settings and DEFAULT_FROM_EMAIL for `url`; ImproperlyConfigured names
    the variable when the URL is not one of the forms above."""
    url = (url or "").strip()
    if not url:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(default_dir),
            "DEFAULT_FROM_EMAIL": DEFAULT_FROM,
        }
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"from", "timeout"}
    if unknown:
        raise ImproperlyConfigured(f"{NAME} has unknown parameters: {', '.join(sorted(unknown))}")
    settings = {"DEFAULT_FROM_EMAIL": query.get("from") or DEFAULT_FROM}
    scheme = parts.scheme.lower()
    if scheme in _SMTP:
        default_port, tls, ssl = _SMTP[scheme]
        if not parts.hostname:
            raise ImproperlyConfigured(f"{NAME} needs a host, like {scheme}://mail.example.org")
        try:
            port = parts.port or default_port
            timeout = int(query.get("timeout", 10))
        except ValueError:
            raise ImproperlyConfigured(
                f"{NAME} has a port or timeout that is not a number"
            ) from None
        return {
            **settings,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": port,
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": tls,
            "EMAIL_USE_SSL": ssl,
            "EMAIL_TIMEOUT": timeout,
        }
    if scheme == "console":
        return {**settings, "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "memory":
        return {**settings, "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise ImproperlyConfigured(f"{NAME} needs an absolute directory, like file:///var/mail")
        return {
            **settings,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path),
        }
    raise ImproperlyConfigured(
        f"{NAME} must start with smtp://, smtp+tls://, smtp+ssl://, console://, file:// or "
        f"memory://, not {url!r}"
    )
