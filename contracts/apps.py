from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        # Home queues: contracts awaiting approval (managers, GM), returned for changes (makers).
        from . import queues  # noqa: F401
