"""Contacts of a company: anyone who sees the company keeps its contacts up to date."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import CreateView, UpdateView
from django.views.generic.edit import DeleteView

from core.mixins import ScopedMixin
from customers.forms.companies import ContactForm
from customers.models import Company, Contact
from customers.services.companies import contact_save


class ContactCreateView(LoginRequiredMixin, CreateView):
    # The URL's pk names the company (as on the other "new" views under a company): the URL walk
    # reads ``model`` to pick a company out of scope. As Contact, it tried a contact's id as a
    # company's, which answered 200 whenever that id was a company the user may see.
    model = Company
    form_class = ContactForm
    template_name = "customers/contact_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.company = get_object_or_404(Company.objects.visible_to(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "company": self.company}

    def form_valid(self, form):
        contact = form.save(commit=False)
        contact.company = self.company
        contact_save(contact=contact, actor=self.request.user)
        messages.success(self.request, _("Contact %(name)s was added.") % {"name": contact.name})
        return redirect(self.company.get_absolute_url() + "#contacts")


class ContactUpdateView(ScopedMixin, UpdateView):
    model = Contact
    form_class = ContactForm
    template_name = "customers/contact_form.html"

    def get_queryset(self):
        return super().get_queryset().select_related("company")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "company": self.object.company}

    def form_valid(self, form):
        contact = contact_save(contact=form.save(commit=False), actor=self.request.user)
        messages.success(self.request, _("Contact %(name)s was saved.") % {"name": contact.name})
        return redirect(contact.get_absolute_url())


class ContactDeleteView(ScopedMixin, DeleteView):
    model = Contact
    http_method_names = ["post"]

    def form_valid(self, form):
        url = self.object.get_absolute_url()
        name = self.object.name
        self.object.delete()
        messages.success(self.request, _("Contact %(name)s was removed.") % {"name": name})
        return redirect(url)
