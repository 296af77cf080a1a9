"""What accounts tells the apps above it (common/events.py says how).

- terms_published: staff published a new version of the terms of service (accounts.terms), once
  per version; the users are told of it with its summary of changes.

docs/architecture.md lists their subscribers.
"""

from dataclasses import dataclass
from datetime import datetime

from microwork.common.events import Event


@dataclass(frozen=True)
class TermsPublished:
    version_id: int
    number: int
    effective_at: datetime


terms_published = Event("terms_published", TermsPublished)
