"""The emails, built in the recipient's language: one notification, a day's digest, an
address to verify. Every one names how to stop it (List-Unsubscribe, RFC 2369 and RFC 8058's
one-click POST) except the ones a person asked for (a password reset, a verification)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from microwork.accounts.models import User
from microwork.notifications import messages, tokens
from microwork.notifications.models import Notification


def absolute(path: str) -> str:
    return settings.MICROWORK_SITE_URL + path


def language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def unsubscribe_url(user: User, kind: str | None) -> str:
    return absolute(
        reverse("notifications:unsubscribe", args=[tokens.unsubscribe_token(user.pk, kind)])
    )


def _build(
    *,
    to: User,
    subject: str,
    template: str,
    context: dict,
    unsubscribe: str | None,
    address: str | None = None,
) -> EmailMultiAlternatives:
    """A mail to `to` at their address (or at `address`: a previous one)."""
    context = {
        **context,
        "language": language_of(to),
        "user": to,
        "unsubscribe_url": unsubscribe,
        "site_url": settings.MICROWORK_SITE_URL,
    }
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"notifications/email/{template}.txt", context),
        to=[address or to.email],
        headers=headers,
    )
    message.attach_alternative(
        render_to_string(f"notifications/email/{template}.html", context), "text/html"
    )
    return message


def notification_message(notification: Notification) -> EmailMultiAlternatives:
    user = notification.recipient
    with translation.override(language_of(user)):
        rendered = messages.render(notification.kind, notification.params)
        return _build(
            to=user,
            subject=f"[microwork] {rendered.title}",
            template="notification",
            context={
                "message": rendered,
                "link": absolute(rendered.path),
                "kind_label": notification.get_kind_display(),
                "preferences_url": absolute(reverse("notifications:preferences")),
            },
            unsubscribe=unsubscribe_url(user, notification.kind),
        )


def digest_message(user: User, notifications: list[Notification]) -> EmailMultiAlternatives:
    with translation.override(language_of(user)):
        items = [
            {
                "message": rendered,
                "link": absolute(rendered.path),
                "created_at": notification.created_at,
            }
            for notification in notifications
            for rendered in [messages.render(notification.kind, notification.params)]
        ]
        return _build(
            to=user,
            subject="[microwork] "
            + _("Your day on microwork: %(count)d notifications") % {"count": len(items)},
            template="digest",
            context={
                "items": items,
                "preferences_url": absolute(reverse("notifications:preferences")),
            },
            unsubscribe=unsubscribe_url(user, None),
        )


def verification_message(user: User) -> EmailMultiAlternatives:
    with translation.override(language_of(user)):
        token = tokens.verify_token(user.pk, user.email)
        return _build(
            to=user,
            subject="[microwork] " + _("Confirm your email address"),
            template="verify",
            context={"link": absolute(reverse("notifications:verify", args=[token]))},
            unsubscribe=None,
        )


def email_in_use_message(user: User, *, attempt: str) -> EmailMultiAlternatives:
    """To the owner of an address someone tried to sign up with ("signup") or to move another
    account to ("change"): the page did not say the address is taken, this mail does."""
    with translation.override(language_of(user)):
        return _build(
            to=user,
            subject="[microwork] " + _("Someone tried to use your email address"),
            template="email_in_use",
            context={
                "is_signup": attempt == "signup",
                "login_url": absolute(reverse("accounts:login")),
                "reset_url": absolute(reverse("accounts:password-reset")),
            },
            unsubscribe=None,
        )


def email_changed_message(user: User, *, old_email: str) -> EmailMultiAlternatives:
    """To the previous address of `user`, after the account moved to a new one."""
    with translation.override(language_of(user)):
        return _build(
            to=user,
            address=old_email,
            subject="[microwork] " + _("Your account's email address changed"),
            template="email_changed",
            context={"old_email": old_email},
            unsubscribe=None,
        )
