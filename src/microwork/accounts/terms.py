"""The platform's terms of service, versioned (docs/terms.md): staff publish a version with
notice, users accept it at sign-up or at their next page once it takes effect, and the
acceptances are kept, append-only.

- A version is published once and never changed (terms_publish). Each one after the first
  takes effect at least MICROWORK_TERMS_NOTICE_DAYS days after it is published, and after the
  version before it; the first may take effect at once (there is nothing to give notice of).
- The version *in force* at a moment is the latest one whose effective date has come.
- A user accepts the version in force and every later one published so far, together
  (terms_accept): what the page showed them. User.terms_version_accepted keeps the latest
  number they accepted, so a page knows whether to ask without a query
  (accounts.middleware.TermsMiddleware).
"""

import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from microwork.accounts.events import TermsPublished, terms_published
from microwork.accounts.models import TermsAcceptance, TermsVersion, User

TEXT_FIELDS = ("text_en", "text_fr", "summary_en", "summary_fr")

# --- which version is in force, without a query on each page ---------------------------------

# How long a process trusts its list of versions before reading it again. A version after the
# first is published days ahead of its effect (the notice period), so a process that learns of
# it a minute late still switches at the right moment; only a first version published to take
# effect at once reaches another process up to a minute late.
REFRESH_SECONDS = 60


@dataclass(frozen=True)
class _Known:
    versions: tuple[tuple[int, datetime], ...]  # (number, effective_at), by number
    until: float  # time.monotonic() after which it is read again


_known: _Known | None = None


def _versions() -> tuple[tuple[int, datetime], ...]:
    global _known
    now = time.monotonic()
    known = _known
    if known is None or known.until <= now:
        rows = TermsVersion.objects.order_by("number").values_list("number", "effective_at")
        known = _Known(versions=tuple(rows), until=now + REFRESH_SECONDS)
        _known = known
    return known.versions


def versions_forget() -> None:
    """Read the versions again on next use (after a publication in this process)."""
    global _known
    _known = None


def versions_known_none() -> None:
    """Take it that no version exists until one is published in this process: for the tests,
    whose database starts empty, so that no page reads the versions table."""
    global _known
    _known = _Known(versions=(), until=math.inf)


def number_in_force(at: datetime | None = None) -> int:
    """The number of the version in force at `at` (now), 0 if none yet; usually no query."""
    at = at or timezone.now()
    found = 0
    for number, effective_at in _versions():
        if effective_at <= at:
            found = number
    return found


def needs_acceptance(user: User) -> bool:
    """Whether `user` must accept the terms in force before their next page."""
    in_force = number_in_force()
    return bool(in_force) and user.terms_version_accepted < in_force


# --- reads for the pages ---------------------------------------------------------------------


def terms_in_force(at: datetime | None = None) -> TermsVersion | None:
    return (
        TermsVersion.objects.filter(effective_at__lte=at or timezone.now())
        .order_by("-number")
        .first()
    )


def terms_upcoming(at: datetime | None = None) -> list[TermsVersion]:
    """Published versions not in force yet, the soonest first."""
    return list(
        TermsVersion.objects.filter(effective_at__gt=at or timezone.now()).order_by("number")
    )


def terms_latest_number() -> int:
    """The number of the latest published version (in force or not), 0 if none."""
    return TermsVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0


def terms_to_accept(user: User) -> list[TermsVersion]:
    """What `user` is asked to accept: the version in force and every later one published, less
    those they accepted already; the oldest first."""
    in_force = terms_in_force()
    versions = TermsVersion.objects.exclude(acceptances__user=user).order_by("number")
    if in_force is not None:
        versions = versions.filter(number__gte=in_force.number)
    return list(versions)


def language_of_text(language: str | None) -> str:
    """The language of the text to show: `language` if the terms are written in it, else
    English."""
    return language if language in ("en", "fr") else "en"


# --- writes ----------------------------------------------------------------------------------


def earliest_effective(now: datetime | None = None) -> datetime | None:
    """The earliest moment a version published now may take effect: now for the first one,
    else MICROWORK_TERMS_NOTICE_DAYS days ahead (None: no version yet)."""
    now = now or timezone.now()
    if not TermsVersion.objects.exists():
        return now
    return now + timedelta(days=settings.MICROWORK_TERMS_NOTICE_DAYS)


