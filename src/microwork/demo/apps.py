from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The local demo: `microwork demo` seeds accounts and a published batch to try things on."""

    name = "microwork.demo"
    label = "demo"
    verbose_name = _("Demo")
