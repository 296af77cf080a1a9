"""Choices of the webhooks app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    """What an endpoint may subscribe to; the value is the payload's "type"."""

    ASSIGNMENT_SUBMITTED = "assignment.submitted", _("An assignment was submitted")
    BATCH_FINISHED = "batch.finished", _("A batch is finished")
    APPEAL_OPENED = "appeal.opened", _("A worker opened an appeal")
    BALANCE_LOW = "balance.low", _("Your balance is low")


# Sent by the "Send a test event" button, whatever the endpoint subscribes to.
TEST_EVENT = "webhook.test"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
