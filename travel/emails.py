"""Trip emails: one per (event, recipient), rendered in the recipient's language, sent at most once."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from core.notify import send_once

from .models import Trip, TripEvent

Action = TripEvent.Action


def _absolute(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def recipients_for(trip: Trip, event: TripEvent) -> tuple[str, list[User]]:
    """Which template goes to whom after this step: always the person who acts next."""
    from .services import approvers, needs_review

    traveller_side = [trip.traveller] + ([trip.created_by] if trip.created_by_id != trip.traveller_id else [])
    if event.action == Action.SUBMITTED:
        if needs_review(trip):
            return "to_review", list(trip.traveller.assistants.filter(is_active=True, role=User.Role.ASSISTANT))
        return "to_approve", approvers(trip)
    if event.action == Action.REVIEWED:
        return "to_approve", approvers(trip)
    if event.action == Action.APPROVED:
        return "approved", traveller_side
    if event.action == Action.REJECTED:
        return "returned", traveller_side
    if event.action == Action.REPORTED and trip.stops.filter(important=True).exists():
        return "findings", approvers(trip)
    return "", []


def notify_event(*, trip_id: int, event_id: int) -> int:
    """Send the emails a step calls for; returns how many went out now."""
    trip = Trip.objects.select_related("traveller__team__manager", "created_by").get(pk=trip_id)
    event = TripEvent.objects.select_related("actor").get(pk=event_id)
    template, people = recipients_for(trip, event)
    sent = 0
    findings = list(trip.stops.filter(important=True).select_related("customer")) if template == "findings" else []
    for person in people:
        if not person.email or person.pk == event.actor_id:
            continue
        context = {
            "trip": trip,
            "event": event,
            "recipient": person,
            "findings": findings,
            "url": _absolute(trip.get_absolute_url()),
        }
        with translation.override(person.language or settings.LANGUAGE_CODE):
            subject = render_to_string(f"travel/email/{template}_subject.txt", context)
            body = render_to_string(f"travel/email/{template}.txt", context)
        message = EmailMessage(subject=" ".join(subject.split()), body=body, to=[person.email])
        if send_once(f"trip:{trip.pk}:event:{event.pk}:to:{person.pk}", message):
            sent += 1
    return sent
