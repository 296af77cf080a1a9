"""Password reset mails through the notification machinery: Django's reset form and token,
the mail built in the account's language and sent by the job queue after the commit, and a
limit on requests per address and per client address (a reset page must not become a way to
flood someone's mailbox, or to probe many addresses quickly).

The limits count in the default cache (shared between processes with MICROWORK_CACHE_URL,
docs/adr/0014); a window is an hour from the first request.
"""

from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from microwork.notifications import jobs, mail

PER_ADDRESS = 3
PER_CLIENT = 10
WINDOW_SECONDS = 3600
TOO_MANY = gettext_lazy("Too many password reset requests from here. Try again in an hour.")


def _count(key: str) -> int:
    """Add one to `key`'s count in this window and return it."""
    if cache.add(key, 1, WINDOW_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, WINDOW_SECONDS)
        return 1


def client_allowed(client_ip: str) -> bool:
    """Count one request from `client_ip`; False once it made more than PER_CLIENT this hour."""
    return _count(f"password-reset:client:{client_ip}") <= PER_CLIENT


def address_allowed(email: str) -> bool:
    """Count one request for `email`; False past PER_ADDRESS this hour. The page answers the
    same either way, so it tells nobody whether the address has an account."""
    return _count(f"password-reset:address:{email.strip().lower()}") <= PER_ADDRESS


class PasswordResetForm(DjangoPasswordResetForm):
    def save(self, *args, **kwargs):
        if not address_allowed(self.cleaned_data["email"]):
            return None
        return super().save(*args, **kwargs)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Render in the account's language and queue; the job sends after the commit."""
        user = context["user"]
        with translation.override(mail.language_of(user)):
            context = {**context, "site_url": mail.absolute(""), "language": mail.language_of(user)}
            subject = "[microwork] " + _("Reset your password")
            body = render_to_string(email_template_name, context)
            html = (
                render_to_string(html_email_template_name, context)
                if html_email_template_name
                else ""
            )
        jobs.queue_mail(to=to_email, subject=subject, body=body, html=html)
