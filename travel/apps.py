from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TravelConfig(AppConfig):
    name = "travel"
    verbose_name = _("Travel")

    def ready(self) -> None:
        # Home queues: trips to review/approve, who is on the road today, visits coming, findings.
        from . import queues  # noqa: F401
