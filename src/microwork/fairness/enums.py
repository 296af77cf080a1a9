from django.db import models
from django.utils.translation import gettext_lazy as _


class AppealSubject(models.TextChoices):
    REJECTION = "rejection", _("Rejection")
    BLOCK = "block", _("Block")
    RULE_ACTION = "rule_action", _("Quality rule's action")


class AppealState(models.TextChoices):
    OPEN = "open", _("Waiting for an answer")
    GRANTED = "granted", _("Granted")
    DENIED = "denied", _("Denied")


class AppealDecider(models.TextChoices):
    REQUESTER = "requester", _("the requester")
    STAFF = "staff", _("platform staff")
    AUTOMATIC = "automatic", _("automatically: no answer in time")


class RatingDimension(models.TextChoices):
    FAIR = "fair", _("Fair")
    FAST = "fast", _("Fast")
    PAY = "pay", _("Pay")
    COMMUNICATION = "communication", _("Communication")
