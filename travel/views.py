"""Trip and visit pages. Every trip is fetched through ``Trip.objects.visible_to(user)``
(``ScopedMixin``), so a trip outside the user's scope is a 404 on every URL (detail, edit,
actions, itinerary, PDF); writes go through ``travel.services``."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from core.background_exports import BackgroundExportMixin
from core.exports import DATE_FORMAT, MONEY_FORMAT, Column, choice_labels
from core.forms import add_error
from core.list_exports import ListExportMixin
from core.mixins import HtmxTemplateMixin, ScopedMixin
from core.pdf import pdf_response
from core.search import matching_keys
from customers.models import Company, Contact
from expenses import api as expenses_api

from . import services
from .forms import (
    BookingForm,
    CheckInForm,
    CommentForm,
    ReviewForm,
    TravellerForm,
    TripFilterForm,
    TripForm,
    VisitFilterForm,
    VisitForm,
    leg_formset,
    report_formset,
    stop_formset,
)
from .models import ESTIMATE_FIELDS, REVIEW_CHECKLIST, Booking, CheckIn, Trip, TripCustomer, TripEvent, Visit

SORTS = {
    "number": ("number",),
    "start": ("start_on", "pk"),
    "traveller": ("traveller__username", "pk"),
    "destination": ("destination", "pk"),
    "status": ("status", "pk"),
    "estimate": ("est_total", "pk"),
}
DEFAULT_SORT = "-start"


def filtered_trips(request):
    user = request.user
    today = timezone.localdate()
    form = TripFilterForm(request.GET or None, user=user)
    queryset = Trip.objects.visible_to(user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        text = (data["q"] or "").strip()
        if text:
            matching = matching_keys(Company.objects.search(text))
            queryset = queryset.filter(
                Q(number__icontains=text)
                | Q(destination__icontains=text)
                | Q(purpose__icontains=text)
                | Q(pk__in=TripCustomer.objects.filter(customer__in=matching).values("trip_id"))
            )
        status = data["status"]
        if status == "awaiting":
            queryset = queryset.filter(status__in=Trip.AWAITING)
        elif status == "returned":
            queryset = queryset.filter(status=Trip.Status.DRAFT, returned=True)
        elif status == "on_the_road":
            queryset = queryset.on_the_road(today)
        elif status == "to_report":
            queryset = queryset.filter(status=Trip.Status.APPROVED, end_on__lt=today)
        elif status:
            queryset = queryset.filter(status=status)
        if data["traveller"]:
            queryset = queryset.filter(traveller=data["traveller"])
        if data["month"]:
            queryset = queryset.filter(start_on__gte=data["month"])
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort.lstrip("-") not in SORTS:
        sort = DEFAULT_SORT
    fields = SORTS[sort.lstrip("-")]
    ordering = [f"-{f}" for f in fields] if sort.startswith("-") else list(fields)
    return form, queryset.order_by(*ordering), sort


class TripListView(LoginRequiredMixin, HtmxTemplateMixin, ListView):
    template_name = "travel/trip_list.html"
    fragment_template_name = "travel/_trip_rows.html"
    paginate_by = 50
    context_object_name = "trips"

    def get_queryset(self):
        self.filter_form, queryset, self.sort = filtered_trips(self.request)
        return queryset.select_related("traveller", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filter_form
        active = form.is_bound and form.is_valid() and any(v not in (None, "") for v in form.cleaned_data.values())
        context.update(
            filter_form=form,
            sort=self.sort,
            active_filters=active,
            today=timezone.localdate(),
            can_create=services.travellers_for(self.request.user).exists(),
            section="trips",
        )
        return context


class TripExportView(LoginRequiredMixin, BackgroundExportMixin, View):
    """The list's Excel: the same scoped queryset, filters and sort as the page. A GM's or finance's
    list holds every trip: past settings.EXPORT_INLINE_MAX_ROWS a worker builds the file."""

    export_title = gettext_lazy("Trips")

    def export_row_count(self, request) -> int:
        return filtered_trips(request)[1].order_by().count()

    def build_export(self, request):
        _form, queryset, _sort = filtered_trips(request)
        labels = choice_labels(Trip.Status.choices)
        rows = (
            queryset.select_related("traveller", "created_by")
            .prefetch_related(Prefetch("stops", queryset=TripCustomer.objects.select_related("customer")))
            .iterator(chunk_size=2000)
        )
        columns = [
            Column(_("Trip"), lambda t: t.number, 16),
            Column(_("Traveller"), lambda t: str(t.traveller), 16),
            Column(_("Made by"), lambda t: str(t.created_by), 16),
            Column(_("Destination"), lambda t: t.destination, 18),
            Column(_("First day"), lambda t: t.start_on, 12, DATE_FORMAT),
            Column(_("Last day"), lambda t: t.end_on, 12, DATE_FORMAT),
            Column(_("Hotel nights"), lambda t: t.hotel_nights, 8, "0"),
            Column(_("Status"), lambda t: labels.get(t.status, t.status), 14),
            Column(_("Customers to visit"), lambda t: ", ".join(s.customer.code for s in t.stops.all()), 28),
            Column(_("Purpose"), lambda t: t.purpose, 40),
            Column(_("Currency"), lambda t: t.currency, 8),
            *(
                Column(
                    str(Trip._meta.get_field(f).verbose_name).capitalize(),
                    lambda t, f=f: getattr(t, f),
                    12,
                    MONEY_FORMAT,
                )
                for f in ESTIMATE_FIELDS
            ),
            Column(_("Estimated cost"), lambda t: t.est_total, 14, MONEY_FORMAT),
        ]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"trips-{stamp}.xlsx", [(_("Trips"), columns, rows)]


# The trip form -----------------------------------------------------------------------------------


class TripFormMixin:
    template_name = "travel/trip_form.html"

    def render_form(self, traveller, form, legs, stops, **extra):
        return self.render_to_response(
            {
                "step": 2,
                "traveller": traveller,
                "form": form,
                "formset": legs,
                "stops": stops,
                "section": "trips",
                **extra,
            }
        )

    def save(self, traveller, form, legs, stops, trip=None):
        if not (form.is_valid() & legs.is_valid() & stops.is_valid()):
            return None
        header = {name: form.cleaned_data[name] for name in services.HEADER_FIELDS}
        try:
            if trip is None:
                return services.trip_create(
                    actor=self.request.user, traveller=traveller, legs=legs.rows(), stops=stops.rows(), **header
                )
            return services.trip_update(
                trip=trip, actor=self.request.user, legs=legs.rows(), stops=stops.rows(), **header
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.error_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
        return None


class TripCreateView(LoginRequiredMixin, TripFormMixin, TemplateView):
    """Two steps: who travels (an assistant picks the salesperson first), then the trip."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.travellers = services.travellers_for(request.user).order_by("username")
        if not self.travellers.exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_traveller(self):
        raw = self.request.POST.get("traveller") or self.request.GET.get("traveller")
        if raw is None:
            user = self.request.user
            return user if user.role == user.Role.SALESPERSON else None
        if not str(raw).isdigit():
            raise Http404
        return get_object_or_404(self.travellers, pk=int(raw))

    def get(self, request, *args, **kwargs):
        traveller = self.get_traveller()
        if traveller is None:
            return self.render_to_response(
                {"step": 1, "traveller_form": TravellerForm(user=request.user), "section": "trips"}
            )
        return self.render_form(
            traveller,
            TripForm(initial={"currency": "CNY"}),
            leg_formset(extra=2),
            stop_formset(actor=request.user, traveller=traveller),
            can_change=self.travellers.count() > 1,
        )

    def post(self, request, *args, **kwargs):
        traveller = self.get_traveller()
        if traveller is None:
            raise Http404
        form = TripForm(request.POST)
        legs = leg_formset(data=request.POST)
        stops = stop_formset(actor=request.user, traveller=traveller, data=request.POST)
        trip = self.save(traveller, form, legs, stops)
        if trip is not None:
            messages.success(
                request, _("Trip %(number)s was drafted; submit it for review when ready.") % {"number": trip.number}
            )
            return redirect(trip)
        return self.render_form(traveller, form, legs, stops, can_change=self.travellers.count() > 1)


