"""MTurk's notifications (UpdateNotificationSettings, SendTestEventNotification): a HIT type's
events, sent as MTurk's event document (EventDocVersion 2014-08-15) to the setting's
destination.

Email is delivered through the platform's mail, from the job queue after the commit
(notifications.jobs.queue_mail). SQS and SNS settings are stored and read back as set, so
clients that configure them (Dallinger's recruiter) keep working, but nothing is sent to them:
the server holds no AWS credentials. The events sent: HITCreated, HITExtended, HITDisposed,
AssignmentSubmitted, AssignmentApproved, AssignmentRejected and the test's Ping; the others
(AssignmentAccepted, AssignmentAbandoned, AssignmentReturned, HITReviewable, HITExpired) are
accepted in a setting and never sent.
"""

import json
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from microwork.mturk.models import NotificationSetting
from microwork.projects.models import Project

EVENT_TYPES = (
    "AssignmentAccepted",
    "AssignmentAbandoned",
    "AssignmentReturned",
    "AssignmentSubmitted",
    "AssignmentRejected",
    "AssignmentApproved",
    "HITCreated",
    "HITExpired",
    "HITReviewable",
    "HITExtended",
    "HITDisposed",
    "Ping",
)
TRANSPORTS = ("Email", "SQS", "SNS")
DELIVERED = ("Email",)
EVENT_DOC_VERSION = "2014-08-15"


class NotificationRefused(Exception):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


def check_specification(spec: dict) -> dict:
    """A NotificationSpecification checked member by member; NotificationRefused names the one
    that is wrong."""
    if not isinstance(spec, dict):
        raise NotificationRefused("Notification", "must be a structure")
    for member in ("Destination", "Transport", "Version", "EventTypes"):
        if spec.get(member) in (None, "", []):
            raise NotificationRefused(f"Notification.{member}", "must not be null")
    transport = spec["Transport"]
    if transport not in TRANSPORTS:
        raise NotificationRefused(
            "Notification.Transport", f"must be one of {', '.join(TRANSPORTS)}"
        )
    events = spec["EventTypes"]
    if not isinstance(events, list) or any(event not in EVENT_TYPES for event in events):
        raise NotificationRefused(
            "Notification.EventTypes", f"must hold only {', '.join(EVENT_TYPES)}"
        )
    destination = spec["Destination"]
    if not isinstance(destination, str) or len(destination) > 1000:
        raise NotificationRefused("Notification.Destination", "must be a string")
    if transport == "Email":
        try:
            validate_email(destination)
        except ValidationError:
            raise NotificationRefused(
                "Notification.Destination", "must be an email address for the Email transport"
            ) from None
    elif not destination.startswith("arn:"):
        raise NotificationRefused(
            "Notification.Destination", f"must be an ARN (arn:...) for the {transport} transport"
        )
    if not isinstance(spec["Version"], str) or len(spec["Version"]) > 40:
        raise NotificationRefused("Notification.Version", "must be a string")
    return {
        "destination": destination,
        "transport": transport,
        "version": spec["Version"],
        "event_types": sorted(set(events), key=EVENT_TYPES.index),
    }


def setting_update(*, project: Project, spec: dict | None, active: bool | None):
    """Set (spec) or switch on and off (active) the project's notification; NotificationRefused
    when only `active` is given and there is no setting yet."""
    current = NotificationSetting.objects.select_for_update().filter(project=project).first()
    if spec is None:
        if current is None:
            raise NotificationRefused(
                "Notification", "must be given: this HIT type has no notification yet"
            )
        current.is_active = active
        current.save(update_fields=["is_active", "updated_at"])
        return current
    fields = check_specification(spec)
    fields["is_active"] = True if active is None else active
    setting, _created = NotificationSetting.objects.update_or_create(
        project=project, defaults=fields
    )
    mark_hooked(project_id=project.pk)
    return setting


def mark_hooked(*, project_id: int) -> None:
    """From now on the project's work events look for its settings and policies."""
    Project.objects.filter(pk=project_id, mturk_hooks=False).update(mturk_hooks=True)


