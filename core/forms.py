"""Form helpers shared by every module's views."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def add_error(form, error: ValidationError, *, renames: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError next to the field it names, or on top of the form.

    ``renames`` maps a service's field name to the form's where they differ.
    """
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = (renames or {}).get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, error)
