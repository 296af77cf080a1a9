from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    WORKER = "worker", _("Worker")
    REQUESTER = "requester", _("Requester")


class ApiTokenScope(models.TextChoices):
    """What a personal API token may do: "write" includes "read"."""

    READ = "read", _("Read")
    WRITE = "write", _("Read and write")
