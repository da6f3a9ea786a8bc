"""Form widgets shared by the modules."""

from __future__ import annotations

from django import forms
from django.urls import reverse


class LookupSelect(forms.Select):
    """A type-ahead picker for long scoped lists (customers, products).

    Renders only the selected option; Tom Select (static/js/backdesk.js) fetches the rest
    from ``url_name`` (JSON ``{"results": [{"id", "text"}]}``) as the user types. The form
    field keeps its scoped queryset, so a forged id outside scope is still refused.
    """

    def __init__(self, url_name: str, *, params: str = "", attrs=None):
        super().__init__(attrs)
        self.url_name = url_name
        self.params = params

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        url = reverse(self.url_name) + (f"?{self.params}" if self.params else "")
        context["widget"]["attrs"]["data-lookup-url"] = url
        return context

    def optgroups(self, name, value, attrs=None):
        selected = [v for v in value if v not in (None, "")]
        choices = self.choices
        options = []
        if getattr(choices.field, "empty_label", None) is not None:
            options.append(self.create_option(name, "", choices.field.empty_label, not selected, 0))
        queryset = getattr(choices, "queryset", None)
        if queryset is not None and selected:
            try:
                objects = list(queryset.filter(pk__in=selected))
            except (ValueError, TypeError):
                objects = []
            label = choices.field.label_from_instance
            for index, obj in enumerate(objects, start=1):
                options.append(self.create_option(name, choices.choice(obj)[0], label(obj), True, index))
        return [(None, options, 0)]
