from __future__ import annotations


def shipment_saved(sender, instance, created: bool = False, update_fields=None, **kwargs) -> None:
    from orders.models import Shipment

    from .services.invoices import shipment_recorded

    if instance.status == Shipment.Status.CHECKED and (update_fields is None or "status" in update_fields):
        shipment_recorded(instance)
