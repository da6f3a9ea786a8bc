from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SamplesConfig(AppConfig):
    name = "samples"
    verbose_name = _("Samples")

    def ready(self) -> None:
        from . import queues  # noqa: F401  (registers the home queue sections)