class TripUpdateView(ScopedMixin, TripFormMixin, SingleObjectMixin, TemplateView):
    model = Trip

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if not services.can_edit(request.user, self.object):
            messages.error(request, _("Only a draft can be changed, by the traveller or their assistant."))
            return redirect(self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("traveller", "created_by")

    def get(self, request, *args, **kwargs):
        trip = self.object
        legs = [
            {k: getattr(leg, k) for k in ("day", "origin", "destination", "transport", "note")}
            for leg in trip.legs.all()
        ]
        stops = [{"customer": s.customer_id, "agenda": s.agenda} for s in trip.stops.all()]
        return self.render_form(
            trip.traveller,
            TripForm(instance=trip),
            leg_formset(initial=legs, extra=0),
            stop_formset(actor=request.user, traveller=trip.traveller, initial=stops, trip=trip),
            trip=trip,
        )

    def post(self, request, *args, **kwargs):
        trip = self.object
        form = TripForm(request.POST, instance=Trip.objects.get(pk=trip.pk))
        legs = leg_formset(data=request.POST)
        stops = stop_formset(actor=request.user, traveller=trip.traveller, data=request.POST, trip=trip)
        saved = self.save(trip.traveller, form, legs, stops, trip=trip)
        if saved is not None:
            messages.success(request, _("Changes to trip %(number)s were saved.") % {"number": saved.number})
            return redirect(saved)
        return self.render_form(trip.traveller, form, legs, stops, trip=trip)


# The trip page ------------------------------------------------------------------------------------


def stops_with_contacts(trip: Trip):
    return trip.stops.select_related("customer", "interaction").prefetch_related(
        Prefetch("customer__contacts", queryset=Contact.objects.order_by("-is_primary", "name"))
    )


def estimate_against_claimed(trip: Trip) -> dict:
    claimed = expenses_api.claimed_by_trip([trip.pk]).get(trip.pk, {})
    booked = defaultdict(Decimal)
    for booking in trip.bookings.all():
        booked[booking.currency] += booking.cost
    return {
        "rows": trip.estimate_rows(),
        "claimed": sorted(claimed.items()),
        "booked": sorted(booked.items()),
        "claimed_same_currency": claimed.get(trip.currency),
        "difference": (trip.est_total - claimed[trip.currency]) if trip.currency in claimed else None,
    }


class TripDetailView(ScopedMixin, DetailView):
    model = Trip
    template_name = "travel/trip_detail.html"
    context_object_name = "trip"

    def get_queryset(self):
        return super().get_queryset().select_related("traveller__team__manager", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        trip: Trip = self.object
        user = self.request.user
        today = timezone.localdate()
        actions = services.allowed_actions(user, trip, today)
        checked_today = trip.check_ins.filter(day=today).exists()
        itinerary = itinerary_context(trip, user)
        context.update(
            section="trips",
            today=today,
            actions=actions,
            legs=list(trip.legs.all()),
            visible=itinerary["visible"],
            stops=itinerary["stops"],
            bookings=list(trip.bookings.select_related("booked_by")),
            check_ins=list(trip.check_ins.select_related("by")),
            events=TripEvent.objects.filter(trip=trip).select_related("actor"),
            checklist=REVIEW_CHECKLIST,
            money=estimate_against_claimed(trip),
            trip_claims=expenses_api.claims_of_trip(trip.pk, user),
            approvers=services.approvers(trip) if trip.status in Trip.AWAITING else [],
            needs_review=services.needs_review(trip),
            is_traveller=trip.traveller_id == user.pk,
            checked_today=checked_today,
            review_form=ReviewForm(),
            booking_form=BookingForm(initial={"starts_on": trip.start_on, "currency": trip.currency}),
            check_in_form=CheckInForm(initial={"location": trip.destination}),
        )
        return context


class TripActionMixin(ScopedMixin, SingleObjectMixin, View):
    """POST-only actions on a trip in scope (outside scope: 404)."""

    model = Trip
    http_method_names = ["post"]

    def act(self, request, trip):  # pragma: no cover - each action defines it
        raise NotImplementedError

    def post(self, request, pk, **kwargs):
        trip = self.get_object()
        try:
            message = self.act(request, trip, **kwargs)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if message:
                messages.success(request, message)
        return redirect(request.POST.get("next") if request.POST.get("next", "").startswith("/travel/") else trip)


def _comment(request) -> str:
    form = CommentForm(request.POST)
    form.is_valid()
    return form.cleaned_data.get("comment", "")


class TripSubmitView(TripActionMixin):
    def act(self, request, trip):
        trip = services.trip_submit(trip=trip, actor=request.user, comment=_comment(request))
        return _("Trip %(number)s was submitted for review.") % {"number": trip.number}


class TripReviewView(TripActionMixin):
    def act(self, request, trip):
        form = ReviewForm(request.POST)
        form.is_valid()
        trip = services.trip_review(
            trip=trip, actor=request.user, checklist=form.checklist(), comment=form.cleaned_data.get("comment", "")
        )
        return _("Trip %(number)s was reviewed; it now goes to %(who)s for approval.") % {
            "number": trip.number,
            "who": ", ".join(str(p) for p in services.approvers(trip)) or _("the manager"),
        }


class TripApproveView(TripActionMixin):
    def act(self, request, trip):
        trip = services.trip_approve(trip=trip, actor=request.user, comment=_comment(request))
        return _("Trip %(number)s is approved.") % {"number": trip.number}


class TripRejectView(TripActionMixin):
    def act(self, request, trip):
        form = ReviewForm(request.POST)
        form.is_valid()
        checklist = form.checklist() if trip.status == Trip.Status.SUBMITTED else None
        trip = services.trip_reject(
            trip=trip, actor=request.user, comment=form.cleaned_data.get("comment", ""), checklist=checklist
        )
        return _("Trip %(number)s was returned for changes.") % {"number": trip.number}


class TripCancelView(TripActionMixin):
    def act(self, request, trip):
        trip = services.trip_cancel(trip=trip, actor=request.user, comment=_comment(request))
        return _("Trip %(number)s was cancelled.") % {"number": trip.number}


class BookingAddView(TripActionMixin):
    def act(self, request, trip):
        form = BookingForm(request.POST)
        if not form.is_valid():
            raise ValidationError([f"{form.fields[k].label}: {e}" for k, errors in form.errors.items() for e in errors])
        data = form.cleaned_data
        booking = services.booking_add(trip=trip, actor=request.user, **data)
        return _("%(kind)s %(reference)s was added to the itinerary.") % {
            "kind": booking.get_kind_display(),
            "reference": booking.reference,
        }


class BookingRemoveView(TripActionMixin):
    def act(self, request, trip, booking_pk):
        booking = get_object_or_404(Booking.objects.filter(trip=trip), pk=booking_pk)
        services.booking_remove(booking=booking, actor=request.user)
        return _("The booking was removed.")


class CheckInView(TripActionMixin):
    def act(self, request, trip):
        form = CheckInForm(request.POST)
        if not form.is_valid():
            raise ValidationError([f"{form.fields[k].label}: {e}" for k, errors in form.errors.items() for e in errors])
        services.check_in(trip=trip, actor=request.user, **form.cleaned_data)
        return _("Check-in for %(who)s recorded.") % {"who": trip.traveller}


class TripReportView(ScopedMixin, SingleObjectMixin, TemplateView):
    """The visit report: one block per customer on the trip."""

    model = Trip
    template_name = "travel/report_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        if not services.can_report(request.user, self.object, timezone.localdate()):
            messages.error(request, _("The traveller files the visit report of an approved trip once it has begun."))
            return redirect(self.object)
        self.stops = list(self.object.stops.select_related("customer", "trip"))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("traveller")

    def render(self, formset, comment_form):
        return self.render_to_response(
            {"trip": self.object, "formset": formset, "comment_form": comment_form, "section": "trips"}
        )

    def get(self, request, *args, **kwargs):
        return self.render(report_formset(stops=self.stops), CommentForm())

    def post(self, request, *args, **kwargs):
        formset = report_formset(stops=self.stops, data=request.POST)
        comment_form = CommentForm(request.POST)
        if formset.is_valid() and comment_form.is_valid():
            reports = [{"stop": form.stop, **form.cleaned_data} for form in formset.forms]
            try:
                services.visit_report_file(
                    trip=self.object, actor=request.user, reports=reports, comment=comment_form.cleaned_data["comment"]
                )
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                messages.success(request, _("The visit report was filed; the visits are on the customer files."))
                return redirect(self.object)
        return self.render(formset, comment_form)


def itinerary_context(trip: Trip, user) -> dict:
    stops = list(stops_with_contacts(trip))
    # An assistant serving the traveller sees the whole trip, but the contacts of only the
    # customers assigned to them (accounts.scope: customer records follow the assignment).
    visible = set(
        Company.objects.visible_to(user).filter(pk__in=[s.customer_id for s in stops]).values_list("pk", flat=True)
    )
    return {
        "trip": trip,
        "visible": visible,
        "legs": list(trip.legs.all()),
        "bookings": list(trip.bookings.all()),
        "stops": [
            (
                s,
                next((c for c in s.customer.contacts.all() if c.is_primary), None)
                if s.customer_id in visible
                else None,
            )
            for s in stops
        ],
    }


class ItineraryView(ScopedMixin, DetailView):
    model = Trip
    template_name = "travel/itinerary.html"

    def get_queryset(self):
        return super().get_queryset().select_related("traveller", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(itinerary_context(self.object, self.request.user), section="trips")
        return context


class ItineraryPdfView(ScopedMixin, SingleObjectMixin, View):
    model = Trip

    def get_queryset(self):
        return super().get_queryset().select_related("traveller", "created_by")

    def get(self, request, pk):
        trip = self.get_object()
        return pdf_response(
            "pdf/itinerary.html",
            itinerary_context(trip, request.user),
            filename=f"{trip.number}-itinerary.pdf",
            request=request,
        )


class OnTheRoadView(LoginRequiredMixin, ListView):
    """Who is on the road today (seed 003 八): the assistant's daily calls, the manager's team."""

    template_name = "travel/on_the_road.html"
    context_object_name = "trips"
    paginate_by = 100

    def get_queryset(self):
        self.today = timezone.localdate()
        return (
            Trip.objects.visible_to(self.request.user)
            .on_the_road(self.today)
            .select_related("traveller")
            .prefetch_related(
                Prefetch("check_ins", queryset=CheckIn.objects.filter(day=self.today), to_attr="today_check_ins")
            )
            .order_by("traveller__username", "start_on", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        served = set(user.serves.values_list("pk", flat=True)) if user.role == user.Role.ASSISTANT else set()
        for trip in context["trips"]:
            trip.can_check_in = trip.traveller_id in served or (
                user.role == user.Role.ASSISTANT and trip.created_by_id == user.pk
            )
        context.update(today=self.today, section="road", check_in_form=CheckInForm())
        return context


class FindingsView(LoginRequiredMixin, ListView):
    """Important findings of visit reports (seed 002 篇三 1.4.2: reported to the sales director)."""

    template_name = "travel/findings.html"
    context_object_name = "stops"
    paginate_by = 50

    def get_queryset(self):
        return (
            TripCustomer.objects.visible_to(self.request.user)
            .filter(important=True)
            .select_related("trip__traveller", "customer")
            .order_by("-reported_at", "-pk")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"section": "findings"}


# Customers visiting us ----------------------------------------------------------------------------


class VisitListView(LoginRequiredMixin, ListView):
    template_name = "travel/visit_list.html"
    context_object_name = "visits"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = VisitFilterForm(self.request.GET or None)
        queryset = Visit.objects.visible_to(self.request.user).select_related("customer").prefetch_related("attendees")
        when = "upcoming"
        if self.filter_form.is_valid():
            when = self.filter_form.cleaned_data["when"] or "upcoming"
            text = (self.filter_form.cleaned_data["q"] or "").strip()
            if text:
                queryset = queryset.filter(
                    Q(customer__in=matching_keys(Company.objects.search(text))) | Q(visitors__icontains=text)
                )
        start_of_today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
        if when == "upcoming":
            queryset = queryset.filter(Q(arrives_at__gte=start_of_today) | Q(departs_on__gte=timezone.localdate()))
        elif when == "past":
            queryset = queryset.filter(arrives_at__lt=start_of_today).order_by("-arrives_at", "-pk")
        self.when = when
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        days = defaultdict(list)
        for visit in context["visits"]:
            days[timezone.localtime(visit.arrives_at).date()].append(visit)
        context.update(
            filter_form=self.filter_form,
            when=self.when,
            days=sorted(days.items(), reverse=self.when == "past"),
            section="visits",
            can_create=Company.objects.visible_to(self.request.user).customers().exists(),
        )
        return context


class VisitCreateView(LoginRequiredMixin, TemplateView):
    template_name = "travel/visit_form.html"

    def dispatch(self, request, *args, **kwargs):
        # Someone who works on no customer (finance) has nobody to receive: nothing to offer.
        if request.user.is_authenticated and not Company.objects.visible_to(request.user).customers().exists():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response({"form": VisitForm(user=request.user), "section": "visits"})

    def post(self, request, *args, **kwargs):
        form = VisitForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            attendees = list(data.pop("attendees"))
            try:
                visit = services.visit_create(actor=request.user, attendees=attendees, **data)
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(
                    request, _("The visit of %(customer)s was recorded.") % {"customer": visit.customer.display_name}
                )
                return redirect(visit)
        return self.render_to_response({"form": form, "section": "visits"})


class VisitDetailView(ScopedMixin, DetailView):
    model = Visit
    template_name = "travel/visit_detail.html"
    context_object_name = "visit"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("customer", "created_by")
            .prefetch_related(
                "attendees", Prefetch("customer__contacts", queryset=Contact.objects.order_by("-is_primary", "name"))
            )
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"section": "visits"}


class VisitUpdateView(ScopedMixin, SingleObjectMixin, TemplateView):
    model = Visit
    template_name = "travel/visit_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        form = VisitForm(instance=self.object, user=request.user)
        return self.render_to_response({"form": form, "visit": self.object, "section": "visits"})

    def post(self, request, *args, **kwargs):
        form = VisitForm(request.POST, instance=Visit.objects.get(pk=self.object.pk), user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            attendees = list(data.pop("attendees"))
            try:
                visit = services.visit_update(visit=self.object, actor=request.user, attendees=attendees, **data)
            except ValidationError as error:
                add_error(form, error)
            else:
                messages.success(request, _("The visit was updated."))
                return redirect(visit)
        return self.render_to_response({"form": form, "visit": self.object, "section": "visits"})


class VisitExportView(ListExportMixin, VisitListView):
    """The visits as Excel: same scope, the same upcoming/past/all choice and search."""

    export_title = gettext_lazy("Customers visiting us")
    export_name = "visits"

    def export_columns(self):
        return [
            Column(_("Arrival"), lambda v: v.arrives_at, 17, "yyyy-mm-dd hh:mm"),
            Column(_("Departure"), lambda v: v.departs_on, 12, DATE_FORMAT),
            Column(_("Customer code"), lambda v: v.customer.code, 12),
            Column(_("Customer"), lambda v: v.customer.name, 30),
            Column(_("Visitors"), lambda v: v.visitors, 30),
            Column(_("Picked up by"), lambda v: v.pickup_by, 16),
            Column(_("Hotel"), lambda v: v.hotel, 20),
            Column(_("Our attendees"), lambda v: ", ".join(str(a) for a in v.attendees.all()), 28),
            Column(_("Programme"), lambda v: v.programme, 40),
        ]


class OnTheRoadExportView(ListExportMixin, OnTheRoadView):
    """Today's travellers as Excel, with today's check-in notes."""

    export_title = gettext_lazy("On the road today")
    export_name = "on-the-road"

    def export_columns(self):
        return [
            Column(_("Traveller"), lambda t: t.traveller, 16),
            Column(_("Number"), lambda t: t.number, 16),
            Column(_("Destination"), lambda t: t.destination, 24),
            Column(_("First day"), lambda t: t.start_on, 12, DATE_FORMAT),
            Column(_("Last day"), lambda t: t.end_on, 12, DATE_FORMAT),
            Column(_("Purpose"), lambda t: t.purpose, 40),
            Column(_("Check-ins today"), lambda t: len(t.today_check_ins), 10, "0"),
        ]


class FindingsExportView(ListExportMixin, FindingsView):
    """The important findings of visit reports as Excel."""

    export_title = gettext_lazy("Important findings from visits")
    export_name = "findings"

    def export_columns(self):
        return [
            Column(_("Reported"), lambda s: s.reported_at, 17, "yyyy-mm-dd hh:mm"),
            Column(_("Visited on"), lambda s: s.visited_on, 12, DATE_FORMAT),
            Column(_("Traveller"), lambda s: s.trip.traveller, 16),
            Column(_("Trip"), lambda s: s.trip.number, 16),
            Column(_("Customer code"), lambda s: s.customer.code, 12),
            Column(_("Customer"), lambda s: s.customer.name, 30),
            Column(_("Outcome"), lambda s: s.outcome, 50),
            Column(_("Next steps"), lambda s: s.next_steps, 30),
            Column(_("Next follow-up"), lambda s: s.next_follow_up_on, 12, DATE_FORMAT),
        ]
