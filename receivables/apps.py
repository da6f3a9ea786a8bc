from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    name = "receivables"
    verbose_name = _("Receivables")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from orders.models import Shipment

        from . import queues  # noqa: F401  (registers the home queue sections)
        from .signals import shipment_saved

        # Instalments due N days after the shipment get their date when the shipment is checked
        # (orders.services.shipments.shipment_check saves status with update_fields): no edit to orders/.
        post_save.connect(shipment_saved, sender=Shipment, dispatch_uid="receivables_shipment_saved")