def _hooked(assignment) -> bool:
    """Whether the assignment's project has MTurk settings or policies; the events carry the
    project loaded, so this costs no query."""
    return assignment.task.batch.project.mturk_hooks


def _document(events: list[dict], requester_id: int) -> str:
    return json.dumps(
        {
            "Events": events,
            "EventDocId": uuid.uuid4().hex,
            "SourceAccount": str(requester_id),
            "CustomerId": str(requester_id),
            "EventDocVersion": EVENT_DOC_VERSION,
        },
        indent=2,
    )


def event(event_type: str, *, hit_id: str, hit_type_id: str, assignment_id: str = "") -> dict:
    """One event of MTurk's event document."""
    item = {
        "EventType": event_type,
        "EventTimestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "HITId": hit_id,
        "HITTypeId": hit_type_id,
    }
    if assignment_id:
        item["AssignmentId"] = assignment_id
    return item


def send(*, destination: str, events: list[dict], requester_id: int) -> None:
    """Mail one event document to `destination` from the job queue, after the commit. Robust:
    the act has committed by then, so a queue that cannot take the mail is logged, and never
    turns the operation that caused it into an error."""
    from microwork.notifications.jobs import mail_send

    kinds = ", ".join(sorted({item["EventType"] for item in events}))
    subject = f"Amazon Mechanical Turk notification: {kinds}"
    body = _document(events, requester_id)

    # A function, not a partial: a robust on_commit names what failed by its __qualname__,
    # which a partial lacks (the log line itself then failed, and the operation with it).
    def mail_after_commit():
        mail_send(to=destination, subject=subject, body=body, html="")

    transaction.on_commit(
        mail_after_commit,
        robust=True,
    )


def deliver(*, project_id: int, events: list[dict]) -> None:
    """Send `events` of the HIT type `project_id` where its active Email setting says, those of
    the kinds it asked for."""
    setting = (
        NotificationSetting.objects.filter(
            project_id=project_id, is_active=True, transport__in=DELIVERED
        )
        .select_related("project")
        .first()
    )
    if setting is None:
        return
    wanted = [item for item in events if item["EventType"] in setting.event_types]
    if wanted:
        send(
            destination=setting.destination,
            events=wanted,
            requester_id=setting.project.requester_id,
        )


def hit_event(event_type: str, task) -> None:
    """Deliver one HIT event (HITCreated, HITExtended, HITDisposed) of `task`."""
    project = task.batch.project
    if not project.mturk_hooks:
        return
    deliver(
        project_id=project.pk,
        events=[event(event_type, hit_id=task.public_id, hit_type_id=project.public_id)],
    )


def _assignment_event(event_type: str, assignment) -> tuple[int, dict]:
    task = assignment.task
    project = task.batch.project
    return project.pk, event(
        event_type,
        hit_id=task.public_id,
        hit_type_id=project.public_id,
        assignment_id=assignment.public_id,
    )


def _deliver_assignments(event_type: str, assignments) -> None:
    by_project: dict[int, list[dict]] = {}
    for assignment in assignments:
        if not _hooked(assignment):
            continue
        project_id, item = _assignment_event(event_type, assignment)
        by_project.setdefault(project_id, []).append(item)
    for project_id, events in by_project.items():
        deliver(project_id=project_id, events=events)


# --- the work events' subscribers (mturk/apps.py) -------------------------------------------


def assignment_submitted(event) -> None:
    _deliver_assignments("AssignmentSubmitted", [event.assignment])


def assignment_approved(event) -> None:
    _deliver_assignments("AssignmentApproved", [event.assignment])


def assignment_rejected(event) -> None:
    _deliver_assignments("AssignmentRejected", [event.assignment])


def assignments_approved(event) -> None:
    _deliver_assignments("AssignmentApproved", [item.assignment for item in event.approvals])


def assignments_rejected(event) -> None:
    _deliver_assignments("AssignmentRejected", [item.assignment for item in event.rejections])
