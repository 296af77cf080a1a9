"""Choices of the quality app. Where MTurk names a value (comparators, ActionsGuarded, statuses),
the stored value is MTurk's own spelling, so the MTurk endpoint passes it through unchanged."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QualificationTypeStatus(models.TextChoices):
    ACTIVE = "Active", _("Active")
    INACTIVE = "Inactive", _("Inactive")


class QualificationRequestState(models.TextChoices):
    """A worker's request for a qualification type (MTurk's QualificationRequest).

    in_progress: a test started, not yet submitted (it expires at its deadline); submitted:
    waiting for the requester's accept or reject (a test without an answer key); granted:
    scored, auto-granted or accepted; rejected: by the requester; expired: the test's time ran
    out before it was submitted.
    """

    IN_PROGRESS = "in_progress", _("test in progress")
    SUBMITTED = "submitted", _("waiting for the requester")
    GRANTED = "granted", _("granted")
    REJECTED = "rejected", _("rejected")
    EXPIRED = "expired", _("time ran out")


# A worker has at most one of these per qualification type at a time.
OPEN_REQUEST_STATES = (QualificationRequestState.IN_PROGRESS, QualificationRequestState.SUBMITTED)


class QualificationStatus(models.TextChoices):
    GRANTED = "Granted", _("Granted")
    REVOKED = "Revoked", _("Revoked")


class Comparator(models.TextChoices):
    LESS_THAN = "LessThan", _("less than")
    LESS_THAN_OR_EQUAL_TO = "LessThanOrEqualTo", _("at most")
    GREATER_THAN = "GreaterThan", _("more than")
    GREATER_THAN_OR_EQUAL_TO = "GreaterThanOrEqualTo", _("at least")
    EQUAL_TO = "EqualTo", _("equal to")
    NOT_EQUAL_TO = "NotEqualTo", _("not equal to")
    EXISTS = "Exists", _("has it")
    DOES_NOT_EXIST = "DoesNotExist", _("does not have it")
    IN = "In", _("one of")
    NOT_IN = "NotIn", _("none of")


# Comparators that order integers: exactly one integer value, never a locale.
ORDERING_COMPARATORS = frozenset(
    {
        Comparator.LESS_THAN,
        Comparator.LESS_THAN_OR_EQUAL_TO,
        Comparator.GREATER_THAN,
        Comparator.GREATER_THAN_OR_EQUAL_TO,
    }
)
PRESENCE_COMPARATORS = frozenset({Comparator.EXISTS, Comparator.DOES_NOT_EXIST})
SET_COMPARATORS = frozenset({Comparator.IN, Comparator.NOT_IN})
# MTurk's limits on the number of values of In / NotIn.
MAX_IN_INTEGER_VALUES = 15
MAX_IN_LOCALE_VALUES = 30
MAX_REQUIREMENTS_PER_PROJECT = 10


class ActionsGuarded(models.TextChoices):
    """What an unqualified worker may not do, from least to most restrictive.

    MTurk's default, when neither ActionsGuarded nor RequiredToPreview is given, is Accept;
    RequiredToPreview=true means PreviewAndAccept.
    """

    ACCEPT = "Accept", _("Accept")
    PREVIEW_AND_ACCEPT = "PreviewAndAccept", _("Preview and accept")
    DISCOVER_PREVIEW_AND_ACCEPT = "DiscoverPreviewAndAccept", _("See, preview and accept")


class WorkerAction(models.TextChoices):
    """What a worker does with a project; each requirement guards some of these."""

    DISCOVER = "discover", _("see it in the marketplace")
    PREVIEW = "preview", _("preview it")
    ACCEPT = "accept", _("accept its tasks")


# Which ActionsGuarded values stop each action: a requirement guarding Discover also guards
# Preview and Accept.
GUARDED_BY = {
    WorkerAction.DISCOVER: frozenset({ActionsGuarded.DISCOVER_PREVIEW_AND_ACCEPT}),
    WorkerAction.PREVIEW: frozenset(
        {ActionsGuarded.PREVIEW_AND_ACCEPT, ActionsGuarded.DISCOVER_PREVIEW_AND_ACCEPT}
    ),
    WorkerAction.ACCEPT: frozenset(ActionsGuarded),
}


class SystemQualification(models.TextChoices):
    """Qualifications every worker has, computed by the platform rather than granted."""

    APPROVAL_RATE = "approval_rate", _("Approval rate (%)")
    NUMBER_APPROVED = "number_approved", _("Approved tasks")
    LOCALE = "locale", _("Location")
    ADULT = "adult", _("Adult (18 or older)")
    MASTERS = "masters", _("Masters")


# MTurk's system QualificationTypeIds. Both Masters ids (production and sandbox) mean the one
# platform Masters qualification; MTURK_ID_FOR gives the production one back.
SYSTEM_QUALIFICATION_FOR_MTURK_ID = {
    "000000000000000000L0": SystemQualification.APPROVAL_RATE,
    "00000000000000000040": SystemQualification.NUMBER_APPROVED,
    "00000000000000000071": SystemQualification.LOCALE,
    "00000000000000000060": SystemQualification.ADULT,
    "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH": SystemQualification.MASTERS,
    "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6": SystemQualification.MASTERS,
}
MTURK_ID_FOR = {
    SystemQualification.APPROVAL_RATE: "000000000000000000L0",
    SystemQualification.NUMBER_APPROVED: "00000000000000000040",
    SystemQualification.LOCALE: "00000000000000000071",
    SystemQualification.ADULT: "00000000000000000060",
    SystemQualification.MASTERS: "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH",
}


# MTurk's system qualification types as GetQualificationType and ListQualificationTypes show
# them: (QualificationTypeId, Name, Description), in MTurk's own words; both Masters ids appear.
MTURK_SYSTEM_TYPES = (
    (
        "000000000000000000L0",
        "Worker_PercentAssignmentsApproved",
        "The percentage of assignments the Worker has submitted that were subsequently "
        "approved by the Requester, over all assignments the Worker has submitted.",
    ),
    (
        "00000000000000000040",
        "Worker_NumberHITsApproved",
        "Specifies the total number of HITs submitted by a Worker that have been approved.",
    ),
    (
        "00000000000000000071",
        "Worker_Locale",
        "The location of the Worker, as specified in the Worker's mailing address.",
    ),
    (
        "00000000000000000060",
        "Worker_Adult",
        "Requires Workers to acknowledge that they are over 18 and that they agree to work on "
        "potentially offensive content.",
    ),
    (
        "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH",
        "Masters",
        "Workers who have demonstrated a high degree of success in performing a wide range of "
        "HITs.",
    ),
    (
        "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6",
        "Masters",
        "Workers who have demonstrated a high degree of success in performing a wide range of "
        "HITs (sandbox id).",
    ),
)


class RuleCondition(models.TextChoices):
    """What a quality rule measures about a worker in one project."""

    GOLD_ACCURACY_BELOW = "gold_accuracy_below", _("accuracy on gold below (%)")
    # xgettext:no-python-format (a label, never interpolated: "% o" is not a placeholder)
    MEDIAN_TIME_BELOW = "median_time_below", _("median time below this % of the project's")
    AGREEMENT_BELOW = "agreement_below", _("agreement with the other workers below (%)")
    # Field photos: the share that no photo check flagged (work/photo_checks.py, adr 0027).
    PHOTO_CHECKS_BELOW = "photo_checks_below", _("photos passing the photo checks below (%)")


class RuleActionKind(models.TextChoices):
    """What a rule does when its condition holds."""

    BLOCK = "block", _("block from this project")
    FLAG = "flag", _("flag for review")
    LOWER_WEIGHT = "lower_weight", _("lower the weight of their answers")
