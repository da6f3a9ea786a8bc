from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        # Home queues: late milestones (production), shipments awaiting their check.
        from . import queues, queues_shipments  # noqa: F401
