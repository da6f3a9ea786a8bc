"""Dunning emails: a template per language and kind, editable in the admin (EmailTemplate);
when none is stored the default below is used, translated into the recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

from .models import EmailTemplate

DEFAULT_TEMPLATES = {
    EmailTemplate.Kind.TEAM: "receivables/email/dunning_team",
    EmailTemplate.Kind.ESCALATION: "receivables/email/dunning_escalation",
    EmailTemplate.Kind.CUSTOMER: "receivables/email/dunning_customer",
}


def render_email(*, kind: str, language: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a dunning email in ``language``."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        stored = EmailTemplate.objects.filter(kind=kind, language=language).first()
        if stored is not None:
            subject = Template("{% load i18n backdesk %}" + stored.subject).render(Context(context))
            body = Template("{% load i18n backdesk %}" + stored.body).render(Context(context))
        else:
            base = DEFAULT_TEMPLATES[kind]
            subject = render_to_string(f"{base}_subject.txt", context)
            body = render_to_string(f"{base}.txt", context)
    return " ".join(subject.split())[:200], body


def build_message(*, kind: str, language: str, to: str, context: dict) -> EmailMessage:
    subject, body = render_email(kind=kind, language=language, context=context)
    return EmailMessage(subject=subject, body=body, to=[to])
