"""View helpers: every object a view touches is fetched through ``visible_to(user)``."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404


class ScopedMixin(LoginRequiredMixin):
    """Restrict a generic view's queryset to what the user may see.

    Detail, edit, delete, PDF, Excel, attachment and htmx fragment views all inherit it,
    so an object outside the user's scope is not found: 404, never 403.
    """

    model = None

    def get_queryset(self):
        model = self.model or getattr(getattr(self, "queryset", None), "model", None)
        if model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a model")
        return model.objects.visible_to(self.request.user)


class RoleRequiredMixin(LoginRequiredMixin):
    """Only users whose role is in ``allowed_roles`` (or who pass ``allow``) may use the view.

    Anyone else gets a 404, like a record outside scope: the URL reveals nothing.
    """

    allowed_roles: tuple[str, ...] = ()

    def allow(self, user) -> bool:
        return user.role in self.allowed_roles

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (request.user.is_superuser or self.allow(request.user)):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class HtmxTemplateMixin:
    """Answer an htmx request with the fragment template (leading underscore)."""

    fragment_template_name: str | None = None

    def get_template_names(self):
        if self.fragment_template_name and self.request.headers.get("HX-Request"):
            return [self.fragment_template_name]
        return super().get_template_names()
