"""The "Change history" card: who changed what (field: old → new) and when, from django-simple-history.

``history_entries(obj)`` reads the latest audit records of a tracked record (and optionally of its children,
e.g. a claim's lines) in a constant number of queries, whatever the number of entries:

1. the record's latest ``limit + 1`` versions with their user (``select_related``): each is diffed against the
   next older one;
2. for each child queryset, its latest versions with the id of each one's previous version (a subquery), then
   those previous versions (one ``history_id__in`` query);
3. one ``in_bulk`` per related model named by a changed foreign key (shown by its ``str``).

``visible_history(user, obj)`` applies the visibility rule (issue #11): managers (the GM, a team manager on a
record page already scoped to their jurisdiction), and finance on invoices and payments. Assistants and
salespersons keep the record's own timeline and get ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Where finance sees the history too (it reads and confirms receivables company-wide).
FINANCE_MODELS = {"receivables.Invoice", "receivables.Payment"}
# Bookkeeping columns nobody edits: normalised copies of other fields, file types.
HIDDEN_FIELDS = {"receipt_key", "issuer_key", "receipt_type"}
# Labels of tracked fields declared without a verbose name (shipments' review trail, a company's creator).
LABELS = {
    "checked_by": gettext_lazy("checked by"),
    "checked_at": gettext_lazy("checked"),
    "prepared_by": gettext_lazy("prepared by"),
    "created_by": gettext_lazy("created by"),
    "claim": gettext_lazy("claim"),
    "order": gettext_lazy("order"),
}
ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class Change:
    field: str
    old: object
    new: object


@dataclass
class Entry:
    date: datetime
    user: object | None
    action: str  # created | changed | deleted
    subject: str = ""  # empty for the record itself, else the child it concerns ("Line 2026-03-01 Hotel")
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    # A change whose earlier version was never recorded (rows bulk-created, or older than the tracking):
    # what changed is unknown.
    unknown_before: bool = False


def can_see_history(user, obj) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_gm or user.is_manager:
        return True
    return bool(user.is_finance) and obj._meta.label in FINANCE_MODELS


def visible_history(user, obj, limit: int = 30, children=()) -> list[Entry] | None:
    """The entries for the card, or None when the user may not see it (the template then shows nothing)."""
    if not can_see_history(user, obj):
        return None
    return history_entries(obj, limit=limit, children=children)


def history_entries(
    obj,
    limit: int = 30,
    children: Iterable[tuple[models.QuerySet, Callable[[object], str]]] = (),
) -> list[Entry]:
    """The latest ``limit`` changes of ``obj`` (newest first), merged with those of ``children``.

    ``children`` are ``(historical queryset, label)`` pairs, e.g.
    ``(ClaimLine.history.filter(claim_id=claim.pk), lambda line: ...)``; the label names the child in the
    entry and is called on the historical record (it must not query).
    """
    pending: list[tuple[object, object | None, Callable | None]] = [
        (record, previous, None) for record, previous in _own_records(obj.history.all(), limit)
    ]
    for queryset, label in children:
        pending.extend((record, previous, label) for record, previous in _with_previous(queryset, limit))
    pending.sort(key=lambda item: (item[0].history_date, item[0].history_id), reverse=True)
    pending = pending[:limit]

    deltas: list[list[Change]] = []
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for record, previous, _label in pending:
        changes = []
        if previous is not None and record.history_type == "~":
            fields = _fields(record)
            changes = _diff(previous, record, fields)
            for change in changes:
                model_field = fields[change.field]
                if model_field.many_to_one or model_field.one_to_one:
                    for value in (change.old, change.new):
                        if value is not None:
                            wanted[model_field.related_model].add(value)
        deltas.append(changes)
    related = {model: model._base_manager.in_bulk(pks) for model, pks in wanted.items()}

    entries = []
    for (record, previous, label), changes in zip(pending, deltas, strict=True):
        fields = _fields(record) if changes else {}
        entries.append(
            Entry(
                date=record.history_date,
                user=record.history_user,
                action=ACTIONS.get(record.history_type, "changed"),
                subject=label(record) if label else "",
                reason=record.history_change_reason or "",
                unknown_before=record.history_type == "~" and previous is None,
                changes=[
                    Change(
                        field=_field_label(fields[c.field]),
                        old=_display(fields[c.field], c.old, related),
                        new=_display(fields[c.field], c.new, related),
                    )
                    for c in changes
                ],
            )
        )
    return entries


def _own_records(queryset: models.QuerySet, limit: int) -> list[tuple[object, object | None]]:
    """The latest ``limit`` records of one object, each with the one before it: ``limit + 1`` rows, one query."""
    records = list(queryset.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    return [(record, records[i + 1] if i + 1 < len(records) else None) for i, record in enumerate(records[:limit])]


def _with_previous(queryset: models.QuerySet, limit: int) -> list[tuple[object, object | None]]:
    """The latest ``limit`` records of ``queryset`` paired with the previous version of the same object."""
    model = queryset.model
    earlier = (
        model._default_manager.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    records = list(
        queryset.select_related("history_user")
        .annotate(previous_history_id=Subquery(earlier))
        .order_by("-history_date", "-history_id")[:limit]
    )
    wanted = [r.previous_history_id for r in records if r.history_type == "~" and r.previous_history_id]
    previous = model._default_manager.in_bulk(wanted) if wanted else {}
    return [(record, previous.get(record.previous_history_id)) for record in records]


def _diff(old, new, fields: dict[str, models.Field]) -> list[Change]:
    """The fields whose value differs, in the model's order.

    Like ``HistoricalChanges.diff_against`` but also over fields declared ``editable=False`` (a claim's
    status and approver, an invoice's total): ``diff_against`` goes through ``model_to_dict``, which skips
    them. Foreign keys compare (and are returned) by primary key.
    """
    changes = []
    for name, model_field in fields.items():
        before, after = getattr(old, model_field.attname), getattr(new, model_field.attname)
        if before != after:
            changes.append(Change(name, before, after))
    return changes


def _fields(record) -> dict[str, models.Field]:
    """The tracked fields worth showing, in the model's order (not the automatic timestamps)."""
    return {
        f.name: f
        for f in record.tracked_fields
        if not f.primary_key
        and f.name not in HIDDEN_FIELDS
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    }


def _field_label(model_field: models.Field) -> str:
    if isinstance(model_field.verbose_name, str) and model_field.name in LABELS:  # not a lazy translation
        return str(LABELS[model_field.name])
    return str(model_field.verbose_name)


def _display(model_field: models.Field, value, related) -> object:
    """A value as the card shows it: labels for choices, str for foreign keys, None for empty."""
    if value is None or value == "":
        return None
    if model_field.many_to_one or model_field.one_to_one:
        target = related.get(model_field.related_model, {}).get(value)
        return str(target) if target is not None else f"#{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if hasattr(value, "name") and isinstance(model_field, models.FileField):
        return value.name.rsplit("/", 1)[-1] or None
    return value
