from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Backdesk core")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the PDF toolchain check)