def terms_publish_check(*, effective_at: datetime | None, now: datetime, **texts: str) -> None:
    """Raise ValidationError naming each field that is wrong: an empty text or summary, an
    effective date without the notice, or one not after the latest version's."""
    problems: dict[str, list[str]] = {}
    for name in TEXT_FIELDS:
        if not (texts.get(name) or "").strip():
            problems[name] = [_("Write it: the terms are published in English and French.")]
    latest = TermsVersion.objects.order_by("-number").first()
    if latest is not None:
        notice = settings.MICROWORK_TERMS_NOTICE_DAYS
        earliest = now + timedelta(days=notice)
        if effective_at is None or effective_at < earliest:
            problems["effective_at"] = [
                _(
                    "A change takes effect at least %(days)d days after it is published: "
                    "%(earliest)s at the earliest."
                )
                % {
                    "days": notice,
                    "earliest": formats.date_format(
                        timezone.localtime(earliest), "DATETIME_FORMAT"
                    ),
                }
            ]
        elif effective_at <= latest.effective_at:
            problems["effective_at"] = [
                _("It must take effect after version %(number)d, on %(date)s.")
                % {
                    "number": latest.number,
                    "date": formats.date_format(
                        timezone.localtime(latest.effective_at), "DATETIME_FORMAT"
                    ),
                }
            ]
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def terms_publish(
    *,
    text_en: str,
    text_fr: str,
    summary_en: str,
    summary_fr: str,
    effective_at: datetime | None = None,
    actor: User | None = None,
) -> TermsVersion:
    """Publish the next version of the terms, taking effect at `effective_at`, and tell the
    users (the terms_published event: notifications). The first version takes effect at once
    if `effective_at` is None or already past.

    Raise ValidationError naming the field, publishing nothing: an empty text or summary, less
    than MICROWORK_TERMS_NOTICE_DAYS days of notice after the first version, an effective date
    not after the latest version's, or another version published at the same moment.
    """
    now = timezone.now()
    texts = {
        "text_en": text_en.strip(),
        "text_fr": text_fr.strip(),
        "summary_en": summary_en.strip(),
        "summary_fr": summary_fr.strip(),
    }
    terms_publish_check(effective_at=effective_at, now=now, **texts)
    number = terms_latest_number() + 1
    try:
        with transaction.atomic():
            version = TermsVersion.objects.create(
                number=number,
                published_at=now,
                effective_at=max(effective_at or now, now),
                published_by=actor,
                **texts,
            )
    except IntegrityError:
        # Two publications at once took the same number: the later one is refused.
        raise ValidationError(
            _("Another version was published at the same moment: read it, then try again.")
        ) from None
    versions_forget()
    # Other requests of this process may have read the versions before the commit.
    transaction.on_commit(versions_forget)
    terms_published.publish(
        TermsPublished(version_id=version.pk, number=number, effective_at=version.effective_at)
    )
    return version


@transaction.atomic
def terms_accept(*, user: User, number: int) -> list[TermsAcceptance]:
    """Record that `user` accepts version `number` and, with it, every version from the one in
    force up to it that they had not accepted yet; return the new acceptances (none if they had
    accepted them all already).

    Raise ValidationError, recording nothing, for a version that does not exist or that is no
    longer in force (a later one is).
    """
    version = TermsVersion.objects.filter(number=number).first()
    if version is None:
        raise ValidationError(
            {"version": _("There is no version %(number)s of the terms.") % {"number": number}}
        )
    in_force = terms_in_force()
    if in_force is not None and number < in_force.number:
        raise ValidationError(
            {
                "version": _("Version %(number)d is no longer in force: read version %(current)d.")
                % {"number": number, "current": in_force.number}
            }
        )
    # One user's acceptances one at a time: the log and the copy on the user stay equal.
    locked = User.objects.select_for_update().get(pk=user.pk)
    first = in_force.number if in_force is not None else 1
    wanted = TermsVersion.objects.filter(number__gte=first, number__lte=number).exclude(
        acceptances__user=locked
    )
    now = timezone.now()
    created = TermsAcceptance.objects.bulk_create(
        TermsAcceptance(user=locked, version=found, accepted_at=now)
        for found in wanted.order_by("number")
    )
    if number > locked.terms_version_accepted:
        locked.terms_version_accepted = number
        locked.save(update_fields=["terms_version_accepted"])
    user.terms_version_accepted = locked.terms_version_accepted
    return created
