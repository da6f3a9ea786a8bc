"""Product catalogue: the list every signed-in role reads, and the type-ahead for product pickers.

Products are managed in the admin (orders/admin.py); the catalogue is the company's, so
``Product.objects.visible_to(user)`` is every product for any active signed-in user.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from core.exports import MONEY_FORMAT, Column
from core.list_exports import ListExportMixin
from core.mixins import HtmxTemplateMixin, ScopedMixin
from orders.forms.quotations import ProductFilterForm, product_text
from orders.models import Product

SORTS = {
    "sku": ("sku",),
    "name": ("name", "sku"),
    "name_en": ("name_en", "sku"),
    "unit": ("unit", "sku"),
    "price": ("list_price", "sku"),
    "currency": ("currency", "sku"),
    "active": ("active", "sku"),
}
DEFAULT_SORT = "sku"


class ProductListView(ScopedMixin, HtmxTemplateMixin, ListView):
    model = Product
    template_name = "orders/product_list.html"
    fragment_template_name = "orders/product_list_rows.html"
    paginate_by = 50
    context_object_name = "products"

    def get_filter_form(self) -> ProductFilterForm:
        if not hasattr(self, "_filter_form"):
            self._filter_form = ProductFilterForm(self.request.GET or None)
            if self._filter_form.is_bound:
                self._filter_form.is_valid()
        return self._filter_form

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort", DEFAULT_SORT)
        return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT

    def get_queryset(self):
        qs = super().get_queryset()
        data = getattr(self.get_filter_form(), "cleaned_data", {})
        qs = qs.search(data.get("q") or "")
        if data.get("active") == "yes":
            qs = qs.filter(active=True)
        elif data.get("active") == "no":
            qs = qs.filter(active=False)
        if data.get("unit"):
            qs = qs.filter(unit=data["unit"])
        if data.get("currency"):
            qs = qs.filter(currency=data["currency"])
        sort = self.get_sort()
        order = SORTS[sort.lstrip("-")]
        if sort.startswith("-"):
            order = tuple(f"-{f}" for f in order)
        return qs.order_by(*order, "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_filter_form()
        user = self.request.user
        context.update(
            filter_form=form,
            active_filters=form.applied(),
            sort=self.get_sort(),
            is_htmx=bool(self.request.headers.get("HX-Request")),
            can_manage=user.is_staff and user.has_perm("orders.change_product"),
        )
        return context


class ProductLookupView(ScopedMixin, View):
    """Type-ahead for product pickers: ?q=text, active products only, 20 at most."""

    model = Product

    def get(self, request):
        queryset = self.get_queryset().filter(active=True).search(request.GET.get("q", ""))
        results = [
            {
                "id": p.pk,
                "text": product_text(p),
                "unit": p.unit,
                "list_price": str(p.list_price),
                "currency": p.currency,
            }
            for p in queryset.only("pk", "sku", "name", "name_en", "unit", "list_price", "currency").order_by("sku")[
                :20
            ]
        ]
        return JsonResponse({"results": results})


class ProductExportView(ListExportMixin, ProductListView):
    """The catalogue as Excel, with the list's filters and sort."""

    export_title = gettext_lazy("Products")
    export_name = "products"

    def export_columns(self):
        return [
            Column(_("SKU"), lambda p: p.sku, 16),
            Column(_("Name"), lambda p: p.name, 30),
            Column(_("English name"), lambda p: p.name_en, 30),
            Column(_("Specification"), lambda p: p.specification, 30),
            Column(_("Unit"), lambda p: p.get_unit_display(), 8),
            Column(_("List price"), lambda p: p.list_price, 14, MONEY_FORMAT),
            Column(_("Currency"), lambda p: p.currency, 9),
            Column(_("Active"), lambda p: p.active, 8),
        ]
