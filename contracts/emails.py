"""Contract emails: one per (event, recipient), rendered in the recipient's language, sent at most once."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from core.notify import send_once

from .models import Contract, ContractEvent


def _absolute(path: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    return f"{base}{path}"


def notify_event(*, contract_id: int, event_id: int) -> int:
    """Send the emails an event calls for; returns how many went out now."""
    from .services import notice_for

    contract = Contract.objects.select_related("salesperson__team", "maker", "customer").get(pk=contract_id)
    event = ContractEvent.objects.select_related("actor").get(pk=event_id)
    notice = notice_for(contract, event)
    if notice is None:
        return 0
    amendment = contract.amendments.order_by("-number").first() if notice.template == "amended" else None
    sent = 0
    for person in notice.recipients:
        if not person.email or person.pk == event.actor_id:
            continue
        context = {
            "contract": contract,
            "event": event,
            "recipient": person,
            "amendment": amendment,
            "url": _absolute(contract.get_absolute_url()),
        }
        with translation.override(person.language or settings.LANGUAGE_CODE):
            subject = render_to_string(f"contracts/email/{notice.template}_subject.txt", context)
            body = render_to_string(f"contracts/email/{notice.template}.txt", context)
        message = EmailMessage(subject=" ".join(subject.split()), body=body, to=[person.email])
        if send_once(f"contract:{contract.pk}:event:{event.pk}:to:{person.pk}", message):
            sent += 1
    return sent
