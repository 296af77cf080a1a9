"""Why a worker may not accept work in a project: the errors the claim path raises.

They subclass work.services.NoTaskAvailable, so every caller that already handles "no task for
you" (the accept view, the API, the MTurk endpoint) shows the reason with no change. This module
imports work.services, which itself imports quality.services; quality.services therefore loads
this module only when it refuses, never at import time.
"""

from microwork.work.services import NoTaskAvailable


class AcceptRefused(NoTaskAvailable):
    """The worker may not accept tasks of this project; the message says why."""


class WorkerBlocked(AcceptRefused):
    """The project's requester has blocked the worker."""


class RequirementNotMet(AcceptRefused):
    """The worker fails one or more of the project's requirements that guard Accept."""


class BlockedByRule(AcceptRefused):
    """One of the project's quality rules blocked the worker (quality/rules.py)."""
